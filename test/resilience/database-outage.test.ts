/**
 * Guarantee 4, the database part: PostgreSQL goes away for a moment (a TCP gate in front of it
 * cuts every connection and refuses new ones). The bot — its own process, src/main.ts — must keep
 * running, answer /healthz 503 and then 200 again, and lose nothing: the copy in flight completes,
 * a copy whose CopySnapshot answer arrived as the database went away is recorded, nothing is
 * copied twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CallRecord,
  DEMO_SNAPSHOTS,
  demoWorld,
  type SimulatorHandle,
  startSimulator,
} from '../../src/simulator/index.js';
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
  freshSchema,
  REQUESTER,
  resilienceConfigYaml,
  sleep,
  withSearchPath,
  worldCopies,
  writeConfig,
} from './support.js';

const OPS_CHANNEL = 'C0OPS';

/** A TCP gate in front of PostgreSQL: `cut()` kills every connection and refuses new ones until `restore()`. */
class DbGate {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private open = true;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const pgUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(pgUrl === undefined)(
  'PostgreSQL going away for a moment (needs TEST_DATABASE_URL=postgres://…, e.g. postgres://postgres@127.0.0.1:5432/test)',
  () => {
    const children = new Children();
    let gate: DbGate;
    let admin: pg.Client;
    let sim: SimulatorHandle;
    let slack: SlackApiStandIn;
    let dir: string;
    let schema: string;
    let bot: BotProcess;

    beforeEach(async () => {
      admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      ({ schema } = await freshSchema(admin, pgUrl!));
      const target = new URL(pgUrl!);
      gate = new DbGate({ host: target.hostname, port: Number(target.port || 5432) });
      const through = new URL(pgUrl!);
      through.port = String(await gate.start());
      sim = await startSimulator({ world: demoWorld(), copyDuration: () => 2_000, keyFailureDelayMs: 300 });
      slack = await new SlackApiStandIn().start();
      dir = mkdtempSync(join(tmpdir(), 'scb-dbgate-'));
      const configPath = writeConfig(dir, resilienceConfigYaml());
      bot = await children.spawn({
        dir,
        databaseUrl: withSearchPath(through.toString(), schema),
        configPath,
        sim,
        slack,
      });
    });
    afterEach(async () => {
      await children.killAll();
      await gate.close();
      await sim.close();
      await slack.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    });

    /** 0 when nothing answers (the process is gone). */
    const health = async () => (await fetch(`${bot.base}/healthz`).catch(() => undefined))?.status ?? 0;
    const alive = () => bot.child.exitCode === null && bot.child.signalCode === null;

    async function fileAndApproveVia(n: number, text: string): Promise<void> {
      await bot.send.command(text, REQUESTER, OPS_CHANNEL);
      await eventually(
        () => responses(slack).some((t) => t.includes(`Filed *R-${n}*`)),
        `R-${n} filed`,
        15_000,
        () => [...responses(slack), bot.output().slice(-2000)].join('\n'),
      );
      const card = await eventually(() => findCard(slack, n), `card of R-${n}`);
      await click(bot.send, card, APPROVER, 'approve_copy', `R-${n}`);
    }

    const told = (text: string) => () =>
      slack.callsTo('chat.postMessage').some((c) => String(c.args.text).includes(text));
    /** What a timed-out wait prints: the messages Slack got, then the end of the bot's log. */
    const story = () =>
      [
        ...slack
          .callsTo('chat.postMessage')
          .map((c) => `${c.args.channel}: ${String(c.args.text).slice(0, 160)}`),
        bot.output().slice(-4000),
      ].join('\n');

    it('keeps running, answers /healthz 503 then 200, and finishes the copy in flight', async () => {
      expect(await health()).toBe(200);
      await fileAndApproveVia(1, `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`);
      await eventually(told('copy started as'), 'copy started', 15_000, story);

      gate.cut();
      await eventually(
        async () => (await health()) === 503,
        '/healthz 503 while the database is away',
        10_000,
      );
      await sleep(2_500); // the copy completes in AWS meanwhile; polls and sends fail
      expect(alive(), `the bot process died while the database was away:\n${bot.output().slice(-1500)}`).toBe(
        true,
      );
      gate.restore();
      await eventually(
        async () => alive() && (await health()) === 200,
        '/healthz 200 again',
        15_000,
        () => bot.output().slice(-3000),
      );
      expect(alive()).toBe(true);

      await eventually(told('R-1 completed'), 'R-1 completed after the outage', 20_000, () =>
        bot.output().slice(-3000),
      );
      expect(duplicates(copySnapshotCalls(sim))).toEqual({});
      expect(worldCopies(sim).size).toBe(1);
      // And new work is taken: a second request goes through.
      await fileAndApproveVia(2, `${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1`);
      await eventually(told('R-2 completed'), 'R-2 completed', 20_000, story);
      expect(alive()).toBe(true);
    }, 60_000);

    it('says in the ack that nothing was done when a command or a click cannot be recorded', async () => {
      await bot.send.command(
        `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`,
        REQUESTER,
        OPS_CHANNEL,
      );
      const card = await eventually(() => findCard(slack, 1), 'card of R-1', 15_000, story);
      gate.cut();
      await eventually(
        async () => (await health()) === 503,
        '/healthz 503 while the database is away',
        10_000,
      );

      const started = performance.now();
      const command = await bot.send.command(
        `${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1`,
        REQUESTER,
        OPS_CHANNEL,
      );
      expect(performance.now() - started).toBeLessThan(3_000); // inside Slack's ack deadline
      expect(command.status).toBe(200);
      expect(String((command.json() as { text?: string } | undefined)?.text)).toContain(
        'cannot record that right now',
      );
      await click(bot.send, card, APPROVER, 'approve_copy', 'R-1');
      await eventually(
        () => responses(slack).some((t) => t.includes('decision could not be recorded')),
        'the click told it was not recorded',
        10_000,
        () => responses(slack).join('\n'),
      );

      gate.restore();
      await eventually(async () => alive() && (await health()) === 200, '/healthz 200 again', 15_000);
      await sleep(1_500); // a tick: nothing recorded, so nothing is carried out late
      const requests = await admin.query(`select n, state from ${schema}.requests order by n`);
      expect(requests.rows).toEqual([{ n: 1, state: 'pending_approval' }]);
      expect(copySnapshotCalls(sim).size).toBe(0);
    }, 60_000);

    it('records a copy whose CopySnapshot answer arrived just as the database went away', async () => {
      // The database goes away the moment AWS has answered CopySnapshot, before the bot records it.
      const calls = sim.calls as CallRecord[];
      const push = calls.push.bind(calls);
      calls.push = (...records: CallRecord[]) => {
        const n = push(...records);
        for (const r of records) queueMicrotask(() => r.action === 'CopySnapshot' && !r.dryRun && gate.cut());
        return n;
      };
      await fileAndApproveVia(1, `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`);
      await eventually(() => copySnapshotCalls(sim).size === 1, 'CopySnapshot made', 15_000, story);
      await sleep(1_500);
      expect(alive(), `the bot process died while the database was away:\n${bot.output().slice(-1500)}`).toBe(
        true,
      );
      gate.restore();
      await eventually(
        async () => alive() && (await health()) === 200,
        '/healthz 200 again',
        15_000,
        () => bot.output().slice(-3000),
      );
      // The copy AWS is making must not be lost (left `starting`, it is taken over only after
      // orphanAfterMs = 10 minutes on PostgreSQL), nor made twice.
      await eventually(told('R-1 completed'), 'R-1 completed after the outage', 20_000, async () => {
        const r = await admin.query(`select id, state, attempts, claimed_at from ${schema}.copies`);
        return `${JSON.stringify(r.rows)}\n${bot.output().slice(-2000)}`;
      });
      expect(duplicates(copySnapshotCalls(sim))).toEqual({});
      expect(worldCopies(sim).size).toBe(1);
    }, 60_000);
  },
);
