/**
 * Guarantee 3 (SPEC §6, §10): several replicas on one PostgreSQL share the work — every copy is
 * started once, the per-destination limit holds in total, and a replica killed mid-work has its
 * work carried on by the others. Three bot processes (src/main.ts) share a random schema of the
 * test database (DATABASE_URL carries it as `options=-c search_path=…`), one simulator and one
 * Slack stand-in; approved requests are filed through a Store opened by the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, demoWorld, type SimulatorHandle, startSimulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/open.js';
import type { NewCopy, Store } from '../../src/store/port.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import {
  Children,
  copySnapshotCalls,
  duplicates,
  eventually,
  freshSchema,
  resilienceConfigYaml,
  withLimit,
  worldCopies,
  writeConfig,
} from './support.js';

const url = process.env.TEST_DATABASE_URL;
const { prod } = DEMO_ACCOUNTS;
const LIMIT = 3;
const COUNT = 12;
/** Twelve small unencrypted snapshots in prod us-east-1, added to the demo world. */
const SOURCES = Array.from({ length: COUNT }, (_, i) => `snap-0ee${String(i).padStart(14, '0')}`);

/** Most copies of one destination the simulator ever had pending at the same moment. */
function maxOverlap(intervals: Array<[number, number]>): number {
  const edges = intervals.flatMap(([s, e]) => [
    [s, 1],
    [e, -1],
  ]);
  // An end and a start at the same millisecond do not overlap.
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) {
    now += d!;
    max = Math.max(max, now);
  }
  return max;
}

function copyInput(snapshotId: string, i: number): NewCopy {
  return {
    source: {
      snapshotId,
      accountId: prod,
      region: 'us-east-1',
      volumeId: `vol-0ee${String(i).padStart(14, '0')}`,
      sizeGiB: 8,
      encrypted: false,
    },
    destination: { account: 'prod', accountId: prod, region: 'us-west-2' },
    transfer: { kind: 'full', reason: 'first copy to this Region' },
  };
}

/** Files an approved request (as a DR policy does) straight into the shared store. */
async function fileApproved(store: Store, snapshotId: string, i: number): Promise<number> {
  const at = new Date();
  const { request } = await store.fileRequest({
    request: {
      requesterId: 'U0REQUESTER',
      originChannel: `C0OPS${i}`,
      state: 'approved',
      policyName: 'resilience',
      resolved: {
        sources: { kind: 'ids', ids: [snapshotId] },
        sourceAccount: 'prod',
        sourceRegion: 'us-east-1',
        destinationAccount: 'prod',
        destinationRegions: ['us-west-2'],
        encrypt: false,
        tags: [],
      },
      crossAccount: false,
      requiredApprovals: 0,
      expiresAt: null,
      details: { warnings: [] },
      at,
    },
    copies: [copyInput(snapshotId, i)],
    audit: { actor: 'policy:resilience', action: 'request.filed', detail: {} },
  });
  return request.n;
}

