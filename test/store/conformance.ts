/**
 * The contract every `Store` adapter keeps, run once per engine (sqlite.test.ts, postgres.test.ts).
 * Each case gets a fresh database (SQLite: a temp file; PostgreSQL: a random schema).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlotLimits, Store } from '../../src/store/port.js';
import { at, copiesTo, filing, newCopy, newIntent, T0 } from './fixtures/builders.js';

export interface StoreUnderTest {
  store: Store;
  /** Another store on the same database with its own connections (a second replica); absent where
   * one process is the rule, and concurrency is then exercised through `store` alone. */
  openPeer?: () => Promise<Store>;
  /** Runs a statement on the same database outside the store, to show what the database itself refuses. */
  exec(statement: string): Promise<void>;
  /** Closes the store, any peers, and drops the database. */
  close(): Promise<void>;
}

const DEST_A = { account: 'audit', accountId: '222222222222', region: 'us-west-2' };
const DEST_B = { account: 'audit', accountId: '222222222222', region: 'eu-west-1' };
const limits = (def: number, overrides: SlotLimits['overrides'] = []): SlotLimits => ({
  default: def,
  overrides,
});

export function runStoreConformance(open: () => Promise<StoreUnderTest>): void {
  let h: StoreUnderTest;
  let store: Store;
  /** A second replica where the engine has them, else the same store. */
  const peer = async (): Promise<Store> => (h.openPeer ? h.openPeer() : store);

  beforeEach(async () => {
    h = await open();
    store = h.store;
  });
  afterEach(async () => {
    await h.close();
  });

  /** Files an approved request and returns its copies (queued). */
  const fileQueued = async (copies = [newCopy()], when = T0) =>
    store.fileRequest(filing({ state: 'approved', expiresAt: null, at: when }, copies));

  describe('migrations and health', () => {
    it('migrates again and concurrently without error', async () => {
      const other = await peer();
      await Promise.all([store.migrate(), other.migrate(), store.migrate()]);
      await store.ping();
      expect(await store.countUnsent()).toBe(0);
    });

    it('describes its engine as data', () => {
      expect(['sqlite', 'postgres']).toContain(store.capabilities.kind);
      expect(store.capabilities.sharedAcrossProcesses).toBe(store.capabilities.kind === 'postgres');
    });
  });

  describe('requests', () => {
    it('files a request with its copies and an audit entry in one step', async () => {
      const { request, copies } = await store.fileRequest(
        filing({}, [newCopy('snap-0000000000000000a'), newCopy('snap-0000000000000000b', DEST_A)]),
      );
      expect(request).toMatchObject({
        state: 'pending_approval',
        requesterId: 'U0REQUESTER',
        crossAccount: false,
      });
      expect(request.resolved.sourceAccount).toBe('prod');
      expect(request.expiresAt?.toISOString()).toBe(at(24 * 60).toISOString());
      expect(copies.map((c) => [c.state, c.queuedAt])).toEqual([
        ['waiting', null],
        ['waiting', null],
      ]);
      expect(await store.getCopies(request.n)).toEqual(copies);
      expect(await store.getRequest(request.n)).toEqual(request);
      const audit = await store.listAudit({ requestNumber: request.n });
      expect(audit).toMatchObject([
        { action: 'request.filed', actor: 'U0REQUESTER', requestNumber: request.n },
      ]);
    });

    it('files DR-policy requests approved, with their copies queued', async () => {
      const { request, copies } = await fileQueued([newCopy()], at(5));
      expect(request).toMatchObject({ state: 'approved', expiresAt: null });
      expect(request.approvedAt?.toISOString()).toBe(at(5).toISOString());
      expect(copies[0]).toMatchObject({ state: 'queued', queuedAt: at(5) });
    });

    it('refuses the same copy twice in one request and files nothing', async () => {
      await expect(store.fileRequest(filing({}, [newCopy(), newCopy()]))).rejects.toThrow();
      expect(await store.listRequests({ limit: 10 })).toEqual([]);
      expect(await store.listAudit({})).toEqual([]);
    });

    it('numbers requests uniquely when replicas file at once', async () => {
      const other = await peer();
      const filed = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? store : other).fileRequest(filing())),
      );
      const numbers = filed.map((f) => f.request.n);
      expect(new Set(numbers).size).toBe(40);
      expect(numbers.every((n) => Number.isInteger(n) && n > 0)).toBe(true);
    });

    it('lists requests newest first, by requester and state', async () => {
      const a = await store.fileRequest(filing({ requesterId: 'U1' }));
      const b = await store.fileRequest(filing({ requesterId: 'U2' }));
      const c = await fileQueued();
      expect((await store.listRequests({ limit: 10 })).map((r) => r.n)).toEqual([
        c.request.n,
        b.request.n,
        a.request.n,
      ]);
      expect((await store.listRequests({ requesterId: 'U1', limit: 10 })).map((r) => r.n)).toEqual([
        a.request.n,
      ]);
      expect((await store.listRequests({ states: ['approved'], limit: 10 })).map((r) => r.n)).toEqual([
        c.request.n,
      ]);
      expect(await store.listRequests({ states: [], limit: 10 })).toEqual([]);
    });

    it('keeps the Slack references of the request message and the approval card', async () => {
      const { request } = await store.fileRequest(filing());
      await store.setRequestMessage(request.n, { channel: 'C0ORIGIN', ts: '1700000000.000100' });
      await store.setApprovalCard(request.n, { channel: 'C0APPROVALS', ts: '1700000000.000200' });
      expect(await store.getRequest(request.n)).toMatchObject({
        requestMessage: { channel: 'C0ORIGIN', ts: '1700000000.000100' },
        approvalCard: { channel: 'C0APPROVALS', ts: '1700000000.000200' },
      });
      await expect(store.setApprovalCard(9999, { channel: 'C', ts: '1' })).rejects.toThrow(/R-9999/);
    });

    it('lets only one of two racing transitions move a request', async () => {
      const { request } = await store.fileRequest(filing());
      const other = await peer();
      const results = await Promise.all([
        store.transitionRequest(request.n, {
          from: ['pending_approval'],
          to: 'rejected',
          at: at(1),
          patch: { closedBy: 'U1' },
        }),
        other.transitionRequest(request.n, {
          from: ['pending_approval'],
          to: 'rejected',
          at: at(1),
          patch: { closedBy: 'U2' },
        }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const after = await store.getRequest(request.n);
      expect(after?.state).toBe('rejected');
      expect(['U1', 'U2']).toContain(after?.closedBy);
      expect((await store.getCopies(request.n)).map((c) => c.state)).toEqual(['cancelled']);
      expect(
        await store.transitionRequest(request.n, { from: ['pending_approval'], to: 'approved', at: at(2) }),
      ).toBe(false);
    });
  });

  describe('approvals', () => {
    it('records one decision per approver, however often the button is clicked', async () => {
      const { request } = await store.fileRequest(filing());
      const other = await peer();
      const clicks = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).recordDecision({
            requestNumber: request.n,
            userId: 'U0APPROVER1',
            decision: 'approve',
            at: at(1),
          }),
        ),
      );
      expect(clicks.filter((c) => c.recorded)).toHaveLength(1);
      await store.recordDecision({
        requestNumber: request.n,
        userId: 'U0APPROVER2',
        decision: 'reject',
        at: at(2),
      });
      expect(await store.listDecisions(request.n)).toEqual([
        { requestNumber: request.n, userId: 'U0APPROVER1', decision: 'approve', at: at(1) },
        { requestNumber: request.n, userId: 'U0APPROVER2', decision: 'reject', at: at(2) },
      ]);
    });

    it('approves a pending request once, queueing its copies', async () => {
      const { request } = await store.fileRequest(
        filing({}, [newCopy('snap-0000000000000000a'), newCopy('snap-0000000000000000b')]),
      );
      const approved = await store.approveRequest(request.n, at(3));
      expect(approved).toMatchObject({ state: 'approved', approvedAt: at(3) });
      expect((await store.getCopies(request.n)).map((c) => [c.state, c.queuedAt])).toEqual([
        ['queued', at(3)],
        ['queued', at(3)],
      ]);
      expect(await store.approveRequest(request.n, at(4))).toBeUndefined();
    });

    it('expires pending requests past their expiry, and only those', async () => {
      const old = await store.fileRequest(filing({ expiresAt: at(60) }));
      const fresh = await store.fileRequest(filing({ expiresAt: at(120) }));
      const approved = await fileQueued();
      const expired = await store.expireRequests(at(60));
      expect(expired.map((r) => [r.n, r.state])).toEqual([[old.request.n, 'expired']]);
      expect((await store.getCopies(old.request.n)).map((c) => c.state)).toEqual(['cancelled']);
      expect((await store.getRequest(fresh.request.n))?.state).toBe('pending_approval');
      expect((await store.getRequest(approved.request.n))?.state).toBe('approved');
      expect(await store.expireRequests(at(61))).toEqual([]);
    });

    it('claims a reminder once per pending request filed long enough ago, and apart from the escalation', async () => {
      const old = await store.fileRequest(filing({ at: at(0), expiresAt: at(600) }));
      const recent = await store.fileRequest(filing({ at: at(30), expiresAt: at(600) }));
      await fileQueued([newCopy()], at(0));
      const rejected = await store.fileRequest(filing({ at: at(0), expiresAt: at(600) }));
      await store.transitionRequest(rejected.request.n, {
        from: ['pending_approval'],
        to: 'rejected',
        at: at(1),
      });
      const lapsed = await store.fileRequest(filing({ at: at(0), expiresAt: at(5) }));

      const reminded = await store.claimApprovalNudges('remind', at(10), at(40));
      expect(reminded.map((r) => r.n)).toEqual([old.request.n]);
      expect(reminded[0]).toMatchObject({ remindedAt: at(40), escalatedAt: null });
      expect(await store.claimApprovalNudges('remind', at(10), at(41))).toEqual([]);
      expect((await store.getRequest(lapsed.request.n))?.remindedAt).toBeNull();

      const escalated = await store.claimApprovalNudges('escalate', at(30), at(42));
      expect(escalated.map((r) => r.n)).toEqual([old.request.n, recent.request.n]);
      expect(await store.getRequest(old.request.n)).toMatchObject({
        remindedAt: at(40),
        escalatedAt: at(42),
      });
      expect((await store.getRequest(recent.request.n))?.remindedAt).toBeNull();
    });

    it('keeps one DM copy of the card per request and approver, the newest post replacing an older one', async () => {
      const { request } = await store.fileRequest(filing());
      const other = await store.fileRequest(filing());
      await store.recordCardCopy(
        { requestNumber: request.n, userId: 'U0B', channel: 'DU0B', ts: '1.1' },
        at(1),
      );
      await store.recordCardCopy(
        { requestNumber: request.n, userId: 'U0A', channel: 'DU0A', ts: '1.2' },
        at(2),
      );
      await store.recordCardCopy(
        { requestNumber: other.request.n, userId: 'U0A', channel: 'DU0A', ts: '1.3' },
        at(2),
      );
      await store.recordCardCopy(
        { requestNumber: request.n, userId: 'U0B', channel: 'DU0B', ts: '1.4' },
        at(3),
      );
      expect(await store.listCardCopies(request.n)).toEqual([
        { requestNumber: request.n, userId: 'U0B', channel: 'DU0B', ts: '1.4' },
        { requestNumber: request.n, userId: 'U0A', channel: 'DU0A', ts: '1.2' },
      ]);
      expect(await store.listCardCopies(other.request.n + 1)).toEqual([]);
    });

    it('gives each reminder to exactly one of replicas claiming at once', async () => {
      const filed = await Promise.all(
        Array.from({ length: 6 }, () => store.fileRequest(filing({ at: at(0), expiresAt: at(600) }))),
      );
      const other = await peer();
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? other : store).claimApprovalNudges('remind', at(1), at(2)),
        ),
      );
      const claimed = claims.flat().map((r) => r.n);
      expect(claimed.sort((a, b) => a - b)).toEqual(filed.map((f) => f.request.n).sort((a, b) => a - b));
    });
  });

  describe('two-hop copies', () => {
    const ORIGINAL = 'snap-0000000000000e001';
    const PROD_EAST = { account: 'prod', accountId: '111111111111', region: 'us-east-1' };
    const twoHop = () => [
      {
        ...newCopy(ORIGINAL, PROD_EAST),
        hop: { kind: 'intermediate' as const },
        kmsKeyId: 'alias/ebs-share',
      },
      { ...newCopy(ORIGINAL, DEST_A), hop: { kind: 'final' as const, after: 0 } },
      { ...newCopy(ORIGINAL, DEST_B), hop: { kind: 'final' as const, after: 0 } },
    ];

    it('starts the final hops only once the intermediate copy has completed, copying it', async () => {
      const { request, copies } = await store.fileRequest(filing({}, twoHop()));
      const [hop1, west, eu] = copies;
      expect(copies.map((c) => [c.hop, c.afterCopyId, c.originSnapshotId])).toEqual([
        ['intermediate', null, null],
        ['final', hop1!.id, ORIGINAL],
        ['final', hop1!.id, ORIGINAL],
      ]);
      await store.approveRequest(request.n, at(1));
      const first = await store.claimStartableCopies({ limits: limits(10), now: at(2), owner: 'w1' });
      expect(first.map((c) => c.id)).toEqual([hop1!.id]);

      await store.markCopyStarted(hop1!.id, { snapshotId: 'snap-0000000000000e0a1', at: at(3) });
      const waiting = await store.getCopies(request.n);
      // The final hops now copy the intermediate, and still name the original as their origin.
      expect(
        waiting.slice(1).map((c) => [c.source.snapshotId, c.source.kmsKeyId, c.originSnapshotId]),
      ).toEqual([
        ['snap-0000000000000e0a1', 'alias/ebs-share', ORIGINAL],
        ['snap-0000000000000e0a1', 'alias/ebs-share', ORIGINAL],
      ]);
      expect(await store.claimStartableCopies({ limits: limits(10), now: at(4), owner: 'w1' })).toEqual([]);

      await store.completeCopy(hop1!.id, { at: at(5) });
      expect((await store.getRequest(request.n))?.state).not.toBe('completed');
      const next = await store.claimStartableCopies({ limits: limits(10), now: at(6), owner: 'w1' });
      expect(next.map((c) => c.id).sort()).toEqual([west!.id, eu!.id].sort());
    });

    it('never starts a final hop whose intermediate failed', async () => {
      const { request, copies } = await store.fileRequest(filing({}, twoHop()));
      await store.approveRequest(request.n, at(1));
      await store.claimStartableCopies({ limits: limits(10), now: at(2), owner: 'w1' });
      await store.failCopy(copies[0]!.id, { code: 'key-not-accessible', message: 'no', at: at(3) });
      expect(await store.claimStartableCopies({ limits: limits(10), now: at(4), owner: 'w1' })).toEqual([]);
    });
  });

  describe('cancel', () => {
    it('cancels a pending request and all its copies', async () => {
      const { request } = await store.fileRequest(filing());
      const result = await store.cancelRequest(request.n, at(1), 'U0REQUESTER');
      expect(result.found).toBe(true);
      expect(result.cancelled.map((c) => c.state)).toEqual(['cancelled']);
      expect(result.request).toMatchObject({ state: 'cancelled', closedBy: 'U0REQUESTER' });
    });

    it('cancels only the copies that have not started; started ones run on', async () => {
      const { request, copies } = await fileQueued([
        newCopy('snap-0000000000000000a'),
        newCopy('snap-0000000000000000b'),
      ]);
      const [first] = await store.claimStartableCopies({ limits: limits(1), now: at(1), owner: 'w1' });
      await store.markCopyStarted(first!.id, { snapshotId: 'snap-0new0000000000001', at: at(2) });
      const result = await store.cancelRequest(request.n, at(3), 'U0REQUESTER');
      expect(result.cancelled.map((c) => c.id)).toEqual([copies[1]!.id]);
      expect(result.inFlight.map((c) => c.id)).toEqual([copies[0]!.id]);
      expect(result.request?.state).toBe('copying');
      const done = await store.completeCopy(first!.id, { at: at(9) });
      expect(done?.request.state).toBe('cancelled');
    });

    it('reports a closed or unknown request as not found', async () => {
      const { request } = await store.fileRequest(filing());
      await store.transitionRequest(request.n, { from: ['pending_approval'], to: 'rejected', at: at(1) });
      expect(await store.cancelRequest(request.n, at(2), 'U0')).toMatchObject({
        found: false,
        cancelled: [],
      });
      expect(await store.cancelRequest(4242, at(2), 'U0')).toMatchObject({ found: false, request: null });
    });
  });

  describe('slots', () => {
    it('claims no more copies per destination than its limit', async () => {
      await fileQueued(copiesTo(12, DEST_A));
      const first = await store.claimStartableCopies({ limits: limits(5), now: at(1), owner: 'w1' });
      expect(first).toHaveLength(5);
      expect(first.every((c) => c.state === 'starting' && c.claimOwner === 'w1' && c.attempts === 1)).toBe(
        true,
      );
      expect(await store.claimStartableCopies({ limits: limits(5), now: at(2), owner: 'w1' })).toEqual([]);
      await store.markCopyStarted(first[0]!.id, { snapshotId: 'snap-0new0000000000001', at: at(2) });
      await store.completeCopy(first[0]!.id, { at: at(3) });
      expect(await store.claimStartableCopies({ limits: limits(5), now: at(4), owner: 'w1' })).toHaveLength(
        1,
      );
    });

    it('counts each destination account and Region on its own, with overrides by alias or ID', async () => {
      await fileQueued([...copiesTo(4, DEST_A, 'a'), ...copiesTo(4, DEST_B, 'b')]);
      const claimed = await store.claimStartableCopies({
        limits: limits(3, [{ account: 'audit', region: 'us-west-2', limit: 1 }]),
        now: at(1),
        owner: 'w1',
      });
      const byRegion = (r: string) => claimed.filter((c) => c.destination.region === r).length;
      expect([byRegion('us-west-2'), byRegion('eu-west-1')]).toEqual([1, 3]);
      const more = await store.claimStartableCopies({
        limits: limits(3, [{ account: '222222222222', region: 'us-west-2', limit: 2 }]),
        now: at(2),
        owner: 'w1',
      });
      expect(more.map((c) => c.destination.region)).toEqual(['us-west-2']);
    });

    it('starts copies first come, first served within a destination', async () => {
      const late = await fileQueued([newCopy('snap-0000000000000000c', DEST_A)], at(10));
      const early = await fileQueued([newCopy('snap-0000000000000000d', DEST_A)], at(5));
      const [first] = await store.claimStartableCopies({ limits: limits(1), now: at(11), owner: 'w1' });
      expect(first?.requestNumber).toBe(early.request.n);
      expect(late.copies[0]?.state).toBe('queued');
    });

    it('shares a bounded claim fairly across destinations', async () => {
      await fileQueued(copiesTo(10, DEST_A, 'a'), at(1));
      await fileQueued(copiesTo(10, DEST_B, 'b'), at(2));
      const claimed = await store.claimStartableCopies({
        limits: limits(20),
        now: at(3),
        owner: 'w1',
        max: 4,
      });
      expect(claimed.map((c) => c.destination.region)).toEqual([
        'us-west-2',
        'eu-west-1',
        'us-west-2',
        'eu-west-1',
      ]);
    });

    it('requeues a copy refused by AWS in its old place and holds its destination until a copy of its own completes', async () => {
      await fileQueued(copiesTo(3, DEST_A), at(1));
      const [a, b] = await store.claimStartableCopies({ limits: limits(2), now: at(2), owner: 'w1' });
      await store.markCopyStarted(a!.id, { snapshotId: 'snap-0new0000000000001', at: at(3) });
      const requeued = await store.requeueCopy(b!.id, {
        at: at(3),
        holdDestination: true,
        reason: 'ResourceLimitExceeded',
      });
      expect(requeued?.copy).toMatchObject({ state: 'queued', queuedAt: at(1), claimOwner: null });
      expect(await store.claimStartableCopies({ limits: limits(5), now: at(4), owner: 'w1' })).toEqual([]);
      const [queue] = await store.queueSnapshot();
      expect(queue?.held?.reason).toBe('ResourceLimitExceeded');

      await store.completeCopy(a!.id, { at: at(5) });
      const next = await store.claimStartableCopies({ limits: limits(1), now: at(6), owner: 'w1' });
      expect(next.map((c) => c.id)).toEqual([b!.id]);
      expect(next[0]?.attempts).toBe(2);
    });

    it('releases holds on request and ignores holds older than the hold expiry', async () => {
      await fileQueued(copiesTo(2, DEST_A), at(1));
      const [a] = await store.claimStartableCopies({ limits: limits(1), now: at(2), owner: 'w1' });
      await store.requeueCopy(a!.id, { at: at(2), holdDestination: true, reason: 'ResourceLimitExceeded' });
      expect(
        await store.claimStartableCopies({
          limits: limits(1),
          now: at(3),
          owner: 'w1',
          holdExpiryMs: 600_000,
        }),
      ).toEqual([]);
      expect(
        await store.claimStartableCopies({
          limits: limits(1),
          now: at(13),
          owner: 'w1',
          holdExpiryMs: 600_000,
        }),
      ).toHaveLength(1);
      await store.releaseHold(DEST_A.accountId, DEST_A.region);
      expect((await store.queueSnapshot())[0]?.held).toBeNull();
    });

    it('never exceeds a limit when replicas claim at once', async () => {
      await fileQueued(copiesTo(30, DEST_A));
      const other = await peer();
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other : store).claimStartableCopies({ limits: limits(5), now: at(1), owner: `w${i}` }),
        ),
      );
      const ids = claims.flat().map((c) => c.id);
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
    });

    it('reports queue positions, in-flight counts and the oldest queued time per destination', async () => {
      const r1 = await fileQueued(copiesTo(3, DEST_A, 'a'), at(1));
      await fileQueued(copiesTo(1, DEST_B, 'b'), at(2));
      await store.claimStartableCopies({ limits: limits(1), now: at(3), owner: 'w1' });
      const queues = await store.queueSnapshot();
      const a = queues.find((q) => q.region === DEST_A.region);
      expect(a).toMatchObject({
        account: 'audit',
        accountId: DEST_A.accountId,
        queued: 2,
        inFlight: 1,
        oldestQueuedAt: at(1),
      });
      expect(a?.positions).toEqual([
        { copyId: r1.copies[1]!.id, requestNumber: r1.request.n, position: 1 },
        { copyId: r1.copies[2]!.id, requestNumber: r1.request.n, position: 2 },
      ]);
      expect(queues.find((q) => q.region === DEST_B.region)).toMatchObject({ queued: 0, inFlight: 1 });
    });
  });

  describe('copy progress and request state', () => {
    it('moves the request through queued, copying and completed with its copies', async () => {
      const { request } = await fileQueued([
        newCopy('snap-0000000000000000a'),
        newCopy('snap-0000000000000000b'),
      ]);
      const [a, b] = await store.claimStartableCopies({ limits: limits(5), now: at(1), owner: 'w1' });
      expect((await store.getRequest(request.n))?.state).toBe('copying');
      const requeued = await store.requeueCopy(a!.id, {
        at: at(2),
        holdDestination: false,
        reason: 'throttled',
      });
      expect(requeued?.request.state).toBe('copying');
      await store.requeueCopy(b!.id, { at: at(2), holdDestination: false, reason: 'throttled' });
      expect((await store.getRequest(request.n))?.state).toBe('queued');

      const again = await store.claimStartableCopies({ limits: limits(5), now: at(3), owner: 'w1' });
      for (const [i, c] of again.entries()) {
        const started = await store.markCopyStarted(c.id, {
          snapshotId: `snap-0new000000000000${i}`,
          at: at(4),
        });
        expect(started?.copy).toMatchObject({ state: 'copying', progress: 0, startedAt: at(4) });
      }
      const first = await store.completeCopy(again[0]!.id, {
        at: at(10),
        encrypted: true,
        kmsKeyId: 'arn:aws:kms:k',
      });
      expect(first).toMatchObject({ requestStateChanged: false, request: { state: 'copying' } });
      expect(first?.copy.result).toEqual({ encrypted: true, kmsKeyId: 'arn:aws:kms:k' });
      const last = await store.completeCopy(again[1]!.id, { at: at(11) });
      expect(last).toMatchObject({
        requestStateChanged: true,
        request: { state: 'completed' },
        copy: { progress: 100 },
      });
      expect(await store.completeCopy(again[1]!.id, { at: at(12) })).toBeUndefined();
    });

    it('fails the request when its copies end and one failed', async () => {
      const { request } = await fileQueued([
        newCopy('snap-0000000000000000a'),
        newCopy('snap-0000000000000000b'),
      ]);
      const [a, b] = await store.claimStartableCopies({ limits: limits(5), now: at(1), owner: 'w1' });
      await store.markCopyStarted(a!.id, { snapshotId: 'snap-0new0000000000001', at: at(2) });
      const failed = await store.failCopy(b!.id, {
        code: 'key-not-accessible',
        message: 'Given key ID is not accessible',
        at: at(3),
      });
      expect(failed?.copy.failure).toEqual({
        code: 'key-not-accessible',
        message: 'Given key ID is not accessible',
      });
      expect(failed?.request.state).toBe('copying');
      const done = await store.completeCopy(a!.id, { at: at(4) });
      expect(done?.request.state).toBe('failed');
      expect((await store.getRequest(request.n))?.state).toBe('failed');
    });

    it('reports a progress change only when the percentage moved', async () => {
      await fileQueued();
      const [c] = await store.claimStartableCopies({ limits: limits(5), now: at(1), owner: 'w1' });
      expect(await store.recordProgress(c!.id, { progress: 10, at: at(2) })).toBe(false);
      await store.markCopyStarted(c!.id, { snapshotId: 'snap-0new0000000000001', at: at(2) });
      expect(await store.recordProgress(c!.id, { progress: 40, at: at(3) })).toBe(true);
      expect(await store.recordProgress(c!.id, { progress: 40, at: at(4) })).toBe(false);
      expect((await store.getCopy(c!.id))?.progress).toBe(40);
    });

    it('lists copies in flight by destination, and those left starting after a crash', async () => {
      await fileQueued([...copiesTo(2, DEST_A, 'a'), ...copiesTo(1, DEST_B, 'b')]);
      const claimed = await store.claimStartableCopies({ limits: limits(5), now: at(1), owner: 'w1' });
      for (const c of claimed.slice(0, 2)) {
        await store.markCopyStarted(c.id, { snapshotId: `snap-0new00000000000${c.id}`, at: at(2) });
      }
      // Round-robin across destinations: A, B, then A again.
      expect(claimed.map((c) => c.destination.region)).toEqual(['us-west-2', 'eu-west-1', 'us-west-2']);
      const groups = await store.listInFlightCopies();
      expect(groups.map((g) => [g.accountId, g.region, g.account, g.copies.map((c) => c.id)])).toEqual([
        [DEST_B.accountId, 'eu-west-1', 'audit', [claimed[1]!.id]],
        [DEST_A.accountId, 'us-west-2', 'audit', [claimed[0]!.id]],
      ]);
      expect((await store.listStartingCopies()).map((c) => c.id)).toEqual([claimed[2]!.id]);
    });

    it('finds the completed copies of a volume in a destination, newest first', async () => {
      const one = await fileQueued([newCopy('snap-0000000000000000a', DEST_A)], at(1));
      const two = await fileQueued([newCopy('snap-0000000000000000b', DEST_A)], at(2));
      await fileQueued([newCopy('snap-0000000000000000c', DEST_B)], at(3));
      const claimed = await store.claimStartableCopies({ limits: limits(5), now: at(4), owner: 'w1' });
      for (const c of claimed)
        await store.markCopyStarted(c.id, { snapshotId: `snap-0new00000000000${c.id}`, at: at(5) });
      await store.completeCopy(one.copies[0]!.id, { at: at(6) });
      await store.completeCopy(two.copies[0]!.id, { at: at(7) });
      const previous = await store.findPreviousCopies({
        volumeId: 'vol-0123456789abcdef0',
        destAccountId: DEST_A.accountId,
        destRegion: DEST_A.region,
      });
      expect(previous.map((c) => c.source.snapshotId)).toEqual([
        'snap-0000000000000000b',
        'snap-0000000000000000a',
      ]);
      const inFlight = await store.findPreviousCopies({
        volumeId: 'vol-0123456789abcdef0',
        destAccountId: DEST_B.accountId,
        destRegion: DEST_B.region,
        states: ['queued', 'starting', 'copying'],
      });
      expect(inFlight.map((c) => c.source.snapshotId)).toEqual(['snap-0000000000000000c']);
    });

    it('lists copies for reports by policy, state and time', async () => {
      await fileQueued([newCopy('snap-0000000000000000a', DEST_A)], at(1));
      const policy = await store.fileRequest(
        filing({ state: 'approved', expiresAt: null, policyName: 'prod-db-to-oregon', at: at(2) }, [
          newCopy('snap-0000000000000000b', DEST_A),
        ]),
      );
      const byPolicy = await store.listCopies({ policyName: 'prod-db-to-oregon' });
      expect(byPolicy.map((c) => c.requestNumber)).toEqual([policy.request.n]);
      expect(await store.listCopies({ states: ['completed'] })).toEqual([]);
      expect((await store.listCopies({ updatedSince: at(2) })).map((c) => c.requestNumber)).toEqual([
        policy.request.n,
      ]);
    });
  });

  describe('audit', () => {
    it('appends entries and the database refuses to change or delete them', async () => {
      const entry = await store.appendAudit({
        at: at(1),
        actor: 'U0APPROVER1',
        action: 'approval.recorded',
        requestNumber: 7,
        detail: { decision: 'approve' },
      });
      expect(entry).toMatchObject({
        actor: 'U0APPROVER1',
        requestNumber: 7,
        detail: { decision: 'approve' },
        at: at(1),
      });
      await store.appendAudit({ at: at(2), actor: 'bot', action: 'report.posted', detail: null });
      await expect(h.exec("update audit set actor = 'mallory'")).rejects.toThrow(/append-only/);
      await expect(h.exec('delete from audit')).rejects.toThrow(/append-only/);
      expect((await store.listAudit({})).map((e) => e.actor)).toEqual(['U0APPROVER1', 'bot']);
      expect((await store.listAudit({ requestNumber: 7 })).map((e) => e.action)).toEqual([
        'approval.recorded',
      ]);
    });
  });

  describe('outbox', () => {
    const enqueue = (threadKey: string | null, text: string, minute = 0, dedupeKey?: string) =>
      store.enqueueMessage({
        channel: 'C0ORIGIN',
        threadKey,
        kind: 'reply',
        payload: { text },
        at: at(minute),
        ...(dedupeKey ? { dedupeKey } : {}),
      });

    it('hands out one message per thread at a time, in order', async () => {
      await enqueue('R-1', 'one');
      await enqueue('R-1', 'two');
      await enqueue('R-2', 'other');
      await enqueue(null, 'loose');
      const first = await store.claimNextMessages({ now: at(1), owner: 'w1', leaseMs: 30_000, limit: 10 });
      expect(first.map((m) => (m.payload as { text: string }).text)).toEqual(['one', 'other', 'loose']);
      expect(await store.claimNextMessages({ now: at(1), owner: 'w2', leaseMs: 30_000, limit: 10 })).toEqual(
        [],
      );
      expect(await store.markMessageSent(first[0]!.id, { at: at(1), result: { ts: '1.1' } })).toBe(true);
      expect(await store.markMessageSent(first[0]!.id, { at: at(1), result: { ts: '1.1' } })).toBe(false);
      const next = await store.claimNextMessages({ now: at(1), owner: 'w2', leaseMs: 30_000, limit: 10 });
      expect(next.map((m) => (m.payload as { text: string }).text)).toEqual(['two']);
      expect(await store.countUnsent()).toBe(3);
    });

    it('gives a message to another sender once its lease runs out', async () => {
      await enqueue('R-1', 'one');
      const [m] = await store.claimNextMessages({ now: at(1), owner: 'w1', leaseMs: 30_000, limit: 1 });
      expect(
        await store.claimNextMessages({
          now: new Date(at(1).getTime() + 29_999),
          owner: 'w2',
          leaseMs: 30_000,
          limit: 1,
        }),
      ).toEqual([]);
      const [again] = await store.claimNextMessages({
        now: new Date(at(1).getTime() + 30_000),
        owner: 'w2',
        leaseMs: 30_000,
        limit: 1,
      });
      expect(again?.id).toBe(m?.id);
      expect(again?.attempts).toBe(2);
    });

    it('holds a thread back while its head waits to be retried, and moves on past a failed one', async () => {
      await enqueue('R-1', 'one');
      await enqueue('R-1', 'two');
      const [m] = await store.claimNextMessages({ now: at(1), owner: 'w1', leaseMs: 30_000, limit: 5 });
      await store.retryMessageLater(m!.id, { notBefore: at(3), error: 'ratelimited' });
      expect(await store.claimNextMessages({ now: at(2), owner: 'w1', leaseMs: 30_000, limit: 5 })).toEqual(
        [],
      );
      const [retry] = await store.claimNextMessages({ now: at(3), owner: 'w1', leaseMs: 30_000, limit: 5 });
      expect(retry).toMatchObject({ id: m!.id, lastError: 'ratelimited' });
      await store.failMessage(retry!.id, { at: at(3), error: 'channel_not_found' });
      const [next] = await store.claimNextMessages({ now: at(3), owner: 'w1', leaseMs: 30_000, limit: 5 });
      expect((next?.payload as { text: string } | undefined)?.text).toBe('two');
      expect(await store.countUnsent()).toBe(1);
    });

    it('stores a message once per dedupe key', async () => {
      const a = await enqueue('R-1', 'one', 0, 'approve:R-1:U1');
      const b = await enqueue('R-1', 'one again', 0, 'approve:R-1:U1');
      expect(a.enqueued).toBe(true);
      expect(b).toEqual({ id: a.id, enqueued: false });
      expect(await store.countUnsent()).toBe(1);
    });

    it('never gives the same message to two replicas claiming at once', async () => {
      for (let i = 0; i < 20; i++) await enqueue(`R-${i}`, `m${i}`);
      const other = await peer();
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).claimNextMessages({
            now: at(1),
            owner: `w${i}`,
            leaseMs: 30_000,
            limit: 4,
          }),
        ),
      );
      const ids = claims.flat().map((m) => m.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('frees the leases of a sender that died, so its threads go on at once', async () => {
      await enqueue('R-1', 'one');
      await enqueue('R-1', 'two');
      const [leased] = await store.claimNextMessages({
        now: at(1),
        owner: 'dead',
        leaseMs: 60_000,
        limit: 10,
      });
      expect(await store.claimNextMessages({ now: at(1), owner: 'w2', leaseMs: 60_000, limit: 10 })).toEqual(
        [],
      );
      expect(await store.releaseMessageLeases()).toBe(1);
      const [again] = await store.claimNextMessages({ now: at(1), owner: 'w2', leaseMs: 60_000, limit: 10 });
      expect(again?.id).toBe(leased?.id);
    });

    it('coalesces a send-time-rendered update into one still waiting, but not into one being sent', async () => {
      const update = (minute: number) =>
        store.enqueueMessage({
          channel: 'C0ORIGIN',
          threadKey: 'R-1',
          kind: 'request.update',
          payload: {},
          at: at(minute),
          coalesce: true,
        });
      const first = await update(0);
      await enqueue('R-1', 'a reply');
      expect(await update(0)).toEqual({ id: first.id, enqueued: false });
      expect(await store.countUnsent()).toBe(2);
      const [claimed] = await store.claimNextMessages({
        now: at(1),
        owner: 'w1',
        leaseMs: 30_000,
        limit: 10,
      });
      expect(claimed?.id).toBe(first.id);
      // Being sent: it may have rendered before this change, so a new one is stored.
      expect((await update(1)).enqueued).toBe(true);
      expect(await store.countUnsent()).toBe(3);
    });

    it('paces a channel across replicas: one message at a time, none within the interval of the last send', async () => {
      for (let i = 0; i < 5; i++) await enqueue(`R-${i}`, `m${i}`);
      await store.enqueueMessage({
        channel: 'C0OTHER',
        threadKey: 'R-9',
        kind: 'reply',
        payload: {},
        at: at(0),
      });
      const other = await peer();
      const t = at(1);
      const pace = { leaseMs: 30_000, limit: 10, channelIntervalMs: 1_000 };
      const [a, b] = await Promise.all([
        store.claimNextMessages({ now: t, owner: 'w1', ...pace }),
        other.claimNextMessages({ now: t, owner: 'w2', ...pace }),
      ]);
      const claimed = [...(a ?? []), ...(b ?? [])];
      // One per channel in total, although both replicas asked at the same moment.
      expect(claimed.map((m) => m.channel).sort()).toEqual(['C0ORIGIN', 'C0OTHER']);
      const origin = claimed.find((m) => m.channel === 'C0ORIGIN')!;
      expect(await store.claimNextMessages({ now: t, owner: 'w3', ...pace })).toEqual([]);
      await store.markMessageSent(origin.id, { at: t, result: {} });
      // Sent 0.5 s ago: still too soon for that channel.
      expect(
        await other.claimNextMessages({ now: new Date(t.getTime() + 500), owner: 'w2', ...pace }),
      ).toEqual([]);
      const next = await other.claimNextMessages({
        now: new Date(t.getTime() + 1_000),
        owner: 'w2',
        ...pace,
      });
      expect(next.map((m) => m.channel)).toEqual(['C0ORIGIN']);
    });
  });

  describe('schedules', () => {
    it('fires each schedule slot once across replicas', async () => {
      const other = await peer();
      const slot = new Date('2025-01-06T08:00:00.000Z');
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? other : store).claimScheduleSlot({
            name: 'report:C0DRSTATUS',
            slot,
            owner: `w${i}`,
            at: at(i),
          }),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(
        await store.claimScheduleSlot({ name: 'report:C0DRSTATUS', slot: at(60), owner: 'w1', at: at(60) }),
      ).toBe(true);
      expect(await store.claimScheduleSlot({ name: 'policy:prod-db', slot, owner: 'w1', at: at(1) })).toBe(
        true,
      );
    });
  });

  describe('transitions, races and durable records', () => {
    it('ends a cancel racing an approval and a claim in exactly one of them, every time, with no error', async () => {
      const other = await peer();
      const outcomes = { cancelled: 0, started: 0 };
      for (let i = 0; i < 100; i++) {
        const { request } = await store.fileRequest(
          filing({ at: at(i) }, [
            newCopy(`snap-${String(i).padStart(17, '0')}`),
            newCopy(`snap-${String(i).padStart(16, '0')}b`),
          ]),
        );
        const [, cancel] = await Promise.all([
          (async () => {
            await other.approveRequest(request.n, at(i));
            return other.claimStartableCopies({ limits: limits(1000), now: at(i), owner: 'w1' });
          })(),
          store.cancelRequest(request.n, at(i), 'U0REQUESTER'),
        ]);
        const end = await store.getRequest(request.n);
        const copies = (await store.getCopies(request.n)).map((c) => c.state);
        if (end?.state === 'cancelled') {
          expect(copies).toEqual(['cancelled', 'cancelled']);
          outcomes.cancelled++;
        } else {
          expect(end?.state).toBe('copying');
          expect(copies).toEqual(['starting', 'starting']);
          expect(cancel.cancelled).toEqual([]);
          outcomes.started++;
        }
      }
      expect(outcomes.cancelled + outcomes.started).toBe(100);
    });

    it('refuses a state change the transition table does not allow', async () => {
      const { request, copies } = await fileQueued();
      expect(
        await store.transitionRequest(request.n, { from: ['approved'], to: 'pending_approval', at: at(1) }),
      ).toBe(false);
      expect(await store.completeCopy(copies[0]!.id, { at: at(2) })).toBeUndefined();
      expect((await store.getCopies(request.n))[0]?.state).toBe('queued');
    });

    it('commits a transaction whole or not at all, and runs what waits for the commit only after it', async () => {
      const woken: string[] = [];
      await expect(
        store.transaction(async (tx) => {
          await tx.fileRequest(filing());
          tx.afterCommit(() => woken.push('rolled back'));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.listRequests({ limit: 10 })).toEqual([]);
      await store.transaction(async (tx) => {
        const { request } = await tx.fileRequest(filing());
        await tx.appendAudit({ at: at(1), actor: 'bot', action: 'x', requestNumber: request.n, detail: {} });
        tx.afterCommit(() => woken.push('committed'));
        expect(woken).toEqual([]);
      });
      expect(woken).toEqual(['committed']);
      expect((await store.listAudit({})).map((a) => a.action)).toEqual(['request.filed', 'x']);
    });

    it('records a burst of intents at once, each once, a Slack retry in the same burst included', async () => {
      const other = await peer();
      const intent = (key: string) => newIntent(key, { payload: { key } });
      const keys = Array.from({ length: 60 }, (_, i) => `command:burst-${i % 50}`); // 10 delivered twice
      const recorded = await Promise.all(
        keys.map((k, i) => (i % 3 === 0 ? other : store).recordIntent(intent(k))),
      );
      const idOf = new Map<string, number>();
      keys.forEach((k, i) => {
        const id = idOf.get(k);
        if (id === undefined) idOf.set(k, recorded[i]!.id);
        else expect(recorded[i]!.id).toBe(id);
      });
      expect(new Set(idOf.values()).size).toBe(50);
      expect(recorded.filter((r) => r.fresh)).toHaveLength(50);
      const claimed = await store.claimUnfinishedIntents({
        owner: 'p',
        now: at(1),
        leaseMs: 1,
        limit: 100,
        ignoreLeases: true,
      });
      expect(claimed.map((c) => (c.payload as { key: string }).key).sort()).toEqual(
        [...new Set(keys)].sort(),
      );
    });

    it('records the bursts of two processes that share keys in opposite orders, without a deadlock', async () => {
      const other = await peer();
      const intent = (key: string) => newIntent(key);
      for (let round = 0; round < 40; round++) {
        const keys = Array.from({ length: 40 }, (_, i) => `command:shared-${round}-${i}`);
        // Slack retried every delivery to the other replica, which received them the other way round.
        const settled = await Promise.allSettled([
          ...keys.map((k) => store.recordIntent(intent(k))),
          ...[...keys].reverse().map((k) => other.recordIntent(intent(k))),
        ]);
        expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
        const recorded = settled.map(
          (r) => (r as PromiseFulfilledResult<{ id: number; fresh: boolean }>).value,
        );
        expect(recorded.filter((r) => r.fresh)).toHaveLength(keys.length);
        expect(new Set(recorded.map((r) => r.id)).size).toBe(keys.length);
      }
    });

    it('records an intent once per Slack delivery and hands it to one process at a time', async () => {
      const other = await peer();
      const first = await store.recordIntent(newIntent('command:t1', { payload: { a: 1 } }));
      const again = await store.recordIntent(newIntent('command:t1', { payload: { a: 1 } }));
      expect(first.fresh).toBe(true);
      expect(again).toEqual({ id: first.id, fresh: false });
      const [mine] = await store.claimUnfinishedIntents({
        owner: 'p1',
        now: at(1),
        leaseMs: 600_000,
        limit: 10,
      });
      expect(mine).toMatchObject({ id: first.id, kind: 'copy', payload: { a: 1 }, attempts: 1 });
      expect(
        await other.claimUnfinishedIntents({ owner: 'p2', now: at(2), leaseMs: 600_000, limit: 10 }),
      ).toEqual([]);
      // The first process died: once its lease lapsed, another takes the intent up.
      const taken = await other.claimUnfinishedIntents({
        owner: 'p2',
        now: at(120),
        leaseMs: 600_000,
        limit: 10,
      });
      expect(taken.map((t) => [t.id, t.attempts])).toEqual([[first.id, 2]]);
      await other.completeIntent(first.id, at(121));
      expect(
        await store.claimUnfinishedIntents({
          owner: 'p1',
          now: at(999),
          leaseMs: 1,
          limit: 10,
          ignoreLeases: true,
        }),
      ).toEqual([]);
    });

    it('records an intent already leased to the process that acks it, as its first attempt', async () => {
      const other = await peer();
      const when = new Date('2026-03-01T10:00:00.123Z');
      const leased = await store.recordIntent(
        newIntent('command:t2', {
          payload: { a: 2, when, nothing: undefined },
          at: when,
          lease: { owner: 'p1', until: at(5) },
        }),
      );
      // Handed back as a claim would read it: the payload as stored (JSON), the first attempt.
      expect(leased).toEqual({
        id: leased.id,
        fresh: true,
        intent: {
          id: leased.id,
          kind: 'copy',
          userId: 'U1',
          payload: { a: 2, when: '2026-03-01T10:00:00.123Z' },
          receivedAt: when,
          attempts: 1,
        },
      });
      // A replayed delivery neither takes the lease over nor counts as an attempt.
      const replayed = await other.recordIntent(
        newIntent('command:t2', { payload: { a: 2 }, at: at(1), lease: { owner: 'p2', until: at(9) } }),
      );
      expect(replayed).toEqual({ id: leased.id, fresh: false });
      expect(
        await other.claimUnfinishedIntents({ owner: 'p2', now: at(4), leaseMs: 60_000, limit: 10 }),
      ).toEqual([]);
      // p1 died after its ack: once the lease it was recorded with lapses, another carries the intent out.
      const taken = await other.claimUnfinishedIntents({
        owner: 'p2',
        now: at(5),
        leaseMs: 60_000,
        limit: 10,
      });
      expect(taken.map((t) => [t.id, t.payload, t.attempts])).toEqual([
        [leased.id, { a: 2, when: '2026-03-01T10:00:00.123Z' }, 2],
      ]);
    });

    it('runs each durable step in one process at a time and retries it later', async () => {
      const other = await peer();
      const { id } = await store.addStep({ kind: 'unshare', payload: { s: 1 }, at: at(0), dedupeKey: 'k1' });
      expect(
        (await store.addStep({ kind: 'unshare', payload: { s: 1 }, at: at(0), dedupeKey: 'k1' })).added,
      ).toBe(false);
      const [a, b] = await Promise.all([
        store.claimSteps({ owner: 'p1', now: at(1), leaseMs: 600_000, limit: 5 }),
        other.claimSteps({ owner: 'p2', now: at(1), leaseMs: 600_000, limit: 5 }),
      ]);
      expect([...a, ...b].map((s) => s.id)).toEqual([id]);
      await store.retryStepLater(id, { notBefore: at(30), error: 'throttled', reported: at(1) });
      expect(await store.claimSteps({ owner: 'p1', now: at(10), leaseMs: 600_000, limit: 5 })).toEqual([]);
      const [retried] = await store.claimSteps({ owner: 'p1', now: at(31), leaseMs: 600_000, limit: 5 });
      expect(retried).toMatchObject({ id, attempts: 2, lastError: 'throttled' });
      expect(retried?.reportedAt).not.toBeNull();
      await store.completeStep(id, at(32));
      expect(await store.countOpenSteps()).toBe(0);
    });

    it("renews only its holder's lease of an unfinished intent, and never claims one its claimer excludes", async () => {
      const intent = await store.recordIntent(
        newIntent('command:long', { lease: { owner: 'p1', until: new Date(at(1).getTime() + 60_000) } }),
      );
      expect(await store.renewIntentLease(intent.id, { owner: 'p2', until: at(600) })).toBe(false);
      expect(await store.renewIntentLease(intent.id, { owner: 'p1', until: at(600) })).toBe(true);
      // Past the first lease but inside the renewed one: nobody takes it over.
      const claim = (owner: string, now: Date, exclude?: number[]) =>
        store.claimUnfinishedIntents({
          owner,
          now,
          leaseMs: 60_000,
          limit: 10,
          ...(exclude ? { exclude } : {}),
        });
      expect(await claim('p2', at(120))).toEqual([]);
      // Lapsed: taken over, except by a claimer still carrying it out itself.
      expect(await claim('p1', at(601), [intent.id])).toEqual([]);
      expect((await claim('p2', at(601))).map((i) => i.id)).toEqual([intent.id]);
      await store.completeIntent(intent.id, at(602));
      expect(await store.renewIntentLease(intent.id, { owner: 'p2', until: at(900) })).toBe(false);
    });

    it('takes over the intents and steps leased by a process that is no longer alive, at once', async () => {
      const other = await peer();
      const intent = await store.recordIntent(
        newIntent('command:dead', { lease: { owner: 'p-dead', until: new Date(at(1).getTime() + 600_000) } }),
      );
      const step = await store.addStep({ kind: 'unshare', payload: {}, at: at(0), dedupeKey: 'dead' });
      expect(
        await store.claimSteps({ owner: 'p-dead', now: at(1), leaseMs: 600_000, limit: 5 }),
      ).toHaveLength(1);
      // A live holder keeps its leases…
      const alive = ['p-dead', 'p2'];
      expect(
        await other.claimUnfinishedIntents({
          owner: 'p2',
          now: at(2),
          leaseMs: 600_000,
          limit: 10,
          liveOwners: alive,
        }),
      ).toEqual([]);
      expect(
        await other.claimSteps({ owner: 'p2', now: at(2), leaseMs: 600_000, limit: 5, liveOwners: alive }),
      ).toEqual([]);
      // …a dead one's are taken over long before they lapse, once.
      const taken = await other.claimUnfinishedIntents({
        owner: 'p2',
        now: at(3),
        leaseMs: 600_000,
        limit: 10,
        liveOwners: ['p2'],
      });
      expect(taken.map((t) => t.id)).toEqual([intent.id]);
      expect(
        (
          await other.claimSteps({ owner: 'p2', now: at(3), leaseMs: 600_000, limit: 5, liveOwners: ['p2'] })
        ).map((s) => s.id),
      ).toEqual([step.id]);
      expect(
        await store.claimUnfinishedIntents({
          owner: 'p3',
          now: at(4),
          leaseMs: 600_000,
          limit: 10,
          liveOwners: ['p2', 'p3'],
        }),
      ).toEqual([]);
      expect(
        await store.claimSteps({ owner: 'p3', now: at(4), leaseMs: 600_000, limit: 5, liveOwners: [] }),
      ).toHaveLength(1);
    });

    it('remembers whether the bot added a share, and each time it is shared anew', async () => {
      const key = {
        sourceRegion: 'us-east-1',
        snapshotId: 'snap-0123456789abcdef0',
        destAccountId: '222222222222',
      };
      const first = await store.recordShare({
        ...key,
        sourceAccountId: '111111111111',
        owned: true,
        at: at(0),
      });
      expect(first).toMatchObject({ owned: true, generation: 1, removedAt: null });
      expect(await store.markShareRemoved({ ...key, generation: 2, at: at(1) })).toBe(false);
      expect(await store.markShareRemoved({ ...key, generation: 1, at: at(1) })).toBe(true);
      const again = await store.recordShare({
        ...key,
        sourceAccountId: '111111111111',
        owned: false,
        at: at(2),
      });
      expect(again).toMatchObject({ owned: false, generation: 2, removedAt: null });
      await fileQueued([newCopy(key.snapshotId, { accountId: key.destAccountId })]);
      expect(await store.countCopiesNeedingShare(key)).toBe(1);
    });

    it('begins removing an owned share only while no copy needs it, and goes on with a removal begun', async () => {
      const key = {
        sourceRegion: 'us-east-1',
        snapshotId: 'snap-0fedcba9876543210',
        destAccountId: '222222222222',
      };
      const mine = await store.recordShare({
        ...key,
        sourceAccountId: '111111111111',
        owned: true,
        at: at(0),
      });
      const filed = await fileQueued([newCopy(key.snapshotId, { accountId: key.destAccountId })]);
      // A copy is queued: the share stays.
      expect(await store.beginShareRemoval({ ...key, generation: mine.generation, at: at(1) })).toBe(false);
      expect((await store.getShare(key))?.removalStartedAt).toBeNull();
      await store.cancelRequest(filed.request.n, at(2), 'U0REQUESTER');
      expect(await store.beginShareRemoval({ ...key, generation: mine.generation + 1, at: at(3) })).toBe(
        false,
      );
      expect(await store.beginShareRemoval({ ...key, generation: mine.generation, at: at(3) })).toBe(true);
      expect((await store.getShare(key))?.removalStartedAt).toEqual(at(3));
      // A copy queued after the removal began does not stop it: AWS may have applied it already.
      await fileQueued([newCopy(key.snapshotId, { accountId: key.destAccountId })]);
      expect(await store.beginShareRemoval({ ...key, generation: mine.generation, at: at(4) })).toBe(true);
      expect(await store.markShareRemoved({ ...key, generation: mine.generation, at: at(5) })).toBe(true);
      expect(await store.getShare(key)).toMatchObject({ removedAt: at(5), removalStartedAt: null });
      // Shared anew: a new generation, no removal in progress.
      const anew = await store.recordShare({
        ...key,
        sourceAccountId: '111111111111',
        owned: true,
        at: at(6),
      });
      expect(anew).toMatchObject({
        generation: mine.generation + 1,
        removedAt: null,
        removalStartedAt: null,
      });
    });

    it('never begins removing a share that existed before the bot', async () => {
      const key = {
        sourceRegion: 'us-east-1',
        snapshotId: 'snap-0aaaabbbbccccdddd',
        destAccountId: '222222222222',
      };
      const theirs = await store.recordShare({
        ...key,
        sourceAccountId: '111111111111',
        owned: false,
        at: at(0),
      });
      expect(await store.beginShareRemoval({ ...key, generation: theirs.generation, at: at(1) })).toBe(false);
    });
  });

  describe('retention and restore drills', () => {
    it('records a retention deletion once and lists it for its policy', async () => {
      const d = {
        snapshotId: 'snap-0123456789abcdef0',
        copyId: 1,
        policyName: 'p',
        destAccountId: '222222222222',
        destRegion: 'us-west-2',
        at: at(5),
      };
      expect(await store.recordRetentionDeletion(d)).toBe(true);
      expect(await store.recordRetentionDeletion({ ...d, at: at(6) })).toBe(false);
      expect(await store.listRetentionDeletions({ policyName: 'p' })).toEqual([d]);
      expect(await store.listRetentionDeletions({ policyName: 'p', since: at(6) })).toEqual([]);
      expect(await store.listRetentionDeletions({ policyName: 'other' })).toEqual([]);
    });

    it('allows one open drill per policy, across replicas, and one per slot', async () => {
      const other = await peer();
      const input = { policyName: 'p', slot: at(0), availabilityZone: 'us-west-2a', at: at(0) };
      const [a, b] = await Promise.all([
        store.startDrill(input),
        other.startDrill({ ...input, slot: at(60) }),
      ]);
      const started = [a, b].filter((x) => x !== undefined);
      expect(started).toHaveLength(1);
      const drill = started[0]!;
      expect(drill).toMatchObject({ policyName: 'p', state: 'running', volumeId: null, finishedAt: null });
      expect(await store.startDrill({ ...input, policyName: 'q' })).toBeDefined();
      await store.updateDrill(drill.id, {
        volumeId: 'vol-0123456789abcdef0',
        state: 'succeeded',
        minutes: 4.5,
      });
      expect(await store.startDrill({ ...input, slot: at(120) })).toBeUndefined();
      await store.updateDrill(drill.id, { finishedAt: at(130) });
      expect(await store.startDrill({ ...input, slot: drill.slot })).toBeUndefined();
      const next = await store.startDrill({ ...input, slot: at(180) });
      expect(next).toBeDefined();
      expect(await store.getDrill(drill.id)).toMatchObject({
        minutes: 4.5,
        volumeId: 'vol-0123456789abcdef0',
      });
      expect((await store.latestDrills()).map((x) => [x.policyName, x.state])).toEqual([['p', 'succeeded']]);
    });

    it('postpones a waiting step without counting it as failed', async () => {
      const { id } = await store.addStep({ kind: 'drill', payload: {}, at: at(0) });
      await store.claimSteps({ owner: 'p1', now: at(1), leaseMs: 600_000, limit: 5 });
      await store.postponeStep(id, at(20));
      expect(await store.claimSteps({ owner: 'p1', now: at(10), leaseMs: 600_000, limit: 5 })).toEqual([]);
      const [again] = await store.claimSteps({ owner: 'p2', now: at(21), leaseMs: 600_000, limit: 5 });
      expect(again).toMatchObject({ id, attempts: 1, lastError: null });
    });
  });
}
