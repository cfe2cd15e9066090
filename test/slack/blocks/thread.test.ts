import { describe, expect, it } from 'vitest';
import {
  cancelledReply,
  completedReply,
  failedReply,
  KMS_ACTIONS_FOR_COPY,
  keyFailureReply,
  queuedReply,
  startedReply,
} from '../../../src/slack/blocks/thread.js';
import { copyView, HOSTILE, HOSTILE_ESCAPED } from './views.js';

const audit = { alias: 'audit', id: '222222222222' };
const snap = '`snap-0123456789abcdef0` → us-west-2';

describe('queuedReply', () => {
  it('gives the place in the queue and when the copy should start', () => {
    const copy = copyView({
      state: 'queued',
      destination: audit,
      queuePosition: 4,
      estimateStartMs: 7_620_000,
    });
    expect(queuedReply(copy)).toBe(
      `:double_vertical_bar: ${snap}: #4 in the queue for audit us-west-2 (all copy slots busy), expected to start in ~2 h.`,
    );
  });

  it('says only that it is queued when the place is not known', () => {
    expect(queuedReply(copyView({ state: 'queued', destination: audit }))).toBe(
      `:double_vertical_bar: ${snap}: queued for audit us-west-2 (all copy slots busy).`,
    );
  });

  it('escapes the account alias', () => {
    const reply = queuedReply(copyView({ destination: { alias: HOSTILE, id: '2' } }));
    expect(reply).toContain(`queued for ${HOSTILE_ESCAPED} us-west-2`);
    expect(reply).not.toContain('<!channel>');
  });
});

describe('startedReply', () => {
  it.each([
    ['without a prediction', {}, `:arrows_counterclockwise: ${snap}: copy started as a new snapshot.`],
    [
      'as a full copy',
      {
        newSnapshotId: 'snap-0new',
        transfer: { kind: 'full' as const, reason: 'first copy to this Region', fullCopyGiB: 8 },
      },
      `:arrows_counterclockwise: ${snap}: copy started as \`snap-0new\` — full copy (first copy to this Region), 8 GiB.`,
    ],
    [
      'as an incremental copy',
      { transfer: { kind: 'incremental' as const, reason: 'same volume as the last copy', fullCopyGiB: 0 } },
      `:arrows_counterclockwise: ${snap}: copy started as a new snapshot — incremental (same volume as the last copy).`,
    ],
    [
      'as the second hop',
      { hop: 'final' as const },
      `:arrows_counterclockwise: hop 2/2 ${snap}: copy started as a new snapshot.`,
    ],
  ])('tells a copy started %s', (_name, over, reply) => {
    expect(startedReply(copyView({ state: 'copying', ...over }))).toBe(reply);
  });

  it('escapes the transfer reason', () => {
    const reply = startedReply(copyView({ transfer: { kind: 'full', reason: HOSTILE, fullCopyGiB: 8 } }));
    expect(reply).toContain(`full copy (${HOSTILE_ESCAPED})`);
    expect(reply).not.toContain('<!channel>');
  });
});

describe('completedReply', () => {
  it('is the completion line: where, how long, what kind, the new snapshot', () => {
    const startedAt = new Date('2026-12-01T10:00:00Z');
    const copy = copyView({
      state: 'completed',
      newSnapshotId: 'snap-0new',
      startedAt,
      completedAt: new Date(startedAt.getTime() + 185_000),
      transfer: { kind: 'full', reason: 'first copy', fullCopyGiB: 8 },
    });
    expect(completedReply(copy)).toBe(
      ':white_check_mark: `snap-0123456789abcdef0` copied to us-west-2 in 3m 05s (full): `snap-0new`',
    );
  });
});

