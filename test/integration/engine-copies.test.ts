import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import {
  AUDIT,
  configWithLimits,
  copiesEnded,
  fileApproved,
  maxConcurrent,
  okCalls,
  PROD,
  repliesMatching,
  simCopiesIn,
  worldWithGroup,
} from './engine-support.js';
import { eventually, type Harness, startHarness } from './harness.js';
import { tagsOf } from './slack-actions.js';

describe('the copy engine against the AWS simulator', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('shares the source, re-encrypts under the audit key in the audit account, and unshares after completion', async () => {
    h = await startHarness();
    const snap = DEMO_SNAPSHOTS.unencrypted;
    const n = await fileApproved(h, `${snap} from us-east-1 to us-west-2 to-account audit`);
    const [copy] = await copiesEnded(h, n);
    expect(copy?.state).toBe('completed');
    await eventually(
      () => okCalls(h!, 'ModifySnapshotAttribute').find((c) => c.params.OperationType === 'remove'),
      'the share removed',
    );

    const mutating = h.sim.calls.filter(
      (c) => c.outcome === 'ok' && ['ModifySnapshotAttribute', 'CopySnapshot'].includes(c.action),
    );
    expect(mutating.map((c) => [c.action, c.accountId, c.region, c.params.OperationType])).toEqual([
      ['ModifySnapshotAttribute', PROD, 'us-east-1', 'add'],
      ['CopySnapshot', AUDIT, 'us-west-2', undefined],
      ['ModifySnapshotAttribute', PROD, 'us-east-1', 'remove'],
    ]);
    const [share, copyCall, unshare] = mutating;
    for (const call of [share, unshare]) {
      expect(call?.params).toMatchObject({
        SnapshotId: snap,
        Attribute: 'createVolumePermission',
      });
      expect(JSON.stringify(call?.params)).toContain(AUDIT);
    }
    expect(copyCall?.params).toMatchObject({
      SourceRegion: 'us-east-1',
      SourceSnapshotId: snap,
      Encrypted: 'true',
      KmsKeyId: 'alias/audit-ebs',
    });
    expect(tagsOf(copyCall?.params ?? {})).toMatchObject({
      'snapshot-copy:request': `R-${n}`,
      'snapshot-copy:source': snap,
    });
    const made = simCopiesIn(h, AUDIT, 'us-west-2');
    expect(made).toHaveLength(1);
    // The share is removed only once AWS has finished the copy.
    expect(unshare?.time).toBeGreaterThanOrEqual((made[0]?.startedAt ?? 0) + (made[0]?.durationMs ?? 0));
    expect(h.sim.world.snapshot(snap)?.sharedWith.size).toBe(0);
    expect(made[0]?.encrypted).toBe(true);
    expect(made[0]?.kmsKeyArn).toContain(':222222222222:key/');
    // What AWS reported at completion is kept (the incremental prediction compares keys by ARN).
    expect(copy?.result).toEqual({ encrypted: true, kmsKeyId: made[0]?.kmsKeyArn });
  });

  it('sends `within 2h` as CompletionDurationMinutes 120', async () => {
    h = await startHarness();
    const n = await fileApproved(h, `${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1 within 2h`);
    await copiesEnded(h, n);
    const [call] = okCalls(h, 'CopySnapshot');
    expect(call?.params.CompletionDurationMinutes).toBe('120');
    expect(call?.region).toBe('us-east-1');
    expect(simCopiesIn(h, PROD, 'us-east-1')[0]?.completionDurationMinutes).toBe(120);
  });

  it('copies a multi-volume group of 12 with at most 5 in flight and tells the queued ones their place', async () => {
    h = await startHarness({
      world: worldWithGroup('big', 12),
      configYaml: configWithLimits(['{ account: prod, region: us-west-2, concurrentCopies: 5 }']),
    });
    let maxInFlightSeen = 0;
    const sampler = setInterval(() => {
      void h?.bot.store.queueSnapshot().then((qs) => {
        for (const q of qs)
          if (q.accountId === PROD && q.region === 'us-west-2')
            maxInFlightSeen = Math.max(maxInFlightSeen, q.inFlight);
      });
    }, 20);
    try {
      const n = await fileApproved(h, 'tag:Group=big from us-east-1 to us-west-2');
      const copies = await copiesEnded(h, n, 30_000);
      expect(copies).toHaveLength(12);
      expect(copies.every((c) => c.state === 'completed')).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    const made = simCopiesIn(h, PROD, 'us-west-2');
    expect(made).toHaveLength(12);
    expect(maxConcurrent(made)).toBe(5);
    expect(maxInFlightSeen).toBeLessThanOrEqual(5);
    expect(maxInFlightSeen).toBeGreaterThan(0);
    expect(h.sim.calls.filter((c) => c.errorCode === 'ResourceLimitExceeded')).toEqual([]);

    const queued = await eventually(
      () => repliesMatching(h!, /in the queue/)[0],
      'a thread reply for the queued copies',
    );
    for (let position = 1; position <= 7; position++) expect(queued).toContain(`#${position} in the queue`);
    expect(queued).not.toContain('#8 in the queue');
    expect(queued).toMatch(/expected to start in ~\S+/);
  });

  it('requeues copies AWS refuses with ResourceLimitExceeded and completes every one, failing none', async () => {
    h = await startHarness({ world: worldWithGroup('six', 6) });
    h.sim.world.setCopyLimit(2, { accountId: PROD, region: 'us-west-2' });
    const n = await fileApproved(h, 'tag:Group=six from us-east-1 to us-west-2');
    const copies = await copiesEnded(h, n, 30_000);
    expect(copies.map((c) => c.state)).toEqual(Array(6).fill('completed'));
    expect((await h.bot.store.getRequest(n))?.state).toBe('completed');

    const refused = h.sim.calls.filter((c) => c.errorCode === 'ResourceLimitExceeded');
    expect(refused.length).toBeGreaterThan(0);
    const made = simCopiesIn(h, PROD, 'us-west-2');
    expect(made).toHaveLength(6);
    expect(maxConcurrent(made)).toBeLessThanOrEqual(2);
    // Said once for the request and destination, however often AWS refused.
    expect(repliesMatching(h, /concurrent copy limit for prod us-west-2 is reached/)).toHaveLength(1);
    expect(repliesMatching(h, /^:x:|failed:/)).toEqual([]);
  });

  it('finds a copy whose CopySnapshot answer was lost by its tags instead of copying twice', async () => {
    h = await startHarness();
    h.sim.dropNextCopyResponses(1);
    const snap = DEMO_SNAPSHOTS.prodWest;
    const n = await fileApproved(h, `${snap} from us-west-2 to us-east-1`);
    const [copy] = await copiesEnded(h, n, 30_000);
    expect(copy?.state).toBe('completed');

    const made = simCopiesIn(h, PROD, 'us-east-1');
    expect(made).toHaveLength(1);
    expect(copy?.newSnapshotId).toBe(made[0]?.snapshotId);
    expect(h.sim.calls.filter((c) => c.action === 'CopySnapshot' && !c.dryRun)).toHaveLength(1);
    // Found again by its provenance tags.
    const lookup = h.sim.calls.find(
      (c) => c.action === 'DescribeSnapshots' && JSON.stringify(c.params).includes('snapshot-copy:request'),
    );
    expect(lookup).toBeDefined();
    expect((await h.bot.store.getRequest(n))?.state).toBe('completed');
  });
});
