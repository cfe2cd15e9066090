/**
 * 5. Footprint: the bot's resident memory in a process of its own (the simulator and the Slack
 * stand-in stay in the bench process), after start and with 10,000 requests in the store and
 * 1,000 copies in flight being polled; beside the minimal Bolt app in the same kind of process.
 * Both children run under the tsx loader, so both figures include its overhead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_IDENTITY, startSimulator } from '../src/simulator/index.js';
import { SIGNING_SECRET } from '../test/integration/harness.js';
import { SlackApiStandIn } from '../test/support/slack-api.js';
import { spawnChild } from './processes.js';
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

    const bot = await spawnChild({
      role: 'bot',
      simUrl: sim.url,
      slackUrl: slack.url,
      signingSecret: SIGNING_SECRET,
      credentials: {
        accessKeyId: SANDBOX_IDENTITY.accessKeyId,
        secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
      },
      configYaml: fleetConfigYaml(o.snapshotsPerAccount),
      dbPath: join(dir, 'bot.db'),
      pollIntervalMs: NEVER_MS,
    });
    try {
      await sleep(1_000);
      const atStart = await bot.call<Memory>('memory');
      const mapAtStart = await bot.call('memoryMap');
      const fleetRequests = (FLEET_ACCOUNTS * o.snapshotsPerAccount) / PER_REQUEST;
      const history = Math.max(0, o.requests - fleetRequests);
      const afterHistory = await bot.call<Memory>('fileHistory', { count: history });
      const fleet = await bot.call<Memory & { requests: number; copies: number; inFlight: number }>(
        'fileFleet',
        {
          snapshotsPerAccount: o.snapshotsPerAccount,
          perRequest: PER_REQUEST,
        },
      );
      const ticks = await bot.call<Memory & { peakRss: number }>('ticks', { n: 5 });
      const loaded = await bot.call<Memory>('memory');
      const mapLoaded = await bot.call('memoryMap');
      const peak = Math.max(afterHistory.rss, fleet.rss, ticks.peakRss, loaded.rss);
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
            figure: `RSS, ${(history + fleet.requests).toLocaleString('en')} reqs + ${fleet.inFlight} in flight`,
            value: `${mb(peak)} peak`,
            reference: `minimal Bolt app ${mb(floorMemory.rss)}; settled ${mb(loaded.rss)}`,
            ratio: peak / floorMemory.rss,
            target: '<= 150 MB',
            pass: peak <= LIMIT_BYTES && fleet.inFlight === fleet.copies,
          },
        ],
        details: {
          floor: floorMemory,
          atStart,
          afterHistory,
          afterFleet: fleet,
          duringTicks: ticks,
          loaded,
          memoryMap: { atStart: mapAtStart, loaded: mapLoaded },
          peakRss: peak,
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
