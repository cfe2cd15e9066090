import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../src/aws/errors.js';
import type { AwsGateway, DescribedSnapshot } from '../../src/aws/gateway.js';
import type { AccountConfig } from '../../src/domain/types.js';
import { Dispatcher, type DispatcherDeps } from '../../src/engine/dispatcher.js';
import type { CopyEvents } from '../../src/engine/events.js';
import { createLogger } from '../../src/observability/log.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import { filing, T0 } from '../store/fixtures/builders.js';

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  regions: ['us-east-1', 'us-west-2'],
  default: true,
  kmsKeys: {},
};

const listed = (snapshotId: string): DescribedSnapshot => ({
  snapshotId,
  ownerId: prod.id,
  volumeId: 'vol-ffffffff',
  volumeSizeGiB: 8,
  state: 'pending',
  encrypted: false,
  startTime: T0,
  tags: [],
  progress: 0,
});

/** A gateway whose CopySnapshot answers are scripted and whose tag lookups list what the test says. */
function fakeAws() {
  const copyAnswers: Array<() => Promise<{ snapshotId: string }>> = [];
  const state = { copyCalls: 0, lookups: 0, listedByTags: [] as DescribedSnapshot[] };
  const gateway = {
    describeSnapshots: async () => [],
    findSnapshotsByTags: async () => {
      state.lookups++;
      return state.listedByTags;
    },
    copySnapshot: async () => {
      state.copyCalls++;
      const answer = copyAnswers.shift();
      return answer ? answer() : { snapshotId: `snap-0new${state.copyCalls}` };
    },
    shareSnapshot: async () => {},
    unshareSnapshot: async () => {},
  } as unknown as AwsGateway;
  return { gateway, state, copyAnswers };
}

const quietEvents = (over: Partial<CopyEvents> = {}): CopyEvents => ({
  started: async () => {},
  requeued: async () => {},
  progressed: async () => {},
  completed: async () => {},
  failed: async () => {},
  ...over,
});

/** A dispatcher over `prod` with room for 20 copies and a fixed clock, the rest given. */
function dispatcherOf(d: Pick<DispatcherDeps, 'store' | 'aws'> & Partial<DispatcherDeps>): Dispatcher {
  return new Dispatcher({
    accounts: [prod],
    limits: { default: 20, overrides: [] },
    events: quietEvents(),
    log: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    now: () => T0,
    owner: 'test',
    holdExpiryMs: 60_000,
    ...d,
  });
}

