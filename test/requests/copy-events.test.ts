import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DrPolicyConfig } from '../../src/config/schema.js';
import type { AccountConfig, CopyFailureCode } from '../../src/domain/types.js';
import { changeAndTell } from '../../src/engine/events.js';
import { Notifier } from '../../src/messages/notifier.js';
import { createLogger } from '../../src/observability/log.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { CopyEventHandler } from '../../src/requests/copy-events.js';
import { copyKey } from '../../src/requests/details.js';
import { slackRequestWording as wording } from '../../src/slack/wording/requests.js';
import { openStore } from '../../src/store/open.js';
import type { CopyRecord, FileRequestInput, Store } from '../../src/store/port.js';
import { policy } from '../reports/fixtures.js';
import { filing, newCopy, T0 } from '../store/fixtures/builders.js';
import { drainOutbox, openSteps, replies } from '../store/fixtures/read-back.js';

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  regions: ['us-east-1', 'us-west-2'],
  default: true,
  kmsKeys: {},
};
const AUDIT_ROLE = 'arn:aws:iam::222222222222:role/snapshot-copy-bot';
const audit: AccountConfig = {
  alias: 'audit',
  id: '222222222222',
  regions: ['us-west-2'],
  default: false,
  kmsKeys: {},
  roleArn: AUDIT_ROLE,
};
const toAudit = { account: 'audit', accountId: audit.id, region: 'us-west-2' };
const LIMITS = { default: 20, overrides: [] };

let dir: string;
let store: Store;
let clock: Date;
let events: CopyEventHandler;
/** How often the handler asked for a slot to be filled, and for steps to run (after commit). */
let kicks: { slotFreed: number; stepsAdded: number };

