import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { eventually, type Harness } from './harness.js';
import {
  command,
  fileRequest,
  mutatingCalls,
  repliesTo,
  responsesSince,
  shown,
  startRequestsHarness,
} from './requests-support.js';
import { approvalCard } from './slack-actions.js';

const PROD = DEMO_ACCOUNTS.prod;
const AUDIT = DEMO_ACCOUNTS.audit;
const PROD_ROLE = `arn:aws:iam::${PROD}:role/snapshot-copy-bot`;
const AUDIT_ROLE = `arn:aws:iam::${AUDIT}:role/snapshot-copy-bot`;

/** The pre-flight warnings as the approver sees them on the card, and as the thread says them. */
async function warned(h: Harness, n: number, needle: string) {
  const card = shown((await approvalCard(h.slack, n)).call);
  expect(card).toContain(needle);
  return eventually(
    async () => (await repliesTo(h, n)).find((t) => t.includes(needle)),
    `"${needle}" in the thread`,
  );
}

describe('DryRun pre-flight at filing (SPEC §5.2)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('warns before approval when the destination role may not copy, and copies nothing', async () => {
    h = await startRequestsHarness();
    h.sim.world.denyAction(PROD, 'CopySnapshot');
    const n = await fileRequest(h, `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`);

    const reply = await warned(h, n, `may not copy snapshots into prod (${PROD}) us-west-2`);
    expect(reply).toContain(`The role of prod (${PROD_ROLE})`);
    expect(reply).toContain('ec2:CopySnapshot');
    expect(reply).toContain('UnauthorizedOperation');

    const dryRuns = h.sim.calls.filter((c) => c.action === 'CopySnapshot');
    expect(dryRuns).toHaveLength(1);
    expect(dryRuns[0]).toMatchObject({
      accountId: PROD,
      region: 'us-west-2',
      dryRun: true,
      errorCode: 'UnauthorizedOperation',
      params: expect.objectContaining({
        DryRun: 'true',
        SourceRegion: 'us-east-1',
        SourceSnapshotId: DEMO_SNAPSHOTS.unencrypted,
      }),
    });
    expect(mutatingCalls(h)).toEqual([]);
    expect([...h.sim.world.snapshots.values()].filter((s) => s.copy)).toEqual([]);
  });

  it("sends the copy's tags with the DryRun, so a role that may not tag its copies is warned too", async () => {
    h = await startRequestsHarness();
    h.sim.world.denyAction(PROD, 'CreateTags');
    const n = await fileRequest(h, `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2 tag Team=sre`);
    const reply = await warned(h, n, `may not copy snapshots into prod (${PROD}) us-west-2`);
    expect(reply).toContain('ec2:CreateTags for the copies it creates');
    const [dryRun] = h.sim.calls.filter((c) => c.action === 'CopySnapshot');
    expect(dryRun?.params).toMatchObject({
      'TagSpecification.1.ResourceType': 'snapshot',
      DryRun: 'true',
    });
    expect(Object.values(dryRun?.params ?? {})).toEqual(
      expect.arrayContaining(['Team', 'sre', 'snapshot-copy:source']),
    );
  });

  it('asks the allowed destination with the encryption the copy will use, and says nothing', async () => {
    h = await startRequestsHarness();
    // Shared with audit already: the destination can see the source, so its copy is what is checked.
    h.sim.world.snapshot(DEMO_SNAPSHOTS.unencrypted)?.sharedWith.add(AUDIT);
    const n = await fileRequest(
      h,
      `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2 to-account audit`,
    );

    const card = shown((await approvalCard(h.slack, n)).call);
    expect(card).not.toContain('may not copy');
    expect(card).not.toContain('Could not check');
    const dryRun = h.sim.calls.find((c) => c.action === 'CopySnapshot');
    expect(dryRun).toMatchObject({
      accountId: AUDIT,
      region: 'us-west-2',
      dryRun: true,
      errorCode: 'DryRunOperation',
      httpStatus: 412,
      params: expect.objectContaining({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: DEMO_SNAPSHOTS.unencrypted,
        // audit's kmsKeys entry for us-west-2: the copy is re-encrypted with the destination's key.
        Encrypted: 'true',
        KmsKeyId: 'alias/audit-ebs',
      }),
    });
    // Already shared: no share to check.
    expect(h.sim.calls.filter((c) => c.action === 'ModifySnapshotAttribute')).toEqual([]);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('warns when the source role may not share a cross-account source', async () => {
    h = await startRequestsHarness();
    h.sim.world.denyAction(PROD, 'ModifySnapshotAttribute');
    const n = await fileRequest(
      h,
      `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2 to-account audit`,
    );

    const reply = await warned(
      h,
      n,
      `may not share snapshots in prod (${PROD}) us-east-1 with audit (${AUDIT})`,
    );
    expect(reply).toContain(`The role of prod (${PROD_ROLE})`);
    expect(reply).toContain('ec2:ModifySnapshotAttribute');

    const read = h.sim.calls.find((c) => c.action === 'DescribeSnapshotAttribute');
    expect(read).toMatchObject({ accountId: PROD, region: 'us-east-1', outcome: 'ok' });
    const share = h.sim.calls.filter((c) => c.action === 'ModifySnapshotAttribute');
    expect(share).toHaveLength(1);
    expect(share[0]).toMatchObject({
      accountId: PROD,
      region: 'us-east-1',
      dryRun: true,
      errorCode: 'UnauthorizedOperation',
      params: expect.objectContaining({
        SnapshotId: DEMO_SNAPSHOTS.unencrypted,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        'UserId.1': AUDIT,
      }),
    });
    // Not shared yet: audit cannot see the source, so its copy is not asked (the share is what is checked).
    expect(h.sim.calls.filter((c) => c.action === 'CopySnapshot')).toEqual([]);
    expect(h.sim.world.snapshot(DEMO_SNAPSHOTS.unencrypted)?.sharedWith.has(AUDIT)).toBe(false);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('shows a check that AWS kept throttling as one that could not run', async () => {
    h = await startRequestsHarness();
    // More throttled answers than the SDK makes attempts (6): the check gives up.
    h.sim.throttleNext(6, 'CopySnapshot');
    const harness = h;
    await command(harness, `${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1`);
    // The SDK backs off throttling for seconds (500 ms base, doubling): filing waits that out.
    const receipt = await eventually(
      () => responsesSince(harness, 0).find((t) => /Filed \*R-\d+\*/.test(t)),
      'the receipt after the throttled check',
      40_000,
    );
    const n = Number(/Filed \*R-(\d+)\*/.exec(receipt)?.[1]);
    expect(receipt).toContain('1 pre-flight warning');

    const reply = await warned(
      h,
      n,
      'Could not check whether prod may copy into us-east-1 (CopySnapshot DryRun)',
    );
    expect(reply).toContain("AWS kept throttling it after the SDK's retries");
    expect(reply).toContain('RequestLimitExceeded');
    const attempts = h.sim.calls.filter((c) => c.action === 'CopySnapshot');
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.every((c) => c.dryRun && c.errorCode === 'RequestLimitExceeded')).toBe(true);
  }, 60_000);

  it('names the destination role of a cross-account copy when it may not copy a shared source', async () => {
    h = await startRequestsHarness();
    h.sim.world.snapshot(DEMO_SNAPSHOTS.unencrypted)?.sharedWith.add(AUDIT);
    h.sim.world.denyAction(AUDIT, 'CopySnapshot');
    const n = await fileRequest(
      h,
      `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2,eu-west-1 to-account audit`,
    );
    await warned(h, n, `may not copy snapshots into audit (${AUDIT}) us-west-2`);
    const reply = await warned(h, n, `may not copy snapshots into audit (${AUDIT}) eu-west-1`);
    expect(reply).toContain(`The role of audit (${AUDIT_ROLE})`);
    expect(
      h.sim.calls
        .filter((c) => c.action === 'CopySnapshot')
        .map((c) => [c.accountId, c.region, c.errorCode])
        .sort(),
    ).toEqual([
      [AUDIT, 'eu-west-1', 'UnauthorizedOperation'],
      [AUDIT, 'us-west-2', 'UnauthorizedOperation'],
    ]);
  });
});
