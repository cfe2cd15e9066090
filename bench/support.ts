/**
 * Shared helpers of `npm run bench`: starting the bot against the AWS simulator and the Slack
 * stand-in, building worlds and configs, statistics and the result rows.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBot, startBot } from '../src/bot.js';
import { readEnv } from '../src/config/env.js';
import { parseConfigText } from '../src/config/load.js';
import type { BotConfig } from '../src/config/schema.js';
import { createLogger } from '../src/observability/log.js';
import {
  type CopyDurationModel,
  SANDBOX_IDENTITY,
  type SimClock,
  type SimulatorHandle,
  type SimulatorOptions,
  startSimulator,
  WorldBuilder,
  type WorldSpec,
} from '../src/simulator/index.js';
import { seededRandom } from '../src/simulator/rng.js';
import { SIGNING_SECRET } from '../test/integration/harness.js';
import { SlackApiStandIn } from '../test/support/slack-api.js';
import { SlackSender } from '../test/support/slack-signed.js';
import { type BenchAccount, FLEET_SOURCE_REGION, fleetAccounts, ROLE_NAME } from './fleet.js';

export const TOOLS_ACCOUNT = SANDBOX_IDENTITY.accountId;

export * from './fleet.js';

// ---------------------------------------------------------------------------------------------
// Results

export interface Row {
  figure: string;
  value: string;
  reference: string;
  /** value ÷ reference where that means something; null otherwise. */
  ratio: number | null;
  target: string;
  pass: boolean | null;
}

export interface Measurement {
  name: string;
  rows: Row[];
  /** Raw numbers for results.json. */
  details: Record<string, unknown>;
  /** Product problems the measurement revealed, in words. */
  findings?: string[];
}

export const ms = (x: number): string => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const min = (millis: number): string => `${(millis / 60_000).toFixed(1)} min`;

// ---------------------------------------------------------------------------------------------
// Statistics

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: p99 of 500 samples is the 495th smallest.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function summary(values: readonly number[]): { n: number; p50: number; p99: number; max: number } {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** A deterministic PRNG (the simulator's mulberry32), so every run measures the same workload. */
export const rng = seededRandom;

/** Runs `task(i)` for i in [0, n) with at most `concurrency` at once. */
export async function pool(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}

/**
 * CPU time (ms, user + system) that this machine's PostgreSQL processes have used since they
 * started, read from /proc (Linux; 0 elsewhere). Backends that exited in between are missed, which
 * the bench's pooled connections rarely do. Resolution: one clock tick (10 ms) per process.
 */
export function postgresCpuMs(): number {
  let ticks = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces; the fields after it are fixed.
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone since the listing.
    }
  }
  return ticks * 10;
}

export const sleep = (millis: number) => new Promise<void>((r) => setTimeout(r, millis));

/** Polls until `check` is truthy or `timeoutMs` passes; returns whether it held. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Worlds and configuration

/** The simulated world of those accounts: the bot's identity, a role per account, no snapshots yet. */
export function benchWorld(accounts: BenchAccount[], copyLimit: number): WorldBuilder {
  const b = new WorldBuilder().identity(SANDBOX_IDENTITY).account(TOOLS_ACCOUNT, { alias: 'tools' });
  for (const a of accounts) {
    b.account(a.id, { alias: a.alias, role: { name: ROLE_NAME, trustedPrincipals: [SANDBOX_IDENTITY.arn] } });
  }
  return b.copyLimit(copyLimit);
}

// ---------------------------------------------------------------------------------------------
// The bot under measurement

export interface BenchBotOptions {
  world: WorldSpec;
  configYaml: string;
  /** Virtual time: the simulator and the bot both read it. Unset: the real clock. */
  clock?: SimClock;
  copyDuration?: CopyDurationModel;
  simulator?: Partial<Omit<SimulatorOptions, 'world' | 'now' | 'copyDuration'>>;
  pollIntervalMs?: number;
  /** Unset: the bot's default pacing (1 s per channel). */
  slackChannelIntervalMs?: number;
}

export interface BenchBot {
  sim: SimulatorHandle;
  slack: SlackApiStandIn;
  bot: RunningBot;
  config: BotConfig;
  send: SlackSender;
  now: () => Date;
  /** Stops the bot and starts a new one on the same database, simulator and stand-in. */
  restart(o: {
    slackChannelIntervalMs?: number;
    pollIntervalMs?: number;
    /** Added to the bot's clock (e.g. to step past the stopped process's outbox leases). */
    clockOffsetMs?: number;
  }): Promise<void>;
  close(): Promise<void>;
}