function handler(drPolicies: DrPolicyConfig[] = []): CopyEventHandler {
  return new CopyEventHandler({
    store,
    accounts: [prod, audit],
    notify: new Notifier(store, 'C0APPROVALS'),
    wording,
    log: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    now: () => clock,
    slotFreed: () => {
      kicks.slotFreed++;
    },
    stepsAdded: () => {
      kicks.stepsAdded++;
    },
    drPolicies,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'copy-events-'));
  store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
  await store.migrate();
  clock = T0;
  kicks = { slotFreed: 0, stepsAdded: 0 };
  events = handler();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const advance = (minutes: number) => {
  clock = new Date(clock.getTime() + minutes * 60_000);
};

/** Files an approved request and starts all its copies the way the dispatcher does; drains the outbox. */
async function fileAndStart(input: FileRequestInput = filing({ state: 'approved', expiresAt: null })) {
  const { request, copies } = await store.fileRequest(input);
  await store.claimStartableCopies({ limits: LIMITS, now: clock, owner: 'test' });
  for (const c of copies) {
    if (c.hop === 'final') continue;
    await changeAndTell(
      store,
      (tx) => tx.markCopyStarted(c.id, { snapshotId: `snap-0new${c.id}`, at: clock }),
      (change, tx) => events.started(change, tx),
    );
  }
  await drainOutbox(store);
  kicks = { slotFreed: 0, stepsAdded: 0 };
  return { request, copies };
}

const complete = (copyId: number) =>
  changeAndTell(
    store,
    (tx) => tx.completeCopy(copyId, { at: clock, encrypted: false }),
    (c, tx) => events.completed(c, tx),
  );

const fail = (copyId: number, code: CopyFailureCode, message: string) =>
  changeAndTell(
    store,
    (tx) => tx.failCopy(copyId, { code, message, at: clock }),
    (c, tx) => events.failed(c, tx),
  );

/** The reply that tells request R-1's end. */
const finished = (state: 'completed' | 'failed', done: number, failed: number, total: number) =>
  wording.requestFinished({ n: 1, requesterId: 'U0REQUESTER', state, done, failed, total });

async function copyOf(id: number): Promise<CopyRecord> {
  const copy = await store.getCopy(id);
  if (!copy) throw new Error(`no copy ${id}`);
  return copy;
}

describe('CopyEventHandler when a copy starts', () => {
  it("replies in the request's thread with the new snapshot's ID and refreshes the request message", async () => {
    const { copies } = await store.fileRequest(filing({ state: 'approved', expiresAt: null }));
    await store.claimStartableCopies({ limits: LIMITS, now: clock, owner: 'test' });
    const id = copies[0]?.id ?? 0;
    await changeAndTell(
      store,
      (tx) => tx.markCopyStarted(id, { snapshotId: 'snap-0new1', at: clock }),
      (c, tx) => events.started(c, tx),
    );

    const sent = await drainOutbox(store);
    expect(sent.map((m) => [m.kind, m.channel])).toEqual([
      ['request.reply', 'C0ORIGIN'],
      ['request.update', 'C0ORIGIN'],
    ]);
    expect(replies(sent)).toEqual([wording.copyStarted(await copyOf(id))]);
    expect(replies(sent)[0]).toContain('copy started as `snap-0new1`');
    expect((await store.getRequest(1))?.state).toBe('copying');
  });

  it('tells a start replayed after a crash once', async () => {
    const { copies } = await store.fileRequest(filing({ state: 'approved', expiresAt: null }));
    await store.claimStartableCopies({ limits: LIMITS, now: clock, owner: 'test' });
    const id = copies[0]?.id ?? 0;
    const change = await store.markCopyStarted(id, { snapshotId: 'snap-0new1', at: clock });
    if (!change) throw new Error('not started');
    await store.transaction((tx) => events.started(change, tx));
    await store.transaction((tx) => events.started(change, tx));
    expect(replies(await drainOutbox(store))).toHaveLength(1);
  });
});

describe('CopyEventHandler when a copy progresses', () => {
  it('refreshes the request message without a thread reply', async () => {
    await fileAndStart();
    await store.recordProgress(1, { progress: 40, at: clock });
    await events.progressed(1);
    const sent = await drainOutbox(store);
    expect(sent.map((m) => [m.kind, m.payload.n])).toEqual([['request.update', 1]]);
  });

  it('tells nothing of a request that does not exist', async () => {
    await events.progressed(99);
    expect(await drainOutbox(store)).toEqual([]);
  });
});

describe('CopyEventHandler when a copy is put back in the queue', () => {
  async function requeue(why: 'copy-limit' | 'throttled') {
    await store.claimStartableCopies({ limits: LIMITS, now: clock, owner: 'test' });
    await changeAndTell(
      store,
      (tx) =>
        tx.requeueCopy(1, { at: clock, holdDestination: why === 'copy-limit', reason: why, definite: true }),
      (c, tx) => events.requeued(c, why, tx),
    );
  }

  it("tells once per request and destination that AWS's copy limit is reached, and that nothing failed", async () => {
    await store.fileRequest(filing({ state: 'approved', expiresAt: null }));
    await requeue('copy-limit');
    const first = await drainOutbox(store);
    expect(first.map((m) => m.kind)).toEqual(['request.reply', 'request.update']);
    expect(replies(first)).toEqual([wording.copyLimitReached({ account: 'prod', region: 'us-west-2' })]);
    expect(replies(first)[0]).toContain('nothing failed');
    expect((await copyOf(1)).state).toBe('queued');

    // The quota is still busy on the next pass: refused again, told no more.
    advance(1);
    await store.releaseHold(prod.id, 'us-west-2');
    await requeue('copy-limit');
    expect((await drainOutbox(store)).map((m) => m.kind)).toEqual(['request.update']);
  });

  it('tells the copy limit of each destination on its own', async () => {
    await store.fileRequest(
      filing({ state: 'approved', expiresAt: null }, [
        newCopy(undefined, { region: 'us-west-2' }),
        newCopy(undefined, { region: 'us-east-1' }),
      ]),
    );
    await store.claimStartableCopies({ limits: LIMITS, now: clock, owner: 'test' });
    for (const id of [1, 2]) {
      await changeAndTell(
        store,
        (tx) => tx.requeueCopy(id, { at: clock, holdDestination: true, reason: 'quota', definite: true }),
        (c, tx) => events.requeued(c, 'copy-limit', tx),
      );
    }
    expect(replies(await drainOutbox(store))).toEqual([
      wording.copyLimitReached({ account: 'prod', region: 'us-west-2' }),
      wording.copyLimitReached({ account: 'prod', region: 'us-east-1' }),
    ]);
  });

  it('says nothing in the thread of a throttled start: it only refreshes the request message', async () => {
    await store.fileRequest(filing({ state: 'approved', expiresAt: null }));
    await requeue('throttled');
    expect((await drainOutbox(store)).map((m) => m.kind)).toEqual(['request.update']);
  });
});

describe('CopyEventHandler when a copy completes', () => {
  it("replies that it completed, tells the request's end with its count, refreshes the Home and frees the slot", async () => {
    await fileAndStart();
    await complete(1);

    expect((await store.getRequest(1))?.state).toBe('completed');
    const sent = await drainOutbox(store);
    expect(sent.map((m) => [m.kind, m.channel])).toEqual([
      ['request.reply', 'C0ORIGIN'],
      ['request.update', 'C0ORIGIN'],
      ['request.reply', 'C0ORIGIN'],
      ['home.publish', 'U0REQUESTER'],
    ]);
    expect(replies(sent)).toEqual([wording.copyCompleted(await copyOf(1)), finished('completed', 1, 0, 1)]);
    expect(replies(sent)[1]).toBe(':tada: <@U0REQUESTER> R-1 completed: 1 of 1 copy done.');
    expect(kicks.slotFreed).toBe(1);
  });

  it("tells the request's end only when its last copy ends, with the completed and failed counts", async () => {
    await fileAndStart(
      filing({ state: 'approved', expiresAt: null }, [
        newCopy('snap-0aaaaaaaaaaaaaaa1'),
        newCopy('snap-0bbbbbbbbbbbbbbb1'),
        newCopy('snap-0ccccccccccccccc1'),
      ]),
    );
    await complete(1);
    await complete(2);
    expect((await store.getRequest(1))?.state).toBe('copying');
    const meanwhile = await drainOutbox(store);
    expect(meanwhile.map((m) => m.kind)).not.toContain('home.publish');
    expect(replies(meanwhile).some((t) => t.includes('R-1 completed'))).toBe(false);

    await fail(3, 'copy-error', 'AWS ended the copy in the error state');
    expect((await store.getRequest(1))?.state).toBe('failed');
    const last = replies(await drainOutbox(store));
    expect(last.at(-1)).toBe(finished('failed', 2, 1, 3));
    expect(last.at(-1)).toContain('R-1 finished with 1 failed copy (2 done)');
    expect(kicks.slotFreed).toBe(3);
  });

  it("records the copy's start and end and the request's end in the audit log, with the snapshots", async () => {
    await fileAndStart(
      filing({ state: 'approved', expiresAt: null }, [
        newCopy('snap-0aaaaaaaaaaaaaaa1'),
        newCopy('snap-0bbbbbbbbbbbbbbb1'),
      ]),
    );
    await complete(1);
    await fail(2, 'copy-error', 'AWS ended the copy in the error state');
    const entries = (await store.listAudit({ requestNumber: 1 }))
      .filter((e) => e.action.startsWith('copy.') || e.action === 'request.failed')
      .map((e) => [e.actor, e.action, e.detail]);
    const where = { accountId: prod.id, region: 'us-west-2' };
    expect(entries).toEqual([
      [
        'bot',
        'copy.started',
        { copy: 1, source: 'snap-0aaaaaaaaaaaaaaa1', destination: where, snapshotId: 'snap-0new1' },
      ],
      [
        'bot',
        'copy.started',
        { copy: 2, source: 'snap-0bbbbbbbbbbbbbbb1', destination: where, snapshotId: 'snap-0new2' },
      ],
      [
        'bot',
        'copy.completed',
        {
          copy: 1,
          source: 'snap-0aaaaaaaaaaaaaaa1',
          destination: where,
          snapshotId: 'snap-0new1',
          encrypted: false,
        },
      ],
      [
        'bot',
        'copy.failed',
        {
          copy: 2,
          source: 'snap-0bbbbbbbbbbbbbbb1',
          destination: where,
          snapshotId: 'snap-0new2',
          code: 'copy-error',
          message: 'AWS ended the copy in the error state',
        },
      ],
      ['bot', 'request.failed', { done: 1, failed: 1, total: 2 }],
    ]);
  });

  it('tells a completion replayed after a crash once, and the request end once', async () => {
    await fileAndStart();
    const change = await store.completeCopy(1, { at: clock });
    if (!change) throw new Error('not completed');
    await store.transaction((tx) => events.completed(change, tx));
    await store.transaction((tx) => events.completed(change, tx));
    expect(replies(await drainOutbox(store))).toHaveLength(2);
  });

  it('writes the lock of the new snapshot when the request asks for one', async () => {
    const lock = { mode: 'compliance' as const, days: 30, coolOffHours: 24 };
    const input = filing({ state: 'approved', expiresAt: null });
    input.request.resolved = { ...input.request.resolved, lock };
    await fileAndStart(input);
    await complete(1);

    const steps = await openSteps(store);
    expect(steps.map((s) => [s.kind, s.requestNumber])).toEqual([['lock', 1]]);
    expect(steps[0]?.payload).toEqual({
      copyId: 1,
      snapshotId: 'snap-0new1',
      accountId: prod.id,
      region: 'us-west-2',
      lock,
      requester: 'U0REQUESTER',
    });
    expect(kicks.stepsAdded).toBe(1);
  });

  it('does not lock the intermediate copy of a two-hop request, only the final one', async () => {
    const input = filing({ state: 'approved', expiresAt: null }, [
      { ...newCopy(undefined, { region: 'us-east-1' }), hop: { kind: 'intermediate' } },
      { ...newCopy(undefined, toAudit), hop: { kind: 'final', after: 0 } },
    ]);
    input.request.resolved = { ...input.request.resolved, lock: { mode: 'governance', days: 7 } };
    await fileAndStart(input);
    await complete(1);
    expect(await openSteps(store)).toEqual([]);
    expect((await copyOf(2)).state).toBe('queued');
  });

  it('writes no follow-up step for a plain copy within one account', async () => {
    await fileAndStart();
    await complete(1);
    expect(await openSteps(store)).toEqual([]);
    expect(kicks.stepsAdded).toBe(0);
  });

  it("writes the retention of a DR policy's copy when the policy retains", async () => {
    events = handler([policy({ name: 'keeps-7', retain: { count: 7 } }), policy({ name: 'keeps-all' })]);
    await fileAndStart(filing({ state: 'approved', expiresAt: null, policyName: 'keeps-7' }));
    await complete(1);
    const steps = await openSteps(store);
    expect(steps.map((s) => [s.kind, s.payload])).toEqual([
      [
        'retention',
        { policy: 'keeps-7', volume: 'vol-0123456789abcdef0', destAccountId: prod.id, region: 'us-west-2' },
      ],
    ]);
  });

  it('writes no retention for a policy that keeps every copy', async () => {
    events = handler([policy({ name: 'keeps-all' })]);
    await fileAndStart(filing({ state: 'approved', expiresAt: null, policyName: 'keeps-all' }));
    await complete(1);
    expect(await openSteps(store)).toEqual([]);
  });

  it('writes nothing when the transaction that completes the copy rolls back', async () => {
    const input = filing({ state: 'approved', expiresAt: null });
    input.request.resolved = { ...input.request.resolved, lock: { mode: 'governance', days: 7 } };
    await fileAndStart(input);
    await expect(
      changeAndTell(
        store,
        (tx) => tx.completeCopy(1, { at: clock }),
        async (c, tx) => {
          await events.completed(c, tx);
          throw new Error('connection terminated');
        },
      ),
    ).rejects.toThrow('connection terminated');
    expect((await copyOf(1)).state).toBe('copying');
    expect(await drainOutbox(store)).toEqual([]);
    expect(await openSteps(store)).toEqual([]);
    expect(kicks).toEqual({ slotFreed: 0, stepsAdded: 0 });
  });
});

describe('CopyEventHandler when a cross-account copy ends', () => {
  const shareOf = (owned: boolean) =>
    store.recordShare({
      sourceRegion: 'us-east-1',
      snapshotId: 'snap-0123456789abcdef0',
      destAccountId: audit.id,
      sourceAccountId: prod.id,
      owned,
      at: clock,
    });

  it('writes the removal of the share the bot added, after a completion', async () => {
    await shareOf(true);
    await fileAndStart(filing({ state: 'approved', expiresAt: null }, [newCopy(undefined, toAudit)]));
    await complete(1);
    const steps = await openSteps(store);
    expect(steps.map((s) => [s.kind, s.payload])).toEqual([
      [
        'unshare',
        {
          sourceRegion: 'us-east-1',
          snapshotId: 'snap-0123456789abcdef0',
          destAccountId: audit.id,
          generation: 1,
          requester: 'U0REQUESTER',
        },
      ],
    ]);
    expect(kicks.stepsAdded).toBe(1);
  });

  it('writes the removal of the share the bot added, after a failure', async () => {
    await shareOf(true);
    await fileAndStart(filing({ state: 'approved', expiresAt: null }, [newCopy(undefined, toAudit)]));
    await fail(1, 'copy-error', 'AWS ended the copy in the error state');
    expect((await openSteps(store)).map((s) => s.kind)).toEqual(['unshare']);
  });

  it('never removes a share that existed before the bot', async () => {
    await shareOf(false);
    await fileAndStart(filing({ state: 'approved', expiresAt: null }, [newCopy(undefined, toAudit)]));
    await complete(1);
    expect(await openSteps(store)).toEqual([]);
  });
});

describe('CopyEventHandler when a copy fails', () => {
  it('replies with the reason in plain words and the AWS message, mentioning the requester', async () => {
    await fileAndStart();
    await fail(1, 'copy-error', 'The snapshot is corrupt');
    const failed = await copyOf(1);
    expect(failed).toMatchObject({ state: 'failed', failure: { code: 'copy-error' } });
    const told = replies(await drainOutbox(store));
    expect(told[0]).toBe(wording.copyFailed({ copy: failed, requesterId: 'U0REQUESTER' }));
    expect(told[0]).toContain('<@U0REQUESTER>');
    expect(told[0]).toContain('> The snapshot is corrupt');
    expect(told[1]).toContain('R-1 finished with 1 failed copy (0 done)');
    expect(kicks.slotFreed).toBe(1);
  });

  it('tells a failure replayed after a crash once', async () => {
    await fileAndStart();
    const change = await store.failCopy(1, {
      code: 'copy-error',
      message: 'The snapshot is corrupt',
      at: clock,
    });
    if (!change) throw new Error('not failed');
    await store.transaction((tx) => events.failed(change, tx));
    await store.transaction((tx) => events.failed(change, tx));
    expect(replies(await drainOutbox(store))).toEqual([
      wording.copyFailed({ copy: change.copy, requesterId: 'U0REQUESTER' }),
      finished('failed', 0, 1, 1),
    ]);
  });

  it('names the key, the role and the KMS actions when the key is not accessible, and the key policy of a source key of another account', async () => {
    const sourceKey = 'arn:aws:kms:us-east-1:333333333333:key/source';
    const targetKey = 'arn:aws:kms:us-west-2:222222222222:key/target';
    const encrypted = newCopy(undefined, toAudit);
    encrypted.source = { ...encrypted.source, encrypted: true, kmsKeyId: sourceKey };
    encrypted.encrypted = true;
    encrypted.kmsKeyId = targetKey;
    await fileAndStart(filing({ state: 'approved', expiresAt: null }, [encrypted]));
    await fail(1, 'key-not-accessible', 'Given key ID is not accessible');

    const copy = await copyOf(1);
    const [told] = replies(await drainOutbox(store));
    expect(told).toBe(
      wording.keyNotAccessible({
        copy,
        requesterId: 'U0REQUESTER',
        targetKeyId: targetKey,
        destinationRoleArn: AUDIT_ROLE,
        sourceKeyAccountId: '333333333333',
      }),
    );
    expect(told).toContain(`the role \`${AUDIT_ROLE}\` in account audit (222222222222)`);
    expect(told).toContain(`the destination key \`${targetKey}\` and the source key \`${sourceKey}\``);
    expect(told).toContain('`kms:ReEncrypt*`');
    expect(told).toContain('its *key policy* must grant account 222222222222');
    expect(told).toContain('<@U0REQUESTER>');
  });

  it("names the key the filing predicted when CopySnapshot was sent without one, and the bot's own identity", async () => {
    const predicted = 'arn:aws:kms:us-west-2:111111111111:key/default';
    const details = {
      warnings: [],
      encryption: {
        [copyKey('snap-0123456789abcdef0', 'us-west-2')]: {
          encrypted: true,
          because: 'default-key',
          keyId: predicted,
        },
      },
    };
    await fileAndStart(filing({ state: 'approved', expiresAt: null, details }));
    await fail(1, 'key-not-accessible', 'Given key ID is not accessible');
    const [told] = replies(await drainOutbox(store));
    expect(told).toContain(`the destination key \`${predicted}\``);
    expect(told).toContain("the bot's own identity in account prod (111111111111)");
    expect(told).not.toContain('key policy');
  });

  it('fails the final hop of a two-hop copy whose intermediate copy failed, saying why', async () => {
    const hop1 = { ...newCopy(undefined, { region: 'us-east-1' }), hop: { kind: 'intermediate' as const } };
    const hop2 = { ...newCopy(undefined, toAudit), hop: { kind: 'final' as const, after: 0 } };
    await fileAndStart(filing({ state: 'approved', expiresAt: null }, [hop1, hop2]));
    await fail(1, 'copy-error', 'The snapshot is corrupt');

    const final = await copyOf(2);
    expect(final).toMatchObject({ state: 'failed', failure: { code: 'intermediate-failed' } });
    expect(final.failure?.message).toBe('the intermediate copy (hop 1 of 2) failed: The snapshot is corrupt');
    expect((await store.getRequest(1))?.state).toBe('failed');
    const told = replies(await drainOutbox(store));
    expect(told).toContain(wording.copyFailed({ copy: final, requesterId: 'U0REQUESTER' }));
    expect(told.filter((t) => t.includes('R-1 finished'))).toEqual([finished('failed', 0, 2, 2)]);
  });
});
