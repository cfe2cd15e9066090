/**
 * Guarantee 1 (SPEC §10): a bot killed at any moment resumes where it was. The bot runs as its own
 * process (src/main.ts) on a SQLite file; it is SIGKILLed while requests wait for approval, copies
 * are queued, copying and left `starting` by a lost CopySnapshot answer, and Slack messages are
 * unsent because Slack answers 503 — then restarted on the same file, and killed once more mid-copy.
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
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import { click, responses } from '../integration/slack-actions.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import {
  APPROVER,
  type BotProcess,
  Children,
  copySnapshotCalls,
  duplicates,
  eventually,
  findCard,
  leasedKinds,
  leasedReplies,
  REQUESTER,
  repeated,
  resilienceConfigYaml,
  SlackFaults,
  unsentMessages,
  unsentRows,
  withLimit,
  withStore as withStoreAt,
  worldCopies,
  writeConfig,
} from './support.js';

const { prod, audit, staging } = DEMO_ACCOUNTS;
const GROUP = DEMO_SNAPSHOTS.dbCluster1;

describe('a bot killed with SIGKILL and restarted on the same database', () => {
  const children = new Children();
  let sim: SimulatorHandle;
  let slack: SlackApiStandIn;
  let faults: SlackFaults;
  let dir: string;
  let databaseUrl: string;
  let configPath: string;

  beforeAll(async () => {
    // The three db-cluster volumes (≥ 50 GiB) copy for 4 s, long enough to be killed mid-copy.
    sim = await startSimulator({
      world: demoWorld(),
      copyDuration: ({ sizeGiB }) => (sizeGiB >= 50 ? 4_000 : 800),
      keyFailureDelayMs: 300,
    });
    slack = await new SlackApiStandIn().start();
    faults = new SlackFaults(slack);
    dir = mkdtempSync(join(tmpdir(), 'scb-restart-'));
    databaseUrl = `sqlite:${join(dir, 'bot.db')}`;
    // One copy at a time into prod us-west-2, so the db-cluster group queues.
    configPath = writeConfig(dir, resilienceConfigYaml(withLimit('prod', 'us-west-2', 1)));
  });

  afterAll(async () => {
    await children.killAll();
    await sim?.close();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => children.spawn({ dir, databaseUrl, configPath, sim, slack });

  const withStore = <T>(f: (store: Store) => Promise<T>) => withStoreAt(databaseUrl, f);

  const dbPath = () => databaseUrl.slice('sqlite:'.length);

  async function file(bot: BotProcess, n: number, text: string, channel: string): Promise<void> {
    const ack = await bot.send.command(text, REQUESTER, channel);
    expect(ack.status).toBe(200);
    await eventually(
      () => responses(slack).some((t) => t.includes(`Filed *R-${n}*`)),
      `R-${n} filed`,
      15_000,
      () => responses(slack).join('\n'),
    );
  }

  async function approve(bot: BotProcess, n: number): Promise<void> {
    const card = await eventually(
      () => findCard(slack, n),
      `approval card of R-${n}`,
      20_000,
      () => unsentRows(dbPath()),
    );
    const res = await click(bot.send, card, APPROVER, 'approve_copy', `R-${n}`);
    expect(res.status).toBe(200);
    await eventually(
      () => responses(slack).some((t) => t.includes(`You approved R-${n}`)),
      `R-${n} approved`,
    );
  }

  const copyCallsFor = (sources: readonly string[]) =>
    sim.calls.filter(
      (c) =>
        c.action === 'CopySnapshot' &&
        c.outcome === 'ok' &&
        sources.includes(String(c.params.SourceSnapshotId)),
    );

  /**
   * Replies Slack had received while the killed bot's database still holds them unsent: the bot
   * died between Slack's answer and its own write. Slack has no idempotency key, so these — and
   * only these — may reach Slack a second time after the restart.
   */
  async function repliesCaughtByKill(): Promise<string[]> {
    const delivered = faults.deliveredReplies();
    const unsent = await leasedReplies(dbPath());
    return delivered.filter((d) => unsent.some((text) => d.endsWith(`: ${text}`)));
  }

  it('loses no request, starts queued copies, polls copies in flight, sends unsent messages once and copies nothing twice', async () => {
    let bot = await start();

    // three volumes into prod us-west-2 (limit 1: one copies, two queue).
    await file(bot, 1, `tag:Group=db-cluster-1 from us-east-1 to us-west-2`, 'C0OPS1');
    // left waiting for approval across the crash.
    await file(bot, 2, `${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1`, 'C0OPS2');
    // cross-account into audit; its CopySnapshot answer is lost, so it is `starting` at the crash.
    await file(
      bot,
      3,
      `${DEMO_SNAPSHOTS.customerKey} from us-east-1 to us-west-2 to-account audit`,
      'C0OPS3',
    );

    sim.dropNextCopyResponses(1);
    await approve(bot, 3);
    await eventually(
      () => sim.calls.some((c) => c.action === 'CopySnapshot' && !c.answered),
      'R-3 CopySnapshot made, answer lost',
    );
    await approve(bot, 1);
    await eventually(() => copyCallsFor(GROUP).length === 1, 'first R-1 copy started');

    // Slack goes down: from now on nothing the bot says reaches it.
    faults.fail(503);
    // R-4 is filed while Slack is down: its request message and card are stored, not sent.
    await file(
      bot,
      4,
      `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to eu-west-1 to-account staging`,
      'C0OPS4',
    );
    await new Promise((r) => setTimeout(r, 700));
    await bot.crash();
    const inFlightAtKills = await repliesCaughtByKill();

    // What the crash left behind, read from the database itself.
    const atCrash = await withStore(async (store) => ({
      states: Object.fromEntries(
        await Promise.all([1, 2, 3, 4].map(async (n) => [n, (await store.getRequest(n))?.state] as const)),
      ),
      r1: (await store.getCopies(1)).map((c) => c.state).sort(),
      r3: (await store.getCopies(3)).map((c) => c.state),
      r4Card: (await store.getRequest(4))?.approvalCard ?? null,
      unsent: await store.countUnsent(),
    }));
    expect(atCrash.states).toMatchObject({ 2: 'pending_approval', 4: 'pending_approval' });
    expect(atCrash.r1).toEqual(['copying', 'queued', 'queued']);
    // Not yet confirmed (queued again or `starting`) or already found by its tags (`copying`, and
    // with a copy this small, possibly `completed` before the kill).
    expect(atCrash.r3).toHaveLength(1);
    expect(['queued', 'starting', 'copying', 'completed']).toContain(atCrash.r3[0]);
    expect(atCrash.r4Card).toBeNull();
    expect(atCrash.unsent).toBeGreaterThan(0);

    // Slack is back; the bot restarts on the same file.
    faults.clear();
    bot = await start();
    await approve(bot, 2);
    await approve(bot, 4); // its card could only be posted after the restart

    // Killed once more while R-1's second volume copies; the third start must not repeat it.
    await eventually(() => copyCallsFor(GROUP).length >= 2, 'second R-1 copy started', 20_000);
    await bot.crash();
    inFlightAtKills.push(...(await repliesCaughtByKill()));
    bot = await start();

    const finished = (n: number) => faults.deliveredReplies().some((t) => t.includes(`R-${n} completed`));
    await eventually(
      () => [1, 2, 3, 4].every(finished),
      'every request completed and told in its thread',
      30_000,
      async () =>
        `${faults.deliveredReplies().join('\n')}\n--- unsent ---\n${await unsentRows(dbPath())}\n--- bot ---\n${bot.output().slice(-3000)}`,
    );
    // Updates enqueued after the last reply (request message, card, App Home) are sent too.
    await eventually(
      async () => (await unsentMessages(bot)) === 0,
      'outbox drained',
      20_000,
      () => unsentRows(dbPath()),
    );
    await bot.stop();

    const end = await withStore(async (store) => ({
      requests: await Promise.all([1, 2, 3, 4].map(async (n) => (await store.getRequest(n))?.state)),
      copies: (await Promise.all([1, 2, 3, 4].map((n) => store.getCopies(n)))).flat().map((c) => c.state),
      unsent: await store.countUnsent(),
    }));
    expect(end.requests).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(end.copies).toHaveLength(6);
    expect(end.copies.every((s) => s === 'completed')).toBe(true);
    expect(end.unsent).toBe(0);

    // Each (source, destination) copied exactly once: by CopySnapshot calls AWS acted on, and by copies made.
    const expected = [
      ...GROUP.map((s) => `${s} → ${prod}/us-west-2`),
      `${DEMO_SNAPSHOTS.prodWest} → ${prod}/us-east-1`,
      `${DEMO_SNAPSHOTS.customerKey} → ${audit}/us-west-2`,
      `${DEMO_SNAPSHOTS.unencrypted} → ${staging}/eu-west-1`,
    ].sort();
    expect(duplicates(copySnapshotCalls(sim))).toEqual({});
    expect(duplicates(worldCopies(sim))).toEqual({});
    expect([...worldCopies(sim).keys()].sort()).toEqual(expected);

    // Slack saw every message once: no repeated thread reply, request message or card — except that
    // a reply caught by a kill between Slack's answer and the database write may be seen twice.
    const repeatedReplies = repeated(faults.deliveredReplies()).filter(
      (r) => !(r.startsWith('2× ') && inFlightAtKills.includes(r.slice('2× '.length))),
    );
    expect(repeatedReplies).toEqual([]);
    expect(repeated(faults.deliveredPosts())).toEqual([]);
    const replies = [...new Set(faults.deliveredReplies())];
    expect(replies.filter((t) => t.includes('copy started as'))).toHaveLength(6);
    for (const n of [1, 2, 3, 4]) {
      expect(replies.filter((t) => t.includes(`R-${n} approved by`))).toHaveLength(1);
    }
    const posts = faults.deliveredPosts();
    expect(posts.filter((p) => p.startsWith('C0APPROVALS: R-'))).toHaveLength(4);
  }, 90_000);

  it('sends, soon after a restart, the messages a killed bot had claimed but not sent', async () => {
    // The state a SIGKILL leaves when it lands while the outbox holds a claimed message (leased,
    // so it also holds back its whole channel until the lease ends): made here on purpose.
    const standIn = await new SlackApiStandIn().start();
    const down = new SlackFaults(standIn);
    const url = `sqlite:${join(dir, 'leased.db')}`;
    try {
      down.fail(503);
      let bot = await children.spawn({ dir, databaseUrl: url, configPath, sim, slack: standIn });
      await bot.send.command(
        `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`,
        REQUESTER,
        'C0OPS9',
      );
      await eventually(
        () => standIn.callsTo('response_url').some((c) => String(c.args.text).includes('Filed *R-1*')),
        'R-1 filed',
      );
      await bot.crash();
      const store = await openStore(url);
      try {
        // Leased as a killed sender leaves them: whatever it had not leased itself when it died is
        // claimed here, once its retry (after the 503s) is due.
        const path = url.slice('sqlite:'.length);
        await eventually(
          async () => {
            await store.claimNextMessages({
              now: new Date(),
              owner: 'killed-bot',
              leaseMs: 60_000,
              limit: 50,
            });
            const leased = await leasedKinds(path);
            return leased.includes('card.post') && leased.includes('request.post');
          },
          'the request message and the card leased by a killed sender',
          30_000,
          () => unsentRows(path),
        );
      } finally {
        await store.close();
      }

      down.clear();
      bot = await children.spawn({ dir, databaseUrl: url, configPath, sim, slack: standIn });
      await eventually(
        () => findCard(standIn, 1),
        'R-1 card posted after the restart',
        10_000,
        () => unsentRows(url.slice('sqlite:'.length)),
      );
      await bot.stop();
    } finally {
      await children.killAll();
      await standIn.close();
    }
  }, 60_000);
});
