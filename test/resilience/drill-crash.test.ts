/**
 * A restore drill survives SIGKILL (SPEC §9, §10): the bot is killed while its drill volume is
 * being created; the next process carries the drill on from the database and deletes the volume.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoWorld, type SimulatorHandle, startSimulator } from '../../src/simulator/index.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import { Children, eventually, resilienceConfigYaml, sleep, withStore, writeConfig } from './support.js';

const POLICY = 'payments-dr';

describe('a bot killed with SIGKILL during a restore drill', () => {
  const children = new Children();
  let sim: SimulatorHandle;
  let slack: SlackApiStandIn;
  let dir: string;
  let databaseUrl: string;
  let configPath: string;

  beforeAll(async () => {
    // Restoring takes an hour of simulated time: the drill is still waiting when the kill lands.
    sim = await startSimulator({ world: demoWorld(), copyDuration: () => 800, volumeCreateMs: 3_600_000 });
    slack = await new SlackApiStandIn().start();
    dir = mkdtempSync(join(tmpdir(), 'scb-drill-'));
    databaseUrl = `sqlite:${join(dir, 'bot.db')}`;
    configPath = writeConfig(
      dir,
      resilienceConfigYaml((y) =>
        y.replace(
          'drPolicies: []\n',
          `drPolicies:
  - name: ${POLICY}
    source: { account: prod, region: us-east-1, tag: { key: Backup, value: daily } }
    destination: { account: audit, region: us-west-2 }
    cron: "* * * * * *"
    rpoHours: 24
    drill: { cron: "*/2 * * * * *", availabilityZone: us-west-2b }
`,
        ),
      ),
    );
  });

  afterAll(async () => {
    await children.killAll();
    await sim?.close();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => children.spawn({ dir, databaseUrl, configPath, sim, slack });
  const created = () => sim.calls.filter((c) => c.action === 'CreateVolume' && c.outcome === 'ok');

  it('deletes the drill volume after the restart and records the drill', async () => {
    let bot = await start();
    const first = await eventually(() => created()[0], 'the drill CreateVolume', 30_000, bot.output);
    const volumeId = await eventually(
      () => [...sim.world.volumes.keys()][0],
      'the drill volume in the simulator',
    );
    // The drill has looked at its volume (still creating) and waits: kill it now.
    await eventually(
      () => sim.calls.some((c) => c.action === 'DescribeVolumes' && c.seq > first.seq),
      'the drill looking at its volume',
    );
    await sleep(200);
    await bot.crash();
    expect(sim.world.volumes.get(volumeId)?.state).toBe('creating');

    sim.clock.advance(2 * 3_600_000);
    bot = await start();
    await eventually(
      () => sim.world.deletedVolumes.has(volumeId),
      'the drill volume deleted after the restart',
      45_000,
      bot.output,
    );
    // One volume per drill: the restarted bot found the drill's volume by its ClientToken, it made no second one.
    const made = sim.world.volumes.size + sim.world.deletedVolumes.size;
    expect(made).toBe(new Set(created().map((c) => c.params.ClientToken)).size);
    // The drill is recorded as finished right after DeleteVolume answers: let that land, then stop.
    await sleep(1_000);
    await bot.stop();
    const [drill] = await withStore(databaseUrl, (store) => store.latestDrills());
    expect(drill).toMatchObject({ policyName: POLICY, state: 'succeeded', volumeId });
    expect(drill?.finishedAt).not.toBeNull();
  }, 120_000);
});