describe('keyFailureReply', () => {
  const copy = copyView({
    state: 'failed',
    destination: audit,
    sourceEncrypted: true,
    sourceKeyId: 'arn:aws:kms:us-east-1:111111111111:key/src',
  });

  it('mentions the requester, names the key, the role and every KMS action it needs', () => {
    const reply = keyFailureReply({
      copy,
      requesterId: 'U0REQUESTER',
      targetKeyId: 'alias/dr',
      destinationRoleArn: 'arn:aws:iam::222222222222:role/copier',
    });
    expect(reply).toContain(
      `:closed_lock_with_key: <@U0REQUESTER> ${snap} *failed: the KMS key is not accessible* (AWS: "Given key ID is not accessible")`,
    );
    expect(reply).toContain(
      '*What to fix:* the role `arn:aws:iam::222222222222:role/copier` in account audit (222222222222) needs `kms:DescribeKey`, `kms:CreateGrant`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKeyWithoutPlaintext` on the destination key `alias/dr` and the source key `arn:aws:kms:us-east-1:111111111111:key/src`.',
    );
    expect(reply).toContain(
      'Then run the copy again: `/snapshot-copy snap-0123456789abcdef0 … to us-west-2`.',
    );
    expect(reply).not.toContain('key policy');
  });

  it('lists the KMS actions SPEC §5.7 names', () => {
    expect([...KMS_ACTIONS_FOR_COPY]).toEqual([
      'kms:DescribeKey',
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:ReEncrypt*',
      'kms:GenerateDataKeyWithoutPlaintext',
    ]);
  });

  it('names the bot’s own identity and the default key when there is no role and no key', () => {
    const reply = keyFailureReply({ copy: copyView({ destination: audit }), requesterId: 'U0REQUESTER' });
    expect(reply).toContain(
      "the bot's own identity in account audit (222222222222) needs `kms:DescribeKey`, `kms:CreateGrant`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKeyWithoutPlaintext` on the destination's default EBS key.",
    );
  });

  it('says a source key of another account must grant the destination account in its key policy', () => {
    const reply = keyFailureReply({ copy, requesterId: 'U0REQUESTER', sourceKeyAccountId: '111111111111' });
    expect(reply).toContain(
      'The source key belongs to account 111111111111: its *key policy* must grant account 222222222222 those actions',
    );
  });

  it('says nothing of a key policy when the source key is the destination account’s own', () => {
    const reply = keyFailureReply({ copy, requesterId: 'U0REQUESTER', sourceKeyAccountId: '222222222222' });
    expect(reply).not.toContain('key policy');
  });

  it.each([
    ['with', { destinationRoleArn: 'arn:aws:iam::2:role/copier' }],
    ['without', {}],
  ])('escapes the account alias %s a role', (_name, role) => {
    const reply = keyFailureReply({
      copy: copyView({ destination: { alias: HOSTILE, id: '2' } }),
      requesterId: 'U0REQUESTER',
      ...role,
    });
    expect(reply).toContain(`in account ${HOSTILE_ESCAPED} (2)`);
    expect(reply).not.toContain('<!channel>');
  });
});

describe('failedReply', () => {
  it('mentions the requester and names the hop that failed', () => {
    const reply = failedReply(
      copyView({ state: 'failed', hop: 'intermediate', failure: { code: 'copy-error', message: 'boom' } }),
      'U0REQUESTER',
    );
    expect(reply).toMatch(
      /^:x: <@U0REQUESTER> hop 1\/2 \(re-key in prod\) `snap-0123456789abcdef0` → us-west-2 failed: /,
    );
  });

  it('escapes the AWS message, which may quote user text', () => {
    const reply = failedReply(
      copyView({ state: 'failed', failure: { code: 'invalid-parameter', message: HOSTILE } }),
      'U0REQUESTER',
    );
    expect(reply).toContain(`\n> ${HOSTILE_ESCAPED}`);
    expect(reply).not.toContain('<!channel>');
  });

  it('stays within a section, cut with an ellipsis', () => {
    const reply = failedReply(
      copyView({ state: 'failed', failure: { code: 'unknown', message: 'x'.repeat(5000) } }),
      'U0REQUESTER',
    );
    expect(reply.length).toBe(2900);
    expect(reply.endsWith('…')).toBe(true);
  });
});

describe('cancelledReply', () => {
  it('counts the copies cancelled and names who cancelled', () => {
    expect(cancelledReply([copyView()], [], 'U0REQUESTER')).toBe(
      ':no_entry_sign: Cancelled by <@U0REQUESTER>: 1 queued copy.',
    );
  });

  it('says the copies already started are left to finish', () => {
    const two = [copyView(), copyView({ copyId: 2 })];
    expect(cancelledReply(two, [copyView({ copyId: 3 })], 'U0REQUESTER')).toBe(
      ':no_entry_sign: Cancelled by <@U0REQUESTER>: 2 queued copies. 1 already started copy is left to finish (AWS cannot stop a copy in progress).',
    );
    expect(cancelledReply([], two, 'U0REQUESTER')).toContain('2 already started copies are left to finish');
  });
});
