/**
 * What Slack was told is accepted is never lost, and a lost CopySnapshot answer is never repeated
 * by the next process (SPEC §10). The bot runs as its own process on a SQLite file against the
 * simulator over HTTP; it is SIGKILLed right after Slack got the ack of a command and of an
 * Approve click, and between a CopySnapshot whose answer was lost and its lookup — then restarted
 * on the same file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
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
import type { Store } from '../../src/store/port.js';
import { click, clickPayload, responses, submitRejectForm } from '../integration/slack-actions.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import {
  APPROVER,
  type BotProcess,
  Children,
  copySnapshotCalls,
  duplicates,
  eventually,
  findCard,
  REQUESTER,
  resilienceConfigYaml,
  unsentMessages,
  withStore as withStoreAt,
  worldCopies,
  writeConfig,
} from './support.js';

describe('a bot killed with SIGKILL right after an ack, restarted on the same database', () => {
  const children = new Children();
  let sim: SimulatorHandle;
  let slack: SlackApiStandIn;
  let dir: string;
  let databaseUrl: string;
  let configPath: string;

  beforeAll(async () => {
    sim = await startSimulator({ world: demoWorld(), copyDuration: () => 800, keyFailureDelayMs: 300 });
    slack = await new SlackApiStandIn().start();
    dir = mkdtempSync(join(tmpdir(), 'scb-durable-'));
    databaseUrl = `sqlite:${join(dir, 'bot.db')}`;
    configPath = writeConfig(dir, resilienceConfigYaml());
  });

  afterAll(async () => {
    await children.killAll();
    await sim?.close();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => children.spawn({ dir, databaseUrl, configPath, sim, slack });

  const withStore = <T>(f: (store: Store) => Promise<T>) => withStoreAt(databaseUrl, f);

  const answered = (text: string) =>
    eventually(
      () => responses(slack).some((t) => t.includes(text)),
      `an answer saying "${text}"`,
      20_000,
      () => responses(slack).join('\n'),
    );

  /**
   * Keeps one Slack request unanswered (headers sent, body never finished): the bot lets the acks
   * of waiting Slack requests go before follow-up work, so what a click asks for waits (up to 2 s)
   * — long enough to kill the bot deterministically between the ack and the work.
   */
  function holdAckGate(bot: BotProcess): () => void {
    const socket = connect(bot.port, '127.0.0.1');
    // The kill resets this half-sent request: expected, not an error of the test.
    socket.on('error', () => {});
    socket.write(
      'POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\npayload=',
    );
    return () => socket.destroy();
  }

  it('files a command acknowledged just before the kill, and its receipt still reaches the requester', async () => {
    let bot = await start();
    // AWS is slow to describe the source: the kill lands while the filing waits for it.
    sim.setLatency({ DescribeSnapshots: 3_000 });
    const ack = await bot.send.command(
      `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`,
      REQUESTER,
      'C0OPS1',
    );
    expect(ack.status).toBe(200);
    expect(JSON.stringify(ack.json())).toContain('Checking the source snapshots');
    await bot.crash();

    const atCrash = await withStore(async (store) => ({
      request: await store.getRequest(1),
      open: await store.claimUnfinishedIntents({
        owner: 'test',
        now: new Date(),
        leaseMs: 1,
        limit: 10,
        ignoreLeases: true,
      }),
    }));
    expect(atCrash.request).toBeUndefined();
    expect(atCrash.open.map((i) => i.kind)).toEqual(['copy']);

    sim.setLatency({});
    bot = await start();
    await answered('Filed *R-1*');
    await eventually(() => findCard(slack, 1), 'the approval card of R-1', 20_000);
    expect(responses(slack).filter((t) => t.includes('Filed *R-1*'))).toHaveLength(1);
    // The next test clicks this card: the bot must have recorded it as posted before the kill, or
    // the restarted bot posts it anew and the old card's button rightly no longer counts.
    await eventually(
      async () => (await unsentMessages(bot)) === 0,
      'the outbox recorded what it sent',
      20_000,
    );
    await bot.crash();
    await withStore(async (store) => {
      expect((await store.getRequest(1))?.state).toBe('pending_approval');
      expect(
        await store.claimUnfinishedIntents({
          owner: 'test',
          now: new Date(),
          leaseMs: 1,
          limit: 10,
          ignoreLeases: true,
        }),
      ).toEqual([]);
    });
  }, 60_000);

  it('carries out an Approve acknowledged just before the kill: the copy is made once and the card loses its buttons', async () => {
    await children.killAll();
    let bot = await start();
    // R-1 from the test above waits for approval; the card was posted by the previous process.
    const card = await eventually(() => findCard(slack, 1), 'the approval card of R-1');
    const release = holdAckGate(bot);
    try {
      const res = await click(bot.send, card, APPROVER, 'approve_copy', 'R-1');
      expect(res.status).toBe(200);
      await bot.crash();
    } finally {
      release();
    }
    // Almost always still pending: the click's work waits behind the held ack gate. On a machine so
    // loaded that the kill lands after the gate's 2 s, the approval may have committed first; the
    // outcome after the restart must be the same either way (approved once, one copy).
    const atCrash = await withStore(async (store) => (await store.getRequest(1))?.state);
    expect(['pending_approval', 'approved', 'queued', 'copying']).toContain(atCrash);

    bot = await start();
    await answered('You approved R-1');
    await eventually(
      async () => (await fetch(`${bot.base}/healthz`)).ok && copySnapshotCalls(sim).size === 1,
      'the approved copy made',
      20_000,
    );
    await eventually(
      () =>
        slack.calls.some(
          (c) =>
            c.method === 'chat.update' &&
            c.args.channel === card.channel &&
            c.args.ts === card.ts &&
            !JSON.stringify(c.args.blocks ?? []).includes('approve_copy'),
        ),
      "the card's buttons replaced",
      20_000,
    );
    expect(duplicates(copySnapshotCalls(sim))).toEqual({});
  }, 60_000);

  it('makes one copy when a CopySnapshot answer is lost, the bot is killed and a new process carries on while DescribeSnapshots lags', async () => {
    await children.killAll();
    sim.clearCalls();
    // A new copy is listed 6 s after AWS made it, as DescribeSnapshots' eventual consistency allows.
    sim.setListingDelay(6_000);
    let bot = await start();
    await bot.send.command(`${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1`, REQUESTER, 'C0OPS2');
    await answered('Filed *R-2*');
    const card = await eventually(() => findCard(slack, 2), 'the approval card of R-2', 20_000);
    sim.dropNextCopyResponses(1);
    await click(bot.send, card, APPROVER, 'approve_copy', 'R-2');
    await eventually(
      () => sim.calls.some((c) => c.action === 'CopySnapshot' && !c.answered),
      'CopySnapshot made, its answer lost',
      20_000,
    );
    await bot.crash();

    bot = await start();
    await eventually(
      () =>
        slack.calls.some(
          (c) => c.method === 'chat.postMessage' && String(c.args.text).includes('R-2 completed'),
        ),
      'R-2 completed after the restart',
      45_000,
      () => bot.output().slice(-3000),
    );
    expect(copySnapshotCalls(sim).get(`${DEMO_SNAPSHOTS.prodWest} → ${DEMO_ACCOUNTS.prod}/us-east-1`)).toBe(
      1,
    );
    expect(duplicates(worldCopies(sim))).toEqual({});
    sim.setListingDelay(0);
  }, 90_000);

  it('carries out a reject form acknowledged just before the kill: rejected once, with its reason', async () => {
    await children.killAll();
    let bot = await start();
    await bot.send.command(`${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`, REQUESTER, 'C0OPS3');
    await answered('Filed *R-3*');
    const card = await eventually(() => findCard(slack, 3), 'the approval card of R-3', 20_000);
    const opened = slack.callsTo('views.open').length;
    await bot.send.interaction(clickPayload(card, APPROVER, 'reject_copy', 'R-3'));
    const form = await eventually(() => slack.callsTo('views.open')[opened], 'the reject form', 20_000);
    const release = holdAckGate(bot);
    try {
      expect(await submitRejectForm(bot.send, form, APPROVER, 'superseded by R-4')).toEqual({});
      await bot.crash();
    } finally {
      release();
    }
    await withStore(async (store) => {
      expect(['pending_approval', 'rejected']).toContain((await store.getRequest(3))?.state);
    });

    bot = await start();
    await answered('You rejected R-3');
    await eventually(
      () =>
        slack.calls.some(
          (c) =>
            c.method === 'chat.update' &&
            c.args.ts === card.ts &&
            JSON.stringify(c.args.blocks ?? []).includes('Reason: superseded by R-4'),
        ),
      'the card shows the reason',
      20_000,
    );
    expect(responses(slack).filter((t) => t.includes('You rejected R-3'))).toHaveLength(1);
  }, 60_000);
});