describe.skipIf(url === undefined)(
  'replicas on one PostgreSQL (needs TEST_DATABASE_URL=postgres://…, e.g. postgres://postgres@127.0.0.1:5432/test)',
  () => {
    const children = new Children();
    let admin: pg.Client;
    let sim: SimulatorHandle;
    let slack: SlackApiStandIn;
    let dir: string;
    let schema: string;
    let store: Store;
    let databaseUrl: string;
    let configPath: string;

    beforeAll(async () => {
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      dir = mkdtempSync(join(tmpdir(), 'scb-replicas-'));
      slack = await new SlackApiStandIn().start();
    });
    afterAll(async () => {
      await admin?.end();
      await slack?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function setUp(copyMs: number): Promise<void> {
      ({ schema, databaseUrl } = await freshSchema(admin, url!));
      store = await openStore(url!, { postgres: { schema, poolSize: 2 } });
      await store.migrate();
      const world = demoWorld();
      world.snapshots?.push(
        ...SOURCES.map((id, i) => ({
          id,
          ownerId: prod,
          region: 'us-east-1',
          volumeId: `vol-0ee${String(i).padStart(14, '0')}`,
          sizeGiB: 8,
          startTime: new Date(Date.now() - 3600_000),
          tags: { Name: `replica-${i}` },
        })),
      );
      sim = await startSimulator({ world, copyDuration: () => copyMs, keyFailureDelayMs: 300 });
      configPath = writeConfig(dir, resilienceConfigYaml(withLimit('prod', 'us-west-2', LIMIT)));
    }

    afterEach(async () => {
      await children.killAll();
      await store?.close();
      await sim?.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
    });

    const spawn = () => children.spawn({ dir, databaseUrl, configPath, sim, slack });
    const allCompleted = async (ns: number[]) =>
      (await Promise.all(ns.map((n) => store.getRequest(n)))).every((r) => r?.state === 'completed');
    const stateOf = async () =>
      JSON.stringify(
        (await store.listCopies({ limit: 100 })).map((c) => [
          c.requestNumber,
          c.state,
          c.claimOwner,
          c.attempts,
        ]),
      );

    it('starts every copy once, holds the limit in total, and carries on the work of a killed replica', async () => {
      await setUp(1_500);
      const bots = await Promise.all([spawn(), spawn(), spawn()]);

      const ns: number[] = [];
      for (const [i, id] of SOURCES.entries()) ns.push(await fileApproved(store, id, i));

      // Kill one replica while copies are in flight.
      await eventually(
        () => (copySnapshotCalls(sim).size >= 4 ? true : undefined),
        'four copies started',
        20_000,
      );
      await bots[0]!.crash();

      await eventually(() => allCompleted(ns), 'every request completed', 45_000, stateOf);

      expect(duplicates(copySnapshotCalls(sim))).toEqual({});
      expect(duplicates(worldCopies(sim))).toEqual({});
      expect(worldCopies(sim).size).toBe(COUNT);
      const intervals = sim.world
        .copies()
        .filter((c) => c.destinationAccountId === prod && c.destinationRegion === 'us-west-2')
        .map((c): [number, number] => [c.startedAt, c.startedAt + c.durationMs]);
      expect(maxOverlap(intervals)).toBeLessThanOrEqual(LIMIT);
      // The limit was also used: the replicas together kept it full, not one copy at a time.
      expect(maxOverlap(intervals)).toBe(LIMIT);
      // No ResourceLimitExceeded either: the bot never asked AWS for more than the limit.
      expect(sim.calls.filter((c) => c.errorCode === 'ResourceLimitExceeded')).toEqual([]);
    }, 90_000);

    it('posts each scheduled report once although three replicas fire for it', async () => {
      await setUp(800);
      // Two firings inside the test's window, whatever the clock: at two given seconds of the minute,
      // far enough ahead that three replicas starting on a loaded 2-core machine (~20 s) are up.
      const at = (ahead: number) => (new Date().getUTCSeconds() + ahead) % 60;
      const cron = `${at(40)},${at(44)} * * * * *`;
      configPath = writeConfig(
        dir,
        resilienceConfigYaml((y) =>
          y.replace('reports: []\n', `reports:\n  - { channel: C0DRSTATUS, cron: "${cron}" }\n`),
        ),
      );
      const reportPosts = () =>
        slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0DRSTATUS').length;
      const before = reportPosts();
      await Promise.all([spawn(), spawn(), spawn()]);
      await eventually(
        () => (reportPosts() - before >= 2 ? true : undefined),
        'two scheduled reports',
        75_000,
      );
      // Give a duplicate every chance to arrive before counting.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(reportPosts() - before).toBe(2);
      const slots = await admin.query(`select name, slot, owner from ${schema}.schedule_runs`);
      expect(slots.rows).toHaveLength(2);
    }, 120_000);

    it('takes over a copy another replica claimed and died before confirming (left `starting`)', async () => {
      await setUp(800);
      const n = await fileApproved(store, SOURCES[0]!, 0);
      // A replica claims the copy and is killed before CopySnapshot answers: it stays `starting`.
      const claimed = await store.claimStartableCopies({
        limits: { default: 20, overrides: [] },
        now: new Date(),
        owner: 'replica-killed-mid-start',
        max: 1,
      });
      expect(claimed.map((c) => c.requestNumber)).toEqual([n]);

      await Promise.all([spawn(), spawn()]);
      // The engine waits `orphanAfterMs` (10 minutes) before taking over another replica's
      // `starting` copy; an SRE expects the survivors to carry on within a few poll intervals.
      await eventually(
        () => allCompleted([n]),
        'the orphaned copy completed by the survivors',
        12_000,
        stateOf,
      );
      expect(duplicates(copySnapshotCalls(sim))).toEqual({});
      expect(worldCopies(sim).size).toBe(1);
    }, 60_000);
  },
);
