/**
 * 1. Acknowledgement latency: signed `/snapshot-copy` requests (help and full copy requests mixed)
 * against the bot in HTTP mode with the AWS simulator, beside a minimal Bolt app that only acks
 * (the floor), each server in a process of its own, driven by the same load generator. The bot
 * records every command's intent before its ack (SPEC §10): on SQLite, and on PostgreSQL when
 * `BENCH_DATABASE_URL` or `TEST_DATABASE_URL` names one (a schema of its own, dropped after).
 * A last row sends `help` alone, which records nothing: the cost of the bot's Bolt app by itself.
 * Beside the latencies: the CPU each command costs the machine until its ack (server, PostgreSQL,
 * load generator: with 50 always in flight on shared cores, the queue an ack waits in) and the
 * server's garbage-collection pauses per burst (each one stops every ack in flight).
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { DEMO_SNAPSHOTS, demoWorld, startSimulator } from '../src/simulator/index.js';
import { OPS_CHANNEL, REQUESTER, SIGNING_SECRET, testConfigYaml } from '../test/integration/harness.js';
import { SlackApiStandIn } from '../test/support/slack-api.js';
import { SlackSender } from '../test/support/slack-signed.js';
import { type ChildHandle, spawnBot, spawnChild } from './processes.js';
import { type Measurement, ms, pool, postgresCpuMs, type Row, summary } from './support.js';

export interface AckOptions {
  requests: number;
  concurrencies: number[];
  warmup: number;
  /** Rounds per concurrency; the median round is reported. */
  rounds: number;
  /** PostgreSQL to measure beside SQLite; unset: SQLite only. */
  postgresUrl?: string;
}

interface StoreUnderTest {
  label: string;
  databaseUrl?: string;
  dispose(): Promise<void>;
}

