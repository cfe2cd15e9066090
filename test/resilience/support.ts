/**
 * Shared pieces of the resilience tests: the bot as a child process (exactly as `npm start` runs
 * it, against the simulator over HTTP and the Slack stand-in), and the counters the guarantees are
 * judged by (CopySnapshot calls and copies per source and destination, Slack deliveries by text).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { demoConfigYaml, SANDBOX_IDENTITY, type SimulatorHandle } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import type { SlackApiStandIn, SlackCall } from '../support/slack-api.js';
import { SlackSender } from '../support/slack-signed.js';

export const BOT_TOKEN = 'xoxb-resilience-token';
export const SIGNING_SECRET = 'resilience-signing-secret';
export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER1';
export const APPROVALS_CHANNEL = 'C0APPROVALS';

/** The demo config with a separate approver, no self-approval, a 1 s poll, plus `edit`. */
export function resilienceConfigYaml(edit: (yaml: string) => string = (y) => y): string {
  const yaml = demoConfigYaml()
    .replace('allowSelfApproval: true', 'allowSelfApproval: false')
    .replace(/polling:\n {2}intervalSeconds: \d+/, 'polling:\n  intervalSeconds: 1')
    // Reports and DR policies are not what these tests are about; their crons only add noise.
    .replace(/reports:\n(?: {2}- .*\n)+/, 'reports: []\n')
    .replace(/drPolicies:\n[\s\S]*$/, 'drPolicies: []\n');
  return edit(yaml);
}

/** Adds a per-destination limit to the demo config's `limits.overrides`. */
export function withLimit(account: string, region: string, limit: number): (yaml: string) => string {
  return (yaml) =>
    yaml.replace(
      /overrides:\n/,
      `overrides:\n    - { account: ${account}, region: ${region}, concurrentCopies: ${limit} }\n`,
    );
}

export function writeConfig(dir: string, yaml: string): string {
  const path = join(dir, 'snapshot-copy.yml');
  writeFileSync(path, yaml);
  return path;
}

export interface BotProcess {
  child: ChildProcess;
  port: number;
  base: string;
  send: SlackSender;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGKILL (no shutdown code runs) and wait for the exit. */
  crash(): Promise<void>;
  /** SIGTERM (graceful) and wait for the exit. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  dir: string;
  databaseUrl: string;
  configPath: string;
  sim: SimulatorHandle;
  slack: SlackApiStandIn;
  env?: Record<string, string>;
  /** What node runs (default `--import tsx src/main.ts`); e.g. the production bundle and its flags. */
  nodeArgs?: string[];
}

/** Every child started by a test file; `killAll()` in afterEach/afterAll leaves none behind. */
export class Children {
  private readonly running = new Set<BotProcess>();

  async spawn(o: SpawnOptions): Promise<BotProcess> {
    const bot = await spawnBot(o, () => this.running.delete(bot));
    this.running.add(bot);
    return bot;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.running].map((b) => b.crash()));
    this.running.clear();
  }
}

/**
 * Runs src/main.ts with `node --import tsx` from the project root, as test/integration/main.test.ts
 * does (or `nodeArgs`).
 */
async function spawnBot(o: SpawnOptions, onExit: () => void): Promise<BotProcess> {
  const args = o.nodeArgs ?? ['--import', 'tsx', join(process.cwd(), 'src/main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: o.dir,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: o.slack.url,
      PORT: '0',
      LOG_LEVEL: 'info',
      DATABASE_URL: o.databaseUrl,
      SNAPSHOT_COPY_CONFIG: o.configPath,
      // Real-AWS mode (SNAPSHOT_COPY_AWS unset): the SDK reads the standard endpoint variables itself.
      ...o.sim.endpointEnv(),
      AWS_ACCESS_KEY_ID: SANDBOX_IDENTITY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SANDBOX_IDENTITY.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      onExit();
      resolve(code);
    }),
  );
  const output = () => out;
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const crash = async () => {
    if (!gone()) child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  let port: number | undefined;
  while (port === undefined) {
    const m = /"port":(\d+),"mode"/.exec(out);
    if (m) port = Number(m[1]);
    else if (gone() || Date.now() > deadline) {
      await crash();
      throw new Error(`the bot did not start:\n${out}`);
    } else await sleep(50);
  }
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    port,
    base,
    send: new SlackSender(base, SIGNING_SECRET, () => o.slack.responseUrl()),
    output,
    exited,
    crash,
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A fresh schema of the PostgreSQL database at `url`, for one test (or run) to itself: the URL can
 * name a schema only through search_path, and the store creates one only when given
 * `{ postgres: { schema } }`, so it is created here first.
 */
export async function freshSchema(
  admin: pg.Client,
  url: string,
  prefix = 'resilience',
): Promise<{ schema: string; databaseUrl: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  await admin.query(`create schema ${schema}`);
  return {
    schema,
    databaseUrl: withSearchPath(url, schema),
    drop: async () => {
      await admin.query(`drop schema if exists ${schema} cascade`);
    },
  };
}

/** `url` with `schema` as its search_path (DATABASE_URL's way of naming a schema). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined/false), or fails naming `what`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
  describeState: () => string | Promise<string> = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}\n${await describeState()}`);
    await sleep(50);
  }
}

/** `snap-… → account/region`, the identity of one copy. */
export type CopyKey = string;
const key = (source: string, accountId: string | undefined, region: string): CopyKey =>
  `${source} → ${accountId ?? '?'}/${region}`;

function countBy<T>(items: T[], f: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(f(i), (m.get(f(i)) ?? 0) + 1);
  return m;
}

/** CopySnapshot calls AWS acted on (ok, answered or not), per source and destination. */
export function copySnapshotCalls(sim: SimulatorHandle): Map<CopyKey, number> {
  return countBy(
    sim.calls.filter((c) => c.action === 'CopySnapshot' && c.outcome === 'ok'),
    (c) => key(String(c.params.SourceSnapshotId), c.accountId, c.region),
  );
}

/** Snapshots the simulator made by CopySnapshot, per source and destination. */
export function worldCopies(sim: SimulatorHandle): Map<CopyKey, number> {
  return countBy(sim.world.copies(), (c) =>
    key(c.sourceSnapshotId, c.destinationAccountId, c.destinationRegion),
  );
}

/** Entries seen more than once: `{}` when every copy was made once. */
export function duplicates(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].filter(([, n]) => n > 1));
}

