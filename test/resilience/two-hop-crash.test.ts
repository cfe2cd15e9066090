/**
 * A two-hop copy (SPEC §5.5) survives SIGKILL at its two moments that matter: right after AWS
 * accepted the intermediate copy (hop 1), and right after the final copy completed in AWS, before
 * the bot removed its share of the intermediate and deleted it. After a restart on the same
 * database each hop is made once, the final copy completes, and neither the intermediate nor its
 * share is left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_ACCOUNTS,
  DEMO_SNAPSHOTS,
  demoWorld,
  type SimulatorHandle,
  startSimulator,
} from '../../src/simulator/index.js';
import { click, tagsOf } from '../integration/slack-actions.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import {
  APPROVER,
  Children,
  eventually,
  findCard,
  REQUESTER,
  resilienceConfigYaml,
  withStore as withStoreAt,
  writeConfig,
} from './support.js';

const LEGACY = DEMO_SNAPSHOTS.awsManagedKey;
const { prod, audit } = DEMO_ACCOUNTS;

describe('a two-hop copy whose bot is killed mid-way', () => {
  const children = new Children();
  let sim: SimulatorHandle;
  let slack: SlackApiStandIn;
  let dir: string;
  let databaseUrl: string;
  let configPath: string;

  beforeAll(async () => {
    sim = await startSimulator({ world: demoWorld(), copyDuration: () => 1_500 });
    slack = await new SlackApiStandIn().start();
    dir = mkdtempSync(join(tmpdir(), 'scb-two-hop-'));
    databaseUrl = `sqlite:${join(dir, 'bot.db')}`;
    configPath = writeConfig(
      dir,
      resilienceConfigYaml((y) =>
        y.replace(
          '    default: true\n',
          '    default: true\n    shareKmsKeys: { us-east-1: alias/prod-ebs }\n',
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
  const okCalls = (action: string) => sim.calls.filter((c) => c.action === action && c.outcome === 'ok');
  const copies = (n: number) => withStoreAt(databaseUrl, (store) => store.getCopies(n));

  async function fileAndApprove(n: number): Promise<void> {
    const bot = await start();
    await bot.send.command(`${LEGACY} from us-east-1 to us-west-2 to-account audit`, REQUESTER, 'C0OPS');
    const card = await eventually(() => findCard(slack, n), `the card of R-${n}`, 20_000);
    await click(bot.send, card, APPROVER, 'approve_copy', `R-${n}`);
  }

  /** Waits until the intermediate of R-<n> is deleted, then stops the bot and reads what it recorded. */
  async function endsClean(n: number, copiesBefore: number): Promise<void> {
    const deletion = await eventually(
      () => okCalls('DeleteSnapshot')[n - 1],
      `the intermediate of R-${n} deleted`,
      40_000,
    );
    const intermediate = String(deletion.params.SnapshotId);
    await eventually(
      () =>
        okCalls('ModifySnapshotAttribute').some(
          (c) => c.params.SnapshotId === intermediate && c.params.OperationType === 'remove',
        ),
      'its share removed',
      5_000,
    ).catch(() => undefined);
    await children.killAll();
    const [hop1, hop2] = await copies(n);
    expect([hop1?.state, hop2?.state]).toEqual(['completed', 'completed']);
    expect(hop1!.newSnapshotId).toBe(intermediate);
    expect(sim.world.snapshot(intermediate)).toBeUndefined();
    expect(sim.world.snapshot(hop2!.newSnapshotId!)?.state).toBe('completed');
    expect(okCalls('CopySnapshot')).toHaveLength(copiesBefore + 2);
    // Each hop once: one CopySnapshot of R-<n> in prod (hop 1) and one in audit (hop 2).
    const mine = okCalls('CopySnapshot').filter(
      (c) => tagsOf(c.params)['snapshot-copy:request'] === `R-${n}`,
    );
    expect(mine.map((c) => c.accountId)).toEqual([prod, audit]);
    // Shared for hop 2, unshared before the deletion.
    const shares = okCalls('ModifySnapshotAttribute').filter((c) => c.params.SnapshotId === intermediate);
    expect(shares.map((c) => c.params.OperationType)).toEqual(['add', 'remove']);
    expect(shares[1]!.seq).toBeLessThan(deletion.seq);
    expect(okCalls('DeleteSnapshot').filter((c) => c.params.SnapshotId === intermediate)).toHaveLength(1);
  }

  it('makes each hop once after a kill right after AWS accepted the intermediate copy', async () => {
    await fileAndApprove(1);
    await eventually(() => okCalls('CopySnapshot').length === 1, 'hop 1 accepted by AWS', 20_000);
    await children.killAll();
    expect(okCalls('CopySnapshot')[0]).toMatchObject({
      accountId: prod,
      params: { KmsKeyId: 'alias/prod-ebs' },
    });

    await start();
    await endsClean(1, 0);
  }, 90_000);

  it('unshares and deletes the intermediate after a kill right after the final copy completed', async () => {
    await fileAndApprove(2);
    await eventually(() => okCalls('CopySnapshot').length === 4, 'hop 2 of R-2 accepted by AWS', 30_000);
    const final = okCalls('CopySnapshot')[3]!;
    expect(final.accountId).toBe(audit);
    // Killed the moment AWS has the final copy done: the bot has not recorded it yet, nor unshared.
    await eventually(
      () =>
        sim.world
          .ownedSnapshots(audit, 'us-west-2')
          .some((s) => s.state === 'completed' && s.tags.get('snapshot-copy:request') === 'R-2'),
      'the final copy of R-2 completed in AWS',
      20_000,
    );
    await children.killAll();
    expect(okCalls('DeleteSnapshot')).toHaveLength(1); // R-1's only
    const atKill = await copies(2);
    expect(atKill.map((c) => c.hop)).toEqual(['intermediate', 'final']);

    await start();
    await endsClean(2, 2);
  }, 90_000);
});
