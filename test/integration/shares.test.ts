/**
 * Shares the bot owns (SPEC §5.5): before sharing a source with the destination account the bot
 * reads who may already use it, removes only a share it added itself, and removes it once no copy
 * of its own needs it — after completion and after a cancel, including a copy that was put back in
 * the queue by ResourceLimitExceeded after its source had been shared.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import {
  AUDIT,
  approve,
  copiesEnded,
  file,
  fileApproved,
  okCalls,
  PROD,
  worldWithGroup,
} from './engine-support.js';
import { eventually, type Harness, OPS_CHANNEL, REQUESTER, startHarness } from './harness.js';
import { responses } from './slack-actions.js';

const sharedWith = (h: Harness, snapshotId: string): string[] => [
  ...(h.sim.world.snapshots.get(snapshotId)?.sharedWith ?? []),
];

const modifies = (h: Harness, snapshotId: string, op: 'add' | 'remove') =>
  okCalls(h, 'ModifySnapshotAttribute').filter(
    (c) => c.params.SnapshotId === snapshotId && c.params.OperationType === op,
  );

describe('shares of source snapshots with the destination account', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('reads the existing permissions first, shares for the copy and removes that share once it completed', async () => {
    h = await startHarness({ pollIntervalMs: 200, simulator: { copyDuration: () => 500 } });
    const snap = DEMO_SNAPSHOTS.unencrypted;
    const n = await fileApproved(h, `${snap} from us-east-1 to us-west-2 to-account audit`);
    const [copy] = await copiesEnded(h, n);
    expect(copy?.state).toBe('completed');
    const describeAttr = okCalls(h, 'DescribeSnapshotAttribute').find((c) => c.params.SnapshotId === snap);
    expect(describeAttr?.accountId).toBe(PROD);
    expect(modifies(h, snap, 'add')).toHaveLength(1);
    await eventually(() => modifies(h!, snap, 'remove').length === 1, 'the share removed');
    expect(sharedWith(h, snap)).not.toContain(AUDIT);
    // Recorded in the transaction right after AWS answered the removal.
    await eventually(
      async () =>
        (await h!.bot.store.listAudit({ requestNumber: n })).some((a) => a.action === 'share.removed'),
      'the removal audited',
    );
  });

  it('keeps a share that existed before the request, and never adds or removes one', async () => {
    h = await startHarness({ pollIntervalMs: 200, simulator: { copyDuration: () => 500 } });
    const snap = DEMO_SNAPSHOTS.unencrypted;
    h.sim.world.snapshots.get(snap)?.sharedWith.add(AUDIT);
    const n = await fileApproved(h, `${snap} from us-east-1 to us-west-2 to-account audit`);
    const [copy] = await copiesEnded(h, n);
    expect(copy?.state).toBe('completed');
    // Give an unshare step every chance to (wrongly) run.
    await h.bot.steps.kick();
    await new Promise((r) => setTimeout(r, 500));
    expect(sharedWith(h, snap)).toContain(AUDIT);
    expect(okCalls(h, 'ModifySnapshotAttribute').filter((c) => c.params.SnapshotId === snap)).toEqual([]);
  });

  it('removes the share of a copy requeued by ResourceLimitExceeded when its request is cancelled', async () => {
    h = await startHarness({
      world: worldWithGroup('pair', 2),
      pollIntervalMs: 200,
      simulator: { copyDuration: () => 60_000 },
    });
    // Another tool holds all but one of audit's copy slots in us-west-2: the second copy is refused.
    h.sim.world.setCopyLimit(1, { accountId: AUDIT, region: 'us-west-2' });
    const n = await file(h, 'tag:Group=pair from us-east-1 to us-west-2 to-account audit');
    await approve(h, n);
    await eventually(
      () => h!.sim.calls.some((c) => c.errorCode === 'ResourceLimitExceeded'),
      'a copy refused with ResourceLimitExceeded',
    );
    const copies = await h.bot.store.getCopies(n);
    const queued = await eventually(
      async () => (await h!.bot.store.getCopies(n)).find((c) => c.state === 'queued'),
      'the refused copy back in the queue',
    );
    const refusedSnap = queued.source.snapshotId;
    expect(copies).toHaveLength(2);
    expect(sharedWith(h, refusedSnap)).toContain(AUDIT);

    await h.send.command(`cancel R-${n}`, REQUESTER, OPS_CHANNEL);
    await eventually(() => responses(h!.slack).some((t) => t.includes(`You cancelled R-${n}`)), 'cancelled');
    await eventually(
      () => !sharedWith(h!, refusedSnap).includes(AUDIT),
      'the share of the cancelled copy removed',
    );
    // The copy still running keeps the share it needs.
    const running = copies.find((c) => c.source.snapshotId !== refusedSnap)!;
    expect(sharedWith(h, running.source.snapshotId)).toContain(AUDIT);
  });

  it('makes a copy claimed while its source share is being removed wait for the removal, then share anew', async () => {
    h = await startHarness({ pollIntervalMs: 200, simulator: { copyDuration: () => 300 } });
    const harness = h;
    const snap = DEMO_SNAPSHOTS.unencrypted;
    const line = `${snap} from us-east-1 to us-west-2 to-account audit`;
    // The removal of R-1's share takes 3 s to reach AWS; adding a share stays quick.
    h.sim.setLatency({
      ModifySnapshotAttribute: (body) => (body.includes('OperationType=remove') ? 3_000 : 0),
    });
    const first = await fileApproved(h, line);
    await copiesEnded(h, first);
    const second = await file(h, line);
    // From here the dispatcher's read of the source is slow: without waiting for the removal, the
    // new share would be made, then undone by the removal landing, before CopySnapshot is sent.
    h.sim.setLatency({
      ModifySnapshotAttribute: (body) => (body.includes('OperationType=remove') ? 3_000 : 0),
      DescribeSnapshots: (body) => (body.includes(`SnapshotId.1=${snap}`) ? 4_000 : 0),
    });
    await approve(h, second);
    const [copy] = await copiesEnded(h, second, 30_000);
    expect(copy).toMatchObject({ state: 'completed' });
    // Removed after R-1, shared again for R-2 after that removal had landed, removed after R-2.
    await eventually(
      () => modifies(harness, snap, 'remove').length === 2,
      'the second share removed',
      15_000,
    );
    const ops = okCalls(h, 'ModifySnapshotAttribute')
      .filter((c) => c.params.SnapshotId === snap)
      .map((c) => c.params.OperationType);
    expect(ops).toEqual(['add', 'remove', 'add', 'remove']);
    expect(sharedWith(h, snap)).not.toContain(AUDIT);
  }, 60_000);
});
