import { describe, expect, it } from 'vitest';
import { slackStepWording as say } from '../../../src/slack/wording/steps.js';

const SNAP = 'snap-0123456789abcdef0';
const README = '(README, "IAM for locks, retention and drills")';

describe("the steps' facts in Slack's words", () => {
  it('tells a compliance lock with its end in UTC and who cannot lift it', () => {
    expect(
      say.locked({ snapshotId: SNAP, lock: { mode: 'compliance' }, until: new Date('2025-04-09T06:30:12Z') }),
    ).toBe(
      ':lock: `snap-0123456789abcdef0` is locked in *compliance* mode until 2025-04-09 06:30 UTC: nobody, not even the account root, can delete it or lift the lock before then.',
    );
  });

  it('tells a governance lock as liftable with ec2:UnlockSnapshot', () => {
    expect(
      say.locked({ snapshotId: SNAP, lock: { mode: 'governance' }, until: new Date('2025-04-09T06:30:00Z') }),
    ).toBe(
      ':lock: `snap-0123456789abcdef0` is locked in *governance* mode until 2025-04-09 06:30 UTC: it cannot be deleted unless someone with `ec2:UnlockSnapshot` lifts the lock before then.',
    );
  });

  it('tells a lock that failed what the role needs, and that the bot retries only while it does', () => {
    const failed = {
      snapshotId: SNAP,
      account: 'audit',
      region: 'us-west-2',
      lock: { mode: 'governance' as const, days: 30 },
      error: 'not authorized',
    };
    const text =
      ':warning: Could not lock `snap-0123456789abcdef0` in audit us-west-2 (governance, 30 days). ' +
      'The copy itself is completed and usable, but it is not protected against deletion. ' +
      `The bot's role there needs the permission \`ec2:LockSnapshot\` on the copy ${README}. ` +
      'AWS said: not authorized';
    expect(say.lockFailed({ ...failed, retrying: false })).toBe(text);
    expect(say.lockFailed({ ...failed, retrying: true })).toBe(`${text} The bot keeps trying.`);
  });

  it("tells retention's failures: retried, locked, unauthorized, refused otherwise", () => {
    expect(say.retentionFailing({ policy: 'prod-db', volume: 'vol-1', error: 'throttled' })).toBe(
      ':warning: DR policy *prod-db*: cleaning up older copies of `vol-1` keeps failing (throttled); the bot keeps trying.',
    );
    const refused = (code: string, error: string) =>
      say.retentionRefused({ policy: 'prod-db', snapshotId: SNAP, code, error });
    const head =
      ':warning: DR policy *prod-db*: retention could not delete the older copy `snap-0123456789abcdef0`: ';
    const tail = '. It is kept; the bot does not try again.';
    expect(refused('locked', 'Snapshot is locked')).toBe(`${head}it is locked${tail}`);
    expect(refused('unauthorized', 'denied')).toBe(
      `${head}the bot's role may not delete it: grant \`ec2:DeleteSnapshot\` on snapshots tagged \`snapshot-copy:policy\` ${README}${tail}`,
    );
    expect(refused('incorrect-state', 'in use by an AMI')).toBe(
      `${head}AWS refused (in use by an AMI)${tail}`,
    );
  });

  it("tells a two-hop copy's intermediate deleted, or how to delete it by hand", () => {
    expect(say.intermediateDeleted({ snapshotId: SNAP, account: 'prod', region: 'eu-west-1' })).toBe(
      ':wastebasket: Deleted the intermediate copy `snap-0123456789abcdef0` in prod eu-west-1 (hop 1 of 2): it is not needed any more.',
    );
    expect(
      say.intermediateDeleteFailing({
        snapshotId: SNAP,
        accountId: '111111111111',
        region: 'eu-west-1',
        error: 'throttled',
      }),
    ).toBe(
      ':warning: Could not delete the intermediate copy `snap-0123456789abcdef0` in account 111111111111 eu-west-1 (throttled); the bot keeps trying. To delete it by hand: `aws ec2 delete-snapshot --snapshot-id snap-0123456789abcdef0 --region eu-west-1`',
    );
  });

  it('tells how to remove a temporary share by hand while its removal keeps failing', () => {
    expect(
      say.unshareFailing({
        snapshotId: SNAP,
        accountId: '222222222222',
        region: 'eu-west-1',
        error: 'throttled',
      }),
    ).toBe(
      ':warning: Could not remove the temporary share of `snap-0123456789abcdef0` with account 222222222222 (throttled); the bot keeps trying. To remove it by hand: `aws ec2 modify-snapshot-attribute --snapshot-id snap-0123456789abcdef0 --attribute createVolumePermission --operation-type remove --user-ids 222222222222 --region eu-west-1`',
    );
  });

  it("names the KMS key a drill's volume could not use, and says so when EBS gave no reason", () => {
    const account = { alias: 'dr', id: '333333333333' };
    expect(say.drillFailure({ kind: 'volume-error', account, keyId: 'alias/dr', encrypted: true })).toBe(
      'the restored volume went to `error`: account dr (333333333333) cannot use the KMS key `alias/dr` the copy is encrypted with. ' +
        'The role and key policy must allow `kms:CreateGrant`, `kms:Decrypt`, `kms:GenerateDataKeyWithoutPlaintext`, `kms:ReEncrypt*` and `kms:DescribeKey`; ' +
        'until then this copy cannot be restored',
    );
    expect(say.drillFailure({ kind: 'volume-error', account, encrypted: true })).toContain(
      'cannot use the KMS key the copy is encrypted with.',
    );
    expect(say.drillFailure({ kind: 'volume-error', account, encrypted: false })).toBe(
      'the restored volume went to `error` (EBS gave no reason); the copy may not be restorable',
    );
  });

  it("tells a drill's other failures in plain words", () => {
    expect(say.drillFailure({ kind: 'create-refused', code: 'unauthorized', error: 'denied' })).toBe(
      `the bot's role may not create the volume: grant \`ec2:CreateVolume\` with the \`snapshot-copy:drill\` tag ${README}`,
    );
    expect(say.drillFailure({ kind: 'create-refused', code: 'invalid-parameter', error: 'bad zone' })).toBe(
      'CreateVolume was refused: bad zone',
    );
    expect(say.drillFailure({ kind: 'nothing-to-restore' })).toBe(
      'there is no completed copy to restore yet',
    );
    expect(say.drillFailure({ kind: 'keeps-failing', error: 'throttled' })).toBe(
      'the drill keeps failing and is retried: throttled',
    );
  });
});