/** A schema of its own on the PostgreSQL server, named in the URL's search_path (the bot migrates it). */
async function postgresSchema(url: string): Promise<StoreUnderTest> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    label: 'PostgreSQL',
    databaseUrl: u.toString(),
    async dispose() {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

const ratioOf = (s: { bot: { p99: number }; floor: { p99: number } }) => s.bot.p99 / s.floor.p99;

/** Every other request asks for help; the rest are complete one-line copy requests of three shapes. */
export function commandText(i: number): string {
  if (i % 2 === 0) return 'help';
  switch ((i >> 1) % 3) {
    case 0:
      return `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2 note "bench ${i}" tag Team=sre`;
    case 1:
      return `tag:Group=db-cluster-1 from us-east-1 to us-west-2 encrypt within 2h`;
    default:
      return `${DEMO_SNAPSHOTS.customerKey} to us-west-2 to-account audit note "dr drill ${i}"`;
  }
}

interface Run {
  latencies: number[];
  /** From the end of the burst until the last copy request of it was filed (its answer sent). */
  drainMs: number;
  /** Inside the server: from each request's arrival to its response's last byte. */
  served: number[];
  /** Event-loop delay in the server and in this process (the load generator, simulator, stand-in). */
  loop: { server: { p99: number; max: number }; generator: { p99: number; max: number } };
  help: number[];
  copy: number[];
  failures: number;
  /** CPU time the server process used per request (user + system), its filings included. */
  cpuMsPerRequest: number;
  /** The same until the burst's last ack: what answering Slack costs, before the follow-up work. */
  ackCpuMsPerRequest: number;
  /** Until the last ack: CPU of this machine's PostgreSQL processes, and of the load generator's. */
  postgresAckCpuMsPerRequest: number;
  generatorAckCpuMsPerRequest: number;
  /** The server's garbage-collection pauses until the last ack: scavenges and full collections. */
  gc: { minor: Pauses; major: Pauses };
}

interface Pauses {
  count: number;
  ms: number;
  maxMs: number;
}

/** The concurrency the target is about; profiles are taken there. */
const HIGHEST = 50;

/** Answers that end a filing (the receipt or the problems replace the "Checking…" ack). */
const filingAnswers = (slack: SlackApiStandIn) =>
  slack.callsTo('response_url').filter((c) => c.args.replace_original === true).length;

/**
 * One burst of `n` commands, `concurrency` at a time. Filing happens after the ack; the next burst
 * starts only once this one's requests are all filed, so each burst meets an idle bot and its
 * figures are its own, not the previous burst's backlog.
 */
async function drive(
  server: ChildHandle,
  send: SlackSender,
  slack: SlackApiStandIn,
  n: number,
  concurrency: number,
  offset: number,
  /** The bot files copy requests after acking them; the floor only acks. */
  files: boolean,
  textOf: (i: number) => string = commandText,
): Promise<Run> {
  const filedBefore = filingAnswers(slack);
  let copies = 0;
  const run: Run = {
    latencies: [],
    help: [],
    copy: [],
    failures: 0,
    cpuMsPerRequest: 0,
    ackCpuMsPerRequest: 0,
    postgresAckCpuMsPerRequest: 0,
    generatorAckCpuMsPerRequest: 0,
    gc: { minor: { count: 0, ms: 0, maxMs: 0 }, major: { count: 0, ms: 0, maxMs: 0 } },
    drainMs: 0,
    served: [],
    loop: { server: { p99: 0, max: 0 }, generator: { p99: 0, max: 0 } },
  };
  const cpu = () => server.call<{ user: number; system: number }>('cpu');
  const loopDelay = () => server.call<{ p99: number; max: number }>('loopDelay');
  await server.call('serverTimes');
  const here = monitorEventLoopDelay({ resolution: 5 });
  await loopDelay();
  here.enable();
  const before = await cpu();
  const postgresBefore = postgresCpuMs();
  const generatorBefore = process.cpuUsage();
  const gcPauses = () => server.call<{ minor: Pauses; major: Pauses }>('gcPauses');
  await gcPauses();
  // BENCH_ACK_PROF=<dir>: a profile of each burst at the highest concurrency (child.ts).
  const profile = process.env.BENCH_ACK_PROF !== undefined && concurrency === HIGHEST;
  if (profile) await server.call('profileStart');
  await pool(n, concurrency, async (i) => {
    const text = textOf(offset + i);
    if (files && text !== 'help') copies++;
    const started = performance.now();
    try {
      const res = await send.command(text, REQUESTER, OPS_CHANNEL);
      const latency = performance.now() - started;
      run.latencies.push(latency);
      (text === 'help' ? run.help : run.copy).push(latency);
      if (res.status !== 200) run.failures++;
    } catch {
      run.failures++;
    }
  });
  here.disable();
  if (profile)
    await server.call('profileStop', {
      path: join(process.env.BENCH_ACK_PROF!, `${files ? 'bot' : 'floor'}-${offset}.cpuprofile`),
    });
  run.gc = await gcPauses();
  const generator = process.cpuUsage(generatorBefore);
  run.generatorAckCpuMsPerRequest = (generator.user + generator.system) / 1000 / n;
  run.postgresAckCpuMsPerRequest = (postgresCpuMs() - postgresBefore) / n;
  const acked = await cpu();
  run.ackCpuMsPerRequest = (acked.user - before.user + acked.system - before.system) / 1000 / n;
  run.loop = {
    server: await loopDelay(),
    generator: { p99: here.percentile(99) / 1e6, max: here.max / 1e6 },
  };
  const burstEnd = performance.now();
  // The filings are part of the work a command costs: CPU is counted until the last is answered.
  const drained = Date.now() + 120_000;
  while (filingAnswers(slack) < filedBefore + copies) {
    if (Date.now() > drained) throw new Error(`${copies} filings not answered within 120 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  run.drainMs = performance.now() - burstEnd;
  run.served = (await server.call<number[]>('serverTimes')).slice(0, n);
  const after = await cpu();
  run.cpuMsPerRequest = (after.user - before.user + after.system - before.system) / 1000 / n;
  return run;
}

export async function measureAck(o: AckOptions): Promise<Measurement> {
  const sim = await startSimulator({ world: demoWorld() });
  const slack = await new SlackApiStandIn().start();
  slack.userGroups.set('S0DRTEAM', ['U0GROUPMEMBER']);
  const dir = mkdtempSync(join(tmpdir(), 'scb-bench-ack-'));
  let bot: ChildHandle | undefined;
  let floor: ChildHandle | undefined;
  const stores: StoreUnderTest[] = [{ label: 'SQLite', dispose: async () => {} }];
  try {
    if (o.postgresUrl) stores.push(await postgresSchema(o.postgresUrl));
    floor = await spawnChild({ role: 'floor', slackUrl: slack.url, signingSecret: SIGNING_SECRET });
    const floorSender = new SlackSender(`http://127.0.0.1:${floor.port}`, SIGNING_SECRET, () =>
      slack.responseUrl(),
    );
    await drive(floor, floorSender, slack, o.warmup, 10, 1, false);
    const rows: Row[] = [];
    const details: Record<string, unknown> = { requests: o.requests, warmup: o.warmup, rounds: o.rounds };
    let offset = 1_000;
    for (const store of stores) {
      bot = await spawnBot({
        simUrl: sim.url,
        slackUrl: slack.url,
        signingSecret: SIGNING_SECRET,
        configYaml: testConfigYaml(),
        dbPath: join(dir, 'bot.db'),
        ...(store.databaseUrl ? { databaseUrl: store.databaseUrl } : {}),
      });
      const senders = {
        bot: new SlackSender(`http://127.0.0.1:${bot.port}`, SIGNING_SECRET, () => slack.responseUrl()),
        floor: floorSender,
      };
      // Warm the bot (JIT, connection pools, the first AssumeRole) before anything counts.
      await drive(bot, senders.bot, slack, o.warmup, 10, offset, true);
      offset += o.warmup;
      for (const c of o.concurrencies) {
        // Floor then bot, back to back, so both see the same machine load; several rounds, and the
        // median round reported, because one scheduling hiccup of a shared 2-core machine delays a
        // whole wave of 50 requests — more than the 1 % that p99 looks at.
        const rounds: Array<{ floor: Run; bot: Run }> = [];
        for (let r = 0; r < o.rounds; r++) {
          const floorRun = await drive(floor, senders.floor, slack, o.requests, c, offset, false);
          const botRun = await drive(bot, senders.bot, slack, o.requests, c, offset, true);
          offset += o.requests;
          rounds.push({ floor: floorRun, bot: botRun });
        }
        rows.push(...ackRows(o, store.label, c, rounds, details));
      }
      if (store.label === 'SQLite') rows.push(await helpOnlyRow(o, { floor, bot, senders, slack }, offset));
      await bot.stop();
      bot = undefined;
    }
    details.simulatorCalls = sim.calls.length;
    // What the commands cost Slack (the floor's none): answers, request messages, cards, home tabs.
    const slackCalls: Record<string, number> = {};
    for (const c of slack.calls) slackCalls[c.method] = (slackCalls[c.method] ?? 0) + 1;
    details.slackCalls = slackCalls;
    return { name: 'ack', rows, details };
  } finally {
    await bot?.stop();
    await floor?.stop();
    for (const store of stores) await store.dispose();
    await sim.close();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same bursts of `help` alone, which the bot answers in its ack without recording an intent or
 * filing anything: what the bot's Bolt app costs an ack before any work of its own, beside the
 * floor. The rest of the ratio above it is the intent's write and the filings after the acks.
 */
async function helpOnlyRow(
  o: AckOptions,
  run: {
    floor: ChildHandle;
    bot: ChildHandle;
    senders: { floor: SlackSender; bot: SlackSender };
    slack: SlackApiStandIn;
  },
  offset: number,
): Promise<Row> {
  const c = Math.max(...o.concurrencies);
  const ratios: Array<{ bot: number; floor: number }> = [];
  for (let r = 0; r < o.rounds; r++) {
    const help = () => 'help';
    const floorRun = await drive(run.floor, run.senders.floor, run.slack, o.requests, c, offset, false, help);
    const botRun = await drive(run.bot, run.senders.bot, run.slack, o.requests, c, offset, false, help);
    ratios.push({ bot: summary(botRun.latencies).p99, floor: summary(floorRun.latencies).p99 });
  }
  ratios.sort((x, y) => x.bot / x.floor - y.bot / y.floor);
  const mid = ratios[Math.floor(ratios.length / 2)]!;
  return {
    figure: `ack p99, ${o.requests} help commands @${c} (no intent, no filing), SQLite (median of ${o.rounds})`,
    value: ms(mid.bot),
    reference: `floor ${ms(mid.floor)}`,
    ratio: mid.bot / mid.floor,
    target: '-',
    pass: null,
  };
}

/** The figures of one store at one concurrency, from its median round (details keep every round). */
function ackRows(
  o: AckOptions,
  store: string,
  c: number,
  rounds: Array<{ floor: Run; bot: Run }>,
  details: Record<string, unknown>,
): Row[] {
  const stats = rounds.map((r) => ({
    bot: summary(r.bot.latencies),
    floor: summary(r.floor.latencies),
    botServed: summary(r.bot.served),
    floorServed: summary(r.floor.served),
  }));
  // The round whose bot/floor p99 ratio is the median of the rounds.
  const order = stats.map((_, i) => i).sort((x, y) => ratioOf(stats[x]!) - ratioOf(stats[y]!));
  const mid = order[Math.floor(order.length / 2)]!;
  const { bot: b, floor: f, botServed, floorServed } = stats[mid]!;
  const failures = rounds.reduce((n, r) => n + r.bot.failures + r.floor.failures, 0);
  details[`${store}@${c}`] = rounds.map((r, i) => ({
    bot: {
      ...stats[i]!.bot,
      // Which kind of command the tail is made of: `help` is answered without a database write.
      helpP99: summary(r.bot.help).p99,
      copyP99: summary(r.bot.copy).p99,
      failures: r.bot.failures,
      served: stats[i]!.botServed,
      eventLoopDelayMs: r.bot.loop,
      filedAllAfterBurstMs: r.bot.drainMs,
      cpuMsPerCommand: r.bot.cpuMsPerRequest,
      ackCpuMsPerCommand: r.bot.ackCpuMsPerRequest,
      postgresAckCpuMsPerCommand: r.bot.postgresAckCpuMsPerRequest,
      generatorAckCpuMsPerCommand: r.bot.generatorAckCpuMsPerRequest,
      gcPausesUntilAcked: r.bot.gc,
    },
    floor: {
      ...stats[i]!.floor,
      failures: r.floor.failures,
      served: stats[i]!.floorServed,
      eventLoopDelayMs: r.floor.loop,
      cpuMsPerCommand: r.floor.cpuMsPerRequest,
      ackCpuMsPerCommand: r.floor.ackCpuMsPerRequest,
      postgresAckCpuMsPerCommand: r.floor.postgresAckCpuMsPerRequest,
      generatorAckCpuMsPerCommand: r.floor.generatorAckCpuMsPerRequest,
      gcPausesUntilAcked: r.floor.gc,
    },
    reported: i === mid,
  }));
  const botRun = rounds[mid]!.bot;
  const floorRun = rounds[mid]!.floor;
  const maxBot = Math.max(...stats.map((x) => x.bot.max));
  const maxFloor = Math.max(...stats.map((x) => x.floor.max));
  const rows: Row[] = [];
  if (c === o.concurrencies[0])
    rows.push({
      figure: `server CPU per command, ${store}`,
      value: ms(botRun.cpuMsPerRequest),
      reference: `floor ${ms(floorRun.cpuMsPerRequest)}`,
      ratio: botRun.cpuMsPerRequest / floorRun.cpuMsPerRequest,
      target: '-',
      pass: null,
    });
  if (c === o.concurrencies[0])
    rows.push({
      figure: `server CPU per command until acked, ${store}`,
      value: ms(botRun.ackCpuMsPerRequest),
      reference: `floor ${ms(floorRun.ackCpuMsPerRequest)}`,
      ratio: botRun.ackCpuMsPerRequest / floorRun.ackCpuMsPerRequest,
      target: '-',
      pass: null,
    });
  // With `c` requests always in flight, the machine's cores are the queue: an ack's latency follows
  // the CPU that every process on them spends per request — server, database and load generator.
  const machine = (r: Run) =>
    r.ackCpuMsPerRequest + r.postgresAckCpuMsPerRequest + r.generatorAckCpuMsPerRequest;
  const parts = (r: Run) =>
    `server ${ms(r.ackCpuMsPerRequest)}, PostgreSQL ${ms(r.postgresAckCpuMsPerRequest)}, generator ${ms(r.generatorAckCpuMsPerRequest)}`;
  // A pause stops every one of the `c` acks in flight: at 50, one of 10 ms is in the p99 of 500.
  const pauses = (r: Run) => r.gc.minor.ms + r.gc.major.ms;
  const pauseDetail = (r: Run) =>
    `${r.gc.minor.count} scavenges, ${r.gc.major.count} full; longest ${ms(Math.max(r.gc.minor.maxMs, r.gc.major.maxMs))}`;
  rows.push(
    {
      figure: `machine CPU per command until acked @${c}, ${store}`,
      value: `${ms(machine(botRun))} (${parts(botRun)})`,
      reference: `floor ${ms(machine(floorRun))} (${parts(floorRun)})`,
      ratio: machine(botRun) / machine(floorRun),
      target: '-',
      pass: null,
    },
    {
      figure: `GC pauses of the server per burst of ${o.requests} @${c}, ${store}`,
      value: `${ms(pauses(botRun))} (${pauseDetail(botRun)})`,
      reference: `floor ${ms(pauses(floorRun))} (${pauseDetail(floorRun)})`,
      ratio: pauses(botRun) / pauses(floorRun),
      target: '-',
      pass: null,
    },
  );
  rows.push(
    {
      figure: `ack p50, ${o.requests} cmds @${c}, ${store}`,
      value: ms(b.p50),
      reference: `floor ${ms(f.p50)}`,
      ratio: b.p50 / f.p50,
      target: '-',
      pass: null,
    },
    {
      figure: `ack p99, ${o.requests} cmds @${c}, ${store} (median of ${o.rounds})`,
      value: ms(b.p99),
      reference: `floor ${ms(f.p99)}`,
      ratio: b.p99 / f.p99,
      target: '<= 1.5x floor',
      pass: b.p99 <= 1.5 * f.p99 && failures === 0,
    },
    {
      figure: `ack p99 inside the server @${c}, ${store}`,
      value: ms(botServed.p99),
      reference: `floor ${ms(floorServed.p99)}`,
      ratio: botServed.p99 / floorServed.p99,
      target: '-',
      pass: null,
    },
    {
      figure: `ack max, ${o.requests} cmds @${c}, ${store} (all rounds)`,
      value: ms(maxBot),
      reference: `floor ${ms(maxFloor)}`,
      ratio: maxBot / maxFloor,
      target: '< 3000 ms (Slack)',
      pass: stats.every((x) => x.bot.max < 3_000) && failures === 0,
    },
    {
      figure: `all ${o.requests / 2} copy requests filed, after the burst @${c}, ${store}`,
      value: ms(botRun.drainMs),
      reference: 'filing follows the ack',
      ratio: null,
      target: '-',
      pass: null,
    },
  );
  return rows;
}
