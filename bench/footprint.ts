/**
 * 5. Footprint: the bot's resident memory in a process of its own (the simulator and the Slack
 * stand-in stay in the bench process), after start on an empty database, and started on a database
 * holding 10,000 requests with 1,000 copies in flight being polled; beside the minimal Bolt app in
 * the same kind of process. Children run the production bundle with the production node settings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../src/simulator/index.js';
import { openStore } from '../src/store/open.js';
import { SIGNING_SECRET } from '../test/integration/harness.js';
import { SlackApiStandIn } from '../test/support/slack-api.js';
import { fileHistory } from './fleet.js';
import { spawnBot, spawnChild } from './processes.js';
import {
  FLEET_ACCOUNTS,
  FLEET_COPY_MS,
  fleetConfigYaml,
  fleetWorld,
  type Measurement,
  mb,
  NEVER_MS,
  sleep,
} from './support.js';

const LIMIT_BYTES = 150 * 1024 * 1024;
const PER_REQUEST = 10;
/**
 * Polling, as the bot's timer runs it but 15 times as often as the default 30 s (more garbage per
 * second than production makes, never less): 10 ticks over 20 s, long enough for V8 to give back
 * what the burst before it left.
 */
const POLL_TICKS = 10;
const POLL_EVERY_MS = 2_000;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

export async function measureFootprint(o: {
  requests: number;
  snapshotsPerAccount: number;
}): Promise<Measurement> {
  const sim = await startSimulator({
    world: fleetWorld(o.snapshotsPerAccount),
    copyDuration: () => FLEET_COPY_MS,
  });
  const slack = await new SlackApiStandIn().start();
  const dir = mkdtempSync(join(tmpdir(), 'scb-bench-rss-'));
  try {
    const floor = await spawnChild({ role: 'floor', slackUrl: slack.url, signingSecret: SIGNING_SECRET });
    await sleep(1_000);
    const floorMemory = await floor.call<Memory>('memory');
    await floor.stop();

    const botSpec = (dbPath: string) =>
      spawnBot({
        simUrl: sim.url,
        slackUrl: slack.url,
        signingSecret: SIGNING_SECRET,
        configYaml: fleetConfigYaml(o.snapshotsPerAccount),
        dbPath,
        pollIntervalMs: NEVER_MS,
      });

    // After start: a new bot on an empty database.
    const fresh = await botSpec(join(dir, 'fresh.db'));
    await sleep(1_000);
    const atStart = await fresh.call<Memory>('memory');
    const mapAtStart = await fresh.call('memoryMap');
    await fresh.call('heapSnapshot', { label: 'start' });
    await fresh.stop();

    // Loaded: the history is in the database before the bot starts, as months of use leave it
    // (filed by this process: the filing itself is not the bot's memory), then the bot starts
    // 1,000 copies and polls them.
    const fleetRequests = (FLEET_ACCOUNTS * o.snapshotsPerAccount) / PER_REQUEST;
    const history = Math.max(0, o.requests - fleetRequests);
    const loadedDb = join(dir, 'loaded.db');
    const store = await openStore(`sqlite:${loadedDb}`);
    try {
      await store.migrate();
      await fileHistory(store, history, new Date());
    } finally {
      await store.close();
    }
    const bot = await botSpec(loadedDb);
    try {
      await sleep(1_000);
      const startedWithHistory = await bot.call<Memory>('memory');
      const fleet = await bot.call<Memory & { requests: number; copies: number; inFlight: number }>(
        'fileFleet',
        {
          snapshotsPerAccount: o.snapshotsPerAccount,
          perRequest: PER_REQUEST,
        },
      );
      // Polling 1,000 copies in flight, right after the burst that started them (no forced
      // collection in between): the state the target is about.
      const ticks = await bot.call<Memory & { peakRss: number }>('ticks', {
        n: POLL_TICKS,
        everyMs: POLL_EVERY_MS,
      });
      const loaded = await bot.call<Memory>('memory');
      const mapLoaded = await bot.call('memoryMap');
      await bot.call('heapSnapshot', { label: 'loaded' });
      const steady = Math.max(ticks.peakRss, loaded.rss);
      // Starting all 1,000 at once (slots free everywhere): a burst, reported beside it.
      const burst = Math.max(startedWithHistory.rss, fleet.rss);
      const label = `${(history + fleet.requests).toLocaleString('en')} reqs + ${fleet.inFlight} in flight`;
      return {
        name: 'footprint',
        rows: [
          {
            figure: 'RSS after start',
            value: mb(atStart.rss),
            reference: `minimal Bolt app ${mb(floorMemory.rss)}`,
            ratio: atStart.rss / floorMemory.rss,
            target: '<= 150 MB',
            pass: atStart.rss <= LIMIT_BYTES,
          },
          {
            figure: `RSS, ${label}, polling every ${POLL_EVERY_MS / 1000} s`,
            value: `${mb(steady)} peak`,
            reference: `minimal Bolt app ${mb(floorMemory.rss)}; settled ${mb(loaded.rss)}`,
            ratio: steady / floorMemory.rss,
            target: '<= 150 MB',
            pass: steady <= LIMIT_BYTES && fleet.inFlight === fleet.copies,
          },
          {
            figure: `RSS while starting all ${fleet.inFlight} at once`,
            value: `${mb(burst)} peak`,
            reference: `${fleet.requests} requests approved together`,
            ratio: burst / floorMemory.rss,
            target: '-',
            pass: null,
          },
        ],
        details: {
          floor: floorMemory,
          atStart,
          startedWithHistory,
          afterFleet: fleet,
          duringTicks: ticks,
          loaded,
          memoryMap: { atStart: mapAtStart, loaded: mapLoaded },
          steadyRss: steady,
          burstRss: burst,
          requests: history + fleet.requests,
          inFlight: fleet.inFlight,
        },
      };
    } finally {
      await bot.stop();
    }
  } finally {
    await sim.close();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