/** Silent logs; signed Slack requests; SQLite in a temporary directory; AWS at the simulator's endpoint. */
export async function startBenchBot(o: BenchBotOptions): Promise<BenchBot> {
  const clock = o.clock;
  const sim = await startSimulator({
    world: o.world,
    ...(clock ? { now: clock.now } : {}),
    ...(o.copyDuration ? { copyDuration: o.copyDuration } : {}),
    ...o.simulator,
  });
  const slack = await new SlackApiStandIn().start();
  slack.userGroups.set('S0DRTEAM', ['U0GROUPMEMBER']);
  const dir = mkdtempSync(join(tmpdir(), 'scb-bench-'));
  const env = readEnv({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'bot.db')}`,
    SNAPSHOT_COPY_CONFIG: join(dir, 'unused.yml'),
    LOG_LEVEL: 'silent',
  });
  const config = parseConfigText(o.configYaml, 'bench config');
  const now = clock ? () => new Date(clock.now()) : () => new Date();
  const launch = (l: { now: () => Date; pollIntervalMs?: number; slackChannelIntervalMs?: number }) =>
    startBot({
      env,
      config,
      log: createLogger({ level: 'silent' }),
      now: l.now,
      awsEndpoint: sim.url,
      awsCredentials: async () => ({
        accessKeyId: SANDBOX_IDENTITY.accessKeyId,
        secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
      }),
      ...(l.pollIntervalMs !== undefined ? { pollIntervalMs: l.pollIntervalMs } : {}),
      ...(l.slackChannelIntervalMs !== undefined ? { slackChannelIntervalMs: l.slackChannelIntervalMs } : {}),
    });
  const sender = (b: RunningBot) =>
    new SlackSender(`http://127.0.0.1:${b.port}`, SIGNING_SECRET, () => slack.responseUrl());
  const bot = await launch({
    now,
    ...(o.pollIntervalMs !== undefined ? { pollIntervalMs: o.pollIntervalMs } : {}),
    ...(o.slackChannelIntervalMs !== undefined ? { slackChannelIntervalMs: o.slackChannelIntervalMs } : {}),
  });
  const handle: BenchBot = {
    sim,
    slack,
    bot,
    config,
    send: sender(bot),
    now,
    async restart(r) {
      await handle.bot.stop();
      const offset = r.clockOffsetMs ?? 0;
      handle.bot = await launch({
        now: () => new Date(now().getTime() + offset),
        ...(r.pollIntervalMs !== undefined ? { pollIntervalMs: r.pollIntervalMs } : {}),
        ...(r.slackChannelIntervalMs !== undefined
          ? { slackChannelIntervalMs: r.slackChannelIntervalMs }
          : {}),
      });
      handle.send = sender(handle.bot);
    },
    async close() {
      await handle.bot.stop();
      await sim.close();
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** setTimeout's ceiling: a larger delay fires at once. The engine's own timer must never fire. */
export const NEVER_MS = 2_000_000_000;

/** Peak number of overlapping [start, end) intervals. */
export function peakOverlap(intervals: ReadonlyArray<{ start: number; end: number }>): number {
  const events: Array<[number, number]> = [];
  for (const i of intervals) events.push([i.start, 1], [i.end, -1]);
  // Ends before starts at the same instant: a slot freed and refilled at once is not an overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let peak = 0;
  for (const [, d] of events) {
    cur += d;
    peak = Math.max(peak, cur);
  }
  return peak;
}

// ---------------------------------------------------------------------------------------------
// The fleet of the economy and footprint measurements: 1,000 copies over 10 (account, Region) pairs

/** `snapshotsPerAccount` source snapshots per account; each is copied to every destination Region. */
export function fleetWorld(snapshotsPerAccount: number): WorldSpec {
  // Every snapshot goes to every destination Region: a pair holds `snapshotsPerAccount` copies at once.
  const b = benchWorld(fleetAccounts(), snapshotsPerAccount);
  for (const a of fleetAccounts())
    b.volumeSnapshots(a.id, FLEET_SOURCE_REGION, snapshotsPerAccount, { sizeGiB: 64 });
  return b.build();
}