/**
 * Scripted Slack failures that remember which calls they answered: only the other calls were
 * delivered (Slack shows a message only when it answered ok).
 */
export class SlackFaults {
  readonly failed = new Set<SlackCall>();
  private remove: (() => void) | undefined;

  constructor(private readonly slack: SlackApiStandIn) {}

  /** Answer chat.* calls (and views) with `status` until `clear()`. */
  fail(
    status: number,
    headers: Record<string, string> = {},
    methods = /^(chat\.|views\.|conversations\.)/,
  ): void {
    this.clear();
    this.remove = this.slack.respond((call) => {
      if (!methods.test(call.method)) return undefined;
      this.failed.add(call);
      return {
        status,
        headers,
        body: { ok: false, error: status === 429 ? 'ratelimited' : 'service_unavailable' },
      };
    });
  }

  /** Fail only the next `n` matching calls. */
  failNext(n: number, status: number, headers: Record<string, string> = {}, methods = /^chat\./): void {
    let left = n;
    this.clear();
    this.remove = this.slack.respond((call) => {
      if (left <= 0 || !methods.test(call.method)) return undefined;
      left--;
      this.failed.add(call);
      return { status, headers, body: { ok: false, error: 'ratelimited' } };
    });
  }

  clear(): void {
    this.remove?.();
    this.remove = undefined;
  }

  delivered(method?: string): SlackCall[] {
    return this.slack.calls.filter(
      (c) => !this.failed.has(c) && (method === undefined || c.method === method),
    );
  }

  /** Thread replies Slack accepted, as `channel thread_ts: text`. */
  deliveredReplies(): string[] {
    return this.delivered('chat.postMessage')
      .filter((c) => c.args.thread_ts)
      .map((c) => `${String(c.args.channel)} ${String(c.args.thread_ts)}: ${String(c.args.text)}`);
  }

  /** Top-level posts Slack accepted (request messages and approval cards), by channel and first line. */
  deliveredPosts(): string[] {
    return this.delivered('chat.postMessage')
      .filter((c) => !c.args.thread_ts)
      .map((c) => `${String(c.args.channel)}: ${String(c.args.text).split('\n')[0]}`);
  }
}

/** Texts that occur more than once. */
export function repeated(texts: string[]): string[] {
  return [...countBy(texts, (t) => t)].filter(([, n]) => n > 1).map(([t, n]) => `${n}× ${t}`);
}

/** The bot's own count of stored, unsent Slack messages (updated every engine tick). */
export async function unsentMessages(bot: { base: string }): Promise<number | undefined> {
  const text = await (await fetch(`${bot.base}/metrics`)).text();
  const m = /^snapshot_copy_outbox_unsent\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Unsent outbox rows of a SQLite database, read beside the running bot (diagnostics for failures). */
export async function unsentRows(path: string): Promise<string> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        'select id, channel, thread_key, kind, attempts, not_before, lease_owner, lease_until, last_error from outbox where sent_at is null and failed_at is null order by id',
      )
      .all();
    return `now ${new Date().toISOString()}\n${rows.map((r) => JSON.stringify(r)).join('\n')}`;
  } finally {
    db.close();
  }
}

/** Kinds of the unsent messages someone holds a lease on right now (a sender is, or was, sending them). */
export async function leasedKinds(path: string): Promise<string[]> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('select kind from outbox where sent_at is null and failed_at is null and lease_until > ?')
      .all(new Date().toISOString()) as Array<{ kind: string }>;
    return rows.map((r) => r.kind);
  } finally {
    db.close();
  }
}

/** Texts of the thread replies a sender holds a lease on and has not recorded as sent. */
export async function leasedReplies(path: string): Promise<string[]> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        "select payload_json from outbox where sent_at is null and failed_at is null and lease_until is not null and kind = 'request.reply'",
      )
      .all() as Array<{ payload_json: string }>;
    return rows.map((r) => String((JSON.parse(r.payload_json) as { text?: unknown }).text));
  } finally {
    db.close();
  }
}

/** The approval card of `R-<n>` that Slack accepted (its ts from the stand-in's answer). */
export function findCard(slack: SlackApiStandIn, n: number): { channel: string; ts: string } | undefined {
  for (const [i, call] of slack.calls.entries()) {
    if (call.method !== 'chat.postMessage' || call.args.channel !== APPROVALS_CHANNEL) continue;
    if (!String(call.args.text).startsWith(`R-${n}:`)) continue;
    const ts = slack.postedTs[i];
    if (ts) return { channel: APPROVALS_CHANNEL, ts };
  }
  return undefined;
}

/** Opens a bot's database while no bot runs (the SQLite lock of a killed process is stale at once). */
export async function withStore<T>(databaseUrl: string, f: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(databaseUrl);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}