/** A migrated SQLite store in a scratch folder, with one approved request filed, for `fn` alone. */
async function withApprovedRequest(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-'));
  const store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
  try {
    await store.migrate();
    await store.fileRequest(filing({ state: 'approved', expiresAt: null }));
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Dispatcher after a CopySnapshot without an answer', () => {
  let dir: string;
  let store: Store;
  let clock: Date;
  let aws: ReturnType<typeof fakeAws>;
  let dispatcher: Dispatcher;
  const started: number[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dispatcher-'));
    store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
    await store.migrate();
    clock = T0;
    aws = fakeAws();
    dispatcher = dispatcherOf({
      store,
      aws: aws.gateway,
      events: quietEvents({
        started: async (c) => {
          started.push(c.copy.id);
        },
      }),
      now: () => clock,
      lookupSettleMs: 15_000,
    });
    await store.fileRequest(filing({ state: 'approved', expiresAt: null }));
    aws.copyAnswers.push(async () => {
      throw new AwsError('network', 'CopySnapshot: socket hang up', { awsCode: 'ECONNRESET' });
    });
    await dispatcher.kick();
  });

  afterEach(async () => {
    started.length = 0;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

  it('requeues the copy keeping its place, and does not call CopySnapshot again in the same pass', async () => {
    const [copy] = await store.getCopies(1);
    expect(copy).toMatchObject({ state: 'queued', attempts: 1 });
    expect(aws.state.copyCalls).toBe(1);
  });

  it('adopts the copy when the tag lookup finds it', async () => {
    aws.state.listedByTags = [listed('snap-0lost')];
    advance(1_000);
    await dispatcher.kick();
    const [copy] = await store.getCopies(1);
    expect(copy).toMatchObject({ state: 'copying', newSnapshotId: 'snap-0lost' });
    expect(aws.state.copyCalls).toBe(1);
  });

  it('does not trust an empty lookup made before DescribeSnapshots could list the copy', async () => {
    advance(1_000);
    await dispatcher.kick();
    expect(aws.state.lookups).toBe(1);
    expect(aws.state.copyCalls).toBe(1);
    expect((await store.getCopies(1))[0]?.state).toBe('queued');

    aws.state.listedByTags = [listed('snap-0late')];
    advance(5_000);
    await dispatcher.kick();
    expect((await store.getCopies(1))[0]).toMatchObject({ state: 'copying', newSnapshotId: 'snap-0late' });
    expect(aws.state.copyCalls).toBe(1);
  });

  it('copies again once a lookup after the settling time still finds nothing: AWS did not act', async () => {
    advance(16_000);
    await dispatcher.kick();
    expect(aws.state.copyCalls).toBe(2);
    expect((await store.getCopies(1))[0]).toMatchObject({ state: 'copying', newSnapshotId: 'snap-0new2' });
    expect(started).toHaveLength(1);
  });
});

describe('Dispatcher when the database fails right after AWS accepted a copy', () => {
  it('leaves the copy starting (to be found by its tags), never failed', async () => {
    await withApprovedRequest(async (store) => {
      const aws = fakeAws();
      // The store answers everything but the one write that records the new snapshot ID (made
      // in the transaction that also writes its consequences).
      const flaky: Store = Object.create(store, {
        transaction: {
          value: async (fn: (tx: Store) => Promise<unknown>) =>
            store.transaction((tx) =>
              fn(
                Object.create(tx, {
                  markCopyStarted: {
                    value: async () => {
                      throw new Error('connection terminated');
                    },
                  },
                }),
              ),
            ),
        },
      });
      const dispatcher = dispatcherOf({ store: flaky, aws: aws.gateway });
      await dispatcher.kick();
      expect(aws.state.copyCalls).toBe(1);
      expect((await store.getCopies(1))[0]).toMatchObject({ state: 'starting', failure: null });
    });
  });
});

describe('Dispatcher when the database fails during a pass', () => {
  it('logs the failure and keeps running: the kick resolves and the next pass starts the copy', async () => {
    await withApprovedRequest(async (store) => {
      const aws = fakeAws();
      let down = true;
      const flaky: Store = Object.create(store, {
        claimStartableCopies: {
          value: async (input: Parameters<Store['claimStartableCopies']>[0]) => {
            if (down) throw new Error('connection terminated unexpectedly');
            return store.claimStartableCopies(input);
          },
        },
      });
      const logged: string[] = [];
      const log = createLogger({ level: 'silent' });
      log.error = ((_obj: unknown, msg?: string) => {
        logged.push(String(msg));
      }) as typeof log.error;
      const dispatcher = dispatcherOf({ store: flaky, aws: aws.gateway, log });
      await expect(dispatcher.kick()).resolves.toBeUndefined();
      expect(logged).toEqual(['filling copy slots failed; the next tick tries again']);
      expect(aws.state.copyCalls).toBe(0);
      down = false;
      await dispatcher.kick();
      expect(aws.state.copyCalls).toBe(1);
    });
  });
});

describe('Dispatcher when an account of the copy was removed from the config', () => {
  it('fails the copy as a configuration problem, without calling AWS', async () => {
    await withApprovedRequest(async (store) => {
      const aws = fakeAws();
      const failed: string[] = [];
      const dispatcher = dispatcherOf({
        store,
        aws: aws.gateway,
        accounts: [],
        events: quietEvents({
          failed: async (c) => {
            failed.push(c.copy.failure?.code ?? '');
          },
        }),
      });
      await dispatcher.kick();
      const [copy] = await store.getCopies(1);
      expect(copy).toMatchObject({ state: 'failed', failure: { code: 'account-not-configured' } });
      expect(copy?.failure?.message).toMatch(/no longer configured/);
      expect(failed).toEqual(['account-not-configured']);
      expect(aws.state.copyCalls).toBe(0);
    });
  });
});
