import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsGateway, SnapshotStatus } from '../../src/aws/gateway.js';
import type { AccountConfig } from '../../src/domain/types.js';
import { Dispatcher } from '../../src/engine/dispatcher.js';
import type { CopyEvents } from '../../src/engine/events.js';
import { POLL_CONCURRENCY, Poller } from '../../src/engine/poller.js';
import { createLogger } from '../../src/observability/log.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import { filing, newCopy, T0 } from '../store/fixtures/builders.js';

const REGIONS = [
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'sa-east-1',
  'ca-central-1',
  'me-south-1',
  'af-south-1',
  'ap-east-1',
  'eu-south-1',
  'ap-northeast-2',
  'ap-northeast-3',
];

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  regions: ['us-east-1', ...REGIONS],
  default: true,
  kmsKeys: {},
};

const silentEvents: CopyEvents = {
  started: async () => {},
  requeued: async () => {},
  progressed: async () => {},
  completed: async () => {},
  failed: async () => {},
};

/** Copies land in every Region; DescribeSnapshots answers after a pause, counting calls in progress. */
function fakeAws() {
  const state = { inProgress: 0, mostAtOnce: 0, regionsPolled: [] as string[], started: 0 };
  const gateway = {
    describeSnapshots: async () => [],
    shareSnapshot: async () => {},
    copySnapshot: async () => ({ snapshotId: `snap-0${String(++state.started).padStart(16, '0')}` }),
    snapshotStatuses: async (_a: AccountConfig, region: string, ids: string[]): Promise<SnapshotStatus[]> => {
      state.inProgress++;
      state.mostAtOnce = Math.max(state.mostAtOnce, state.inProgress);
      await new Promise((r) => setTimeout(r, 20));
      state.inProgress--;
      state.regionsPolled.push(region);
      return ids.map((snapshotId) => ({ snapshotId, state: 'pending', progress: 40 }));
    },
  } as unknown as AwsGateway;
  return { gateway, state };
}

describe('Poller across many (account, Region) pairs', () => {
  let dir: string;
  let store: Store;
  let aws: ReturnType<typeof fakeAws>;
  let poller: Poller;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poller-'));
    store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
    await store.migrate();
    aws = fakeAws();
    const deps = {
      store,
      aws: aws.gateway,
      accounts: [prod],
      events: silentEvents,
      log: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      now: () => T0,
    };
    await store.fileRequest(
      filing(
        { state: 'approved', expiresAt: null },
        REGIONS.map((region) => newCopy('snap-0123456789abcdef0', { region })),
      ),
    );
    await new Dispatcher({
      ...deps,
      limits: { default: 20, overrides: [] },
      owner: 'test',
      holdExpiryMs: 60_000,
    }).kick();
    poller = new Poller(deps);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`polls every pair once per tick, at most ${POLL_CONCURRENCY} at a time, and records their progress`, async () => {
    expect(await poller.tick()).toEqual({ groups: REGIONS.length, copies: REGIONS.length });
    expect([...aws.state.regionsPolled].sort()).toEqual([...REGIONS].sort());
    expect(aws.state.mostAtOnce).toBe(POLL_CONCURRENCY);
    const copies = await store.getCopies(1);
    expect(copies.map((c) => [c.destination.region, c.state, c.progress])).toEqual(
      REGIONS.map((region) => [region, 'copying', 40]),
    );
  });
});
