/**
 * The chaos run (`npm run chaos`, and the bench row `chaos`): SPEC §10's promises — nothing lost,
 * nothing twice, nothing left behind — proved from outside. A workload of requests (single- and
 * cross-account copies, some cancelled before they start, some whose CopySnapshot answer is lost)
 * is driven through signed Slack requests to the bot's production bundle (SNAPSHOT_COPY_AWS unset,
 * static credentials, the standard endpoint variables pointing at the AWS simulator as its own
 * server, which lists new copies late), while the bot is SIGKILLed at random moments and
 * restarted: on SQLite (one process) and on two PostgreSQL replicas, side by side. Once everything
 * settled, bench/chaos-checks.ts counts what broke.
 *
 * Both stores run at once because the run's length is set by Slack's pace, not by CPU: every
 * approval card and its update go through the one approvals channel at about one message a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEMO_ACCOUNTS, demoWorld, type SnapshotSpec, startSimulator } from '../src/simulator/index.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/port.js';
import { clickPayload } from '../test/integration/slack-actions.js';
import {
  APPROVALS_CHANNEL,
  APPROVER,
  type BotProcess,
  Children,
  freshSchema,
  REQUESTER,
  resilienceConfigYaml,
  type SpawnOptions,
  writeConfig,
} from '../test/resilience/support.js';
import { SlackApiStandIn } from '../test/support/slack-api.js';
import {
  type ChaosCheck,
  type ChaosFigures,
  checkChaos,
  type Driven,
  intermediatesOf,
  sharesOf,
} from './chaos-checks.js';
import { builtMain, PRODUCTION_ENV, PRODUCTION_NODE_FLAGS } from './processes.js';
import { type Measurement, type Row, rng, sleep, until } from './support.js';

export interface ChaosSize {
  /** Requests per store. */
  requests: number;
  /** SIGKILLs per store, at least. */
  minKills: number;
  /** Unset: TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test. */
  postgresUrl?: string;
}

const { prod, audit } = DEMO_ACCOUNTS;
const SOURCE_COUNT = 24;
/** Unencrypted prod us-east-1 snapshots added to the demo world; every sixth is already shared with audit. */
const SOURCES = Array.from({ length: SOURCE_COUNT }, (_, i) => `snap-0cc${String(i).padStart(14, '0')}`);
/** Encrypted with aws/ebs: copied to audit in two hops through prod's share key (SPEC §5.5). */
const LEGACY_COUNT = 6;
const LEGACY = Array.from({ length: LEGACY_COUNT }, (_, i) => `snap-0ee${String(i).padStart(14, '0')}`);
const LISTING_DELAY_MS = 3_000;
/**
 * Requests are filed at this pace: every approval card and its update share the approvals channel,
 * which the outbox paces at a message a second (about 0.8 a second in effect, between kills).
 */
const SPACING_MS = 2_200;

function chaosWorld() {
  const world = demoWorld();
  world.snapshots?.push(
    ...SOURCES.map(
      (id, i): SnapshotSpec => ({
        id,
        ownerId: prod,
        region: 'us-east-1',
        volumeId: `vol-0cc${String(i).padStart(14, '0')}`,
        sizeGiB: 8 + (i % 5) * 8,
        startTime: new Date(Date.now() - 3_600_000),
        tags: { Name: `chaos-${i}` },
        ...(i % 6 === 0 ? { sharedWith: [audit] } : {}),
      }),
    ),
    ...LEGACY.map(
      (id, i): SnapshotSpec => ({
        id,
        ownerId: prod,
        region: 'us-east-1',
        volumeId: `vol-0ee${String(i).padStart(14, '0')}`,
        sizeGiB: 8,
        startTime: new Date(Date.now() - 3_600_000),
        encrypted: true, // under aws/ebs: no key given
        tags: { Name: `chaos-legacy-${i}` },
      }),
    ),
  );
  return world;
}

type Kind = 'single' | 'audit' | 'staging' | 'two-hop';

interface Plan {
  i: number;
  kind: Kind;
  sources: string[];
  cancel: boolean;
  loseAnswer: boolean;
  doubleClick: boolean;
}

function plans(count: number, seed: number): Plan[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const r = random();
    const kind: Kind = r < 0.4 ? 'single' : r < 0.7 ? 'audit' : r < 0.88 ? 'staging' : 'two-hop';
    const first = Math.floor(random() * SOURCE_COUNT);
    const sources = kind === 'two-hop' ? [LEGACY[first % LEGACY_COUNT]!] : [SOURCES[first]!];
    if (kind !== 'two-hop' && random() < 0.2)
      sources.push(SOURCES[(first + 1 + Math.floor(random() * 5)) % SOURCE_COUNT]!);
    const cancel = random() < 0.15;
    return { i, kind, sources, cancel, loseAnswer: !cancel && random() < 0.15, doubleClick: random() < 0.2 };
  });
}

function commandText(p: Plan, note: string): string {
  const to =
    p.kind === 'single'
      ? 'to us-west-2'
      : p.kind === 'audit' || p.kind === 'two-hop'
        ? 'to us-west-2 to-account audit'
        : 'to eu-west-1 to-account staging';
  return `${p.sources.join(',')} from us-east-1 ${to} note "${note}"`;
}

/** Bot processes in slots, killed and restarted; requests go to a random live one, as a load balancer would. */
class Fleet {
  readonly slots: Array<BotProcess | undefined>;
  private readonly restarting = new Set<number>();
  kills = 0;
  /** Kill the process that sends the next ack, right after sending it. */
  armed = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly children: Children,
    private readonly spawnOptions: SpawnOptions,
    size: number,
    private readonly random: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.slots = Array.from({ length: size }, () => undefined);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.slots.map((_, i) => this.spawnInto(i)));
  }

  private async spawnInto(slot: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.slots[slot] = await this.children.spawn(this.spawnOptions);
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        this.log(`slot ${slot}: start failed (${String(err).slice(0, 300)}); retrying`);
        await sleep(1_000);
      }
    }
  }

  live(): BotProcess | undefined {
    const up = this.slots.filter((b): b is BotProcess => b !== undefined);
    return up[Math.floor(this.random() * up.length)];
  }

  /** SIGKILL the process in `slot` and start a new one after a short, random pause. */
  kill(slot: number, why: string): void {
    const bot = this.slots[slot];
    if (!bot || this.restarting.has(slot)) return;
    this.restarting.add(slot);
    this.slots[slot] = undefined;
    this.kills++;
    this.log(`kill ${this.kills}: slot ${slot} (${why})`);
    const done = (async () => {
      await bot.crash();
      await sleep(200 + this.random() * 1_500);
      await this.spawnInto(slot);
    })().finally(() => {
      this.restarting.delete(slot);
      this.pending.delete(done);
    });
    this.pending.add(done);
  }

  killRandom(why: string): void {
    const slot = Math.floor(this.random() * this.slots.length);
    this.kill(slot, why);
    // Now and then every replica at once.
    if (this.slots.length > 1 && this.random() < 0.2)
      for (let s = 0; s < this.slots.length; s++) this.kill(s, `${why}, all replicas`);
  }

  /** One attempt: an answer with status 200 is an ack Slack got; undefined when no process took it. */
  async sendOnce<T extends { status: number }>(f: (bot: BotProcess) => Promise<T>): Promise<T | undefined> {
    const bot = this.live();
    if (!bot) return undefined;
    let res: T;
    try {
      res = await f(bot);
    } catch {
      return undefined; // killed mid-request: Slack got no ack
    }
    if (res.status !== 200) return undefined;
    if (this.armed) {
      this.armed = false;
      const slot = this.slots.indexOf(bot);
      if (slot >= 0) setTimeout(() => this.kill(slot, 'right after an ack'), this.random() * 20);
    }
    return res;
  }

  /** Until some process acks. */
  async send<T extends { status: number }>(f: (bot: BotProcess) => Promise<T>): Promise<T> {
    for (;;) {
      const res = await this.sendOnce(f);
      if (res) return res;
      await sleep(250);
    }
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async stopAll(): Promise<void> {
    await this.settled();
    await Promise.all(this.slots.map((b) => b?.stop()));
  }
}

export interface StoreRun {
  store: string;
  requests: number;
  kills: number;
  lostAnswers: number;
  seconds: number;
  check: ChaosCheck;
}

interface StoreTarget {
  name: string;
  replicas: number;
  /** DATABASE_URL of the bots; `open` gives the run a store on it once they stopped. */
  databaseUrl: string;
  open: () => Promise<Store>;
  drop: () => Promise<void>;
}

async function runStore(target: StoreTarget, size: ChaosSize, seed: number): Promise<StoreRun> {
  const started = Date.now();
  const log = (line: string) =>
    process.stdout.write(`chaos ${target.name} +${((Date.now() - started) / 1000).toFixed(0)}s: ${line}\n`);
  const random = rng(seed);
  const sim = await startSimulator({
    world: chaosWorld(),
    copyDuration: ({ sizeGiB }) => 1_500 + sizeGiB * 80,
    keyFailureDelayMs: 300,
    listingDelayMs: LISTING_DELAY_MS,
  });
  // Another tool holds slots in audit us-west-2: the bot's fourth and fifth copy there meet ResourceLimitExceeded.
  sim.world.setCopyLimit(3, { accountId: audit, region: 'us-west-2' });
  const slack = await new SlackApiStandIn().start();
  const dir = mkdtempSync(join(tmpdir(), `scb-chaos-${target.name}-`));
  const children = new Children();
  const sharesBefore = sharesOf(sim);
  try {
    const fleet = new Fleet(
      children,
      {
        dir,
        databaseUrl: target.databaseUrl,
        configPath: writeConfig(
          dir,
          resilienceConfigYaml((y) =>
            y.replace(
              '    default: true\n',
              '    default: true\n    shareKmsKeys: { us-east-1: alias/prod-ebs }\n',
            ),
          ),
        ),
        sim,
        slack,
        env: { ...PRODUCTION_ENV, LOG_LEVEL: 'info' },
        nodeArgs: [...PRODUCTION_NODE_FLAGS, '--no-warnings', await builtMain()],
      },
      target.replicas,
      random,
      log,
    );
    await fleet.startAll();

    /** response_url ids of everything Slack got an ack for: each must be answered before the run settles. */
    const answered: string[] = [];
    const answer = (id: string) =>
      slack.calls.find((c) => c.method === 'response_url' && c.path === `/response/${id}`);
    const drive = async (p: Plan): Promise<Driven> => {
      const d: Driven = { i: p.i, cancelAcked: false, clickAcked: false };
      const channel = `C0OPS${p.i % 20}`;
      let id = '';
      for (let attempt = 1; !d.ackedNote; attempt++) {
        const note = `chaos-${p.i}-${attempt}`;
        id = `${target.name}-${p.i}-${attempt}`;
        const res = await fleet.sendOnce((b) =>
          b.send.command(commandText(p, note), REQUESTER, channel, { response_url: slack.responseUrl(id) }),
        );
        if (res) {
          d.ackedNote = note;
          answered.push(id);
        } else await sleep(250);
      }
      const filed = await until(() => answer(id) !== undefined, 120_000, 100);
      const m = filed ? /Filed \*R-(\d+)\*/.exec(String(answer(id)?.args.text)) : null;
      if (!m) {
        log(`#${p.i}: no "Filed" answer (${filed ? String(answer(id)?.args.text) : 'none'})`);
        return d;
      }
      const n = Number(m[1]);
      d.n = n;
      if (p.cancel) {
        await sleep(random() * 3_000);
        const cancelId = `${target.name}-${p.i}-cancel`;
        await fleet.send((b) =>
          b.send.command(`cancel R-${n}`, REQUESTER, channel, { response_url: slack.responseUrl(cancelId) }),
        );
        answered.push(cancelId);
        d.cancelAcked = true;
        return d;
      }
      // The card waits its turn in the approvals channel.
      const card = await until(() => findCards(slack, n).length > 0, 300_000, 100);
      if (!card) {
        log(`R-${n}: no approval card`);
        return d;
      }
      const [latest] = findCards(slack, n).slice(-1);
      if (p.loseAnswer) sim.dropNextCopyResponses(1);
      for (let k = 0; k < (p.doubleClick ? 2 : 1); k++)
        await fleet.send((b) =>
          b.send.interaction({
            ...clickPayload(latest!, APPROVER, 'approve_copy', `R-${n}`),
            response_url: slack.responseUrl(`${target.name}-${p.i}-click-${k}`),
          }),
        );
      d.clickIds = [0, 1].slice(0, p.doubleClick ? 2 : 1).map((k) => `${target.name}-${p.i}-click-${k}`);
      answered.push(...d.clickIds);
      d.clickAcked = true;
      return d;
    };

    // Kills at random moments, a third of them right after an ack, while the workload runs and until enough.
    let workloadDone = false;
    const killer = (async () => {
      while (!workloadDone || fleet.kills < size.minKills) {
        // About 15 kills over the workload's few minutes: each one costs the approvals channel its pace.
        await sleep(10_000 + random() * 12_000);
        if (random() < 0.35) fleet.armed = true;
        else fleet.killRandom('timer');
      }
      fleet.armed = false;
    })();

    const workload = plans(size.requests, seed);
    const tasks: Array<Promise<Driven>> = [];
    for (const p of workload) {
      tasks.push(drive(p));
      await sleep(SPACING_MS * (0.5 + random()));
    }
    const driven = await Promise.all(tasks);
    workloadDone = true;
    log(`workload driven (${fleet.kills} kills so far)`);
    await killer;
    await fleet.settled();
    log(`kills over (${fleet.kills}); settling`);

    /** The sum of a gauge over its labels (NaN when the process does not answer). */
    const metric = async (bot: BotProcess, name: string) => {
      const text = await fetch(`${bot.base}/metrics`).then(
        (r) => r.text(),
        () => undefined,
      );
      if (text === undefined) return Number.NaN;
      const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\d+)`, 'gm'))];
      return values.reduce((sum, m) => sum + Number(m[1]), 0);
    };
    // Settled: every acknowledged command and click answered (a dead replica's intents are taken
    // over once its heartbeat is stale), no copy pending in AWS, every share the bot added gone,
    // the bots idle, Slack quiet for 3 s.
    let quietSince = Date.now();
    let calls = slack.calls.length;
    const settled = await until(
      async () => {
        if (slack.calls.length !== calls) {
          calls = slack.calls.length;
          quietSince = Date.now();
        }
        if (answered.some((id) => answer(id) === undefined)) return false;
        if (sim.world.copies().some((c) => sim.world.snapshots.get(c.snapshotId)?.state === 'pending'))
          return false;
        for (const s of sharesOf(sim)) if (!sharesBefore.has(s)) return false;
        if (intermediatesOf(sim).length > 0) return false;
        for (const bot of fleet.slots) {
          if (!bot) return false;
          for (const name of [
            'snapshot_copy_outbox_unsent',
            'snapshot_copy_copies_in_flight',
            'snapshot_copy_copies_queued',
          ])
            if ((await metric(bot, name)) !== 0) return false;
        }
        return Date.now() - quietSince > 3_000;
      },
      120_000,
      500,
    );
    if (!settled) log('did not settle within 120 s; counting as it is');
    const paced = slack.calls.filter(
      (c) => c.args.channel === APPROVALS_CHANNEL && /^chat\.(postMessage|update)$/.test(c.method),
    );
    const gaps = paced.slice(1).map((c, k) => c.at - paced[k]!.at);
    log(
      `approvals channel: ${paced.length} messages in ${(((paced.at(-1)?.at ?? 0) - (paced[0]?.at ?? 0)) / 1000).toFixed(0)} s, ` +
        `${gaps.filter((g) => g > 2_000).length} gaps over 2 s (longest ${(Math.max(0, ...gaps) / 1000).toFixed(1)} s)`,
    );
    await fleet.stopAll();

    const store = await target.open();
    try {
      const check = await checkChaos({
        store,
        sim,
        slack,
        approvalsChannel: APPROVALS_CHANNEL,
        driven,
        sharesBefore,
      });
      return {
        store: target.name,
        requests: driven.filter((d) => d.ackedNote).length,
        kills: fleet.kills,
        lostAnswers: sim.calls.filter((c) => c.action === 'CopySnapshot' && !c.answered).length,
        seconds: (Date.now() - started) / 1000,
        check,
      };
    } finally {
      await store.close();
    }
  } catch (err) {
    log(`failed: ${String(err)}`);
    throw err;
  } finally {
    await children.killAll();
    await sim.close();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
    await target.drop();
  }
}

/** Every approval card of `R-n` the stand-in accepted, oldest first. */
function findCards(slack: SlackApiStandIn, n: number): Array<{ channel: string; ts: string }> {
  const out: Array<{ channel: string; ts: string }> = [];
  for (const [i, call] of slack.calls.entries()) {
    if (call.method !== 'chat.postMessage' || call.args.channel !== APPROVALS_CHANNEL) continue;
    if (!String(call.args.text).startsWith(`R-${n}:`)) continue;
    const ts = slack.postedTs[i];
    if (ts) out.push({ channel: APPROVALS_CHANNEL, ts });
  }
  return out;
}

async function sqliteTarget(): Promise<StoreTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'scb-chaos-db-'));
  const databaseUrl = `sqlite:${join(dir, 'bot.db')}`;
  return {
    name: 'sqlite',
    replicas: 1,
    databaseUrl,
    open: () => openStore(databaseUrl),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresTarget(url: string): Promise<StoreTarget> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const { schema, databaseUrl, drop } = await freshSchema(admin, url, 'chaos');
  return {
    name: 'postgres',
    replicas: 2,
    databaseUrl,
    open: () => openStore(url, { postgres: { schema, poolSize: 2 } }),
    drop: async () => {
      try {
        await drop();
      } finally {
        await admin.end();
      }
    },
  };
}

export const FIGURE_LABELS: Record<keyof ChaosFigures, string> = {
  requestsLost: 'requests lost',
  copiesMadeTwice: 'copies made twice',
  sharesLeftBehind: 'shares left behind',
  intermediatesLeftBehind: 'intermediate copies left behind',
  foreignSharesRemoved: 'pre-existing shares removed',
  auditEntriesMissing: 'audit entries missing',
  cardsWithLiveButtons: 'cards left with live buttons',
  workLeftUndone: 'work left undone',
};

export function failures(run: StoreRun): number {
  return Object.values(run.check.figures).reduce((a, b) => a + b, 0);
}

/** Runs SQLite and PostgreSQL side by side; one row per store. */
export async function measureChaos(size: ChaosSize): Promise<Measurement & { runs: StoreRun[] }> {
  const url = size.postgresUrl ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const runs = await Promise.all([
    sqliteTarget().then((t) => runStore(t, size, 12)),
    postgresTarget(url).then((t) => runStore(t, size, 34)),
  ]);
  const rows: Row[] = runs.map((r) => ({
    figure: `chaos, ${r.store === 'sqlite' ? 'SQLite (1 process)' : 'PostgreSQL (2 replicas)'}: ${Object.values(
      FIGURE_LABELS,
    ).join(' / ')}`,
    value: Object.values(r.check.figures).join(' / '),
    reference: `${r.requests} requests, ${r.kills} SIGKILLs, ${r.lostAnswers} lost answers, ${r.seconds.toFixed(0)} s`,
    ratio: null,
    target: `all 0, ≥ ${size.minKills} kills`,
    pass: failures(r) === 0 && r.kills >= size.minKills,
  }));
  const findings = runs.flatMap((r) =>
    Object.entries(r.check.examples).map(([k, v]) => `${r.store} ${k}: ${v.join('; ')}`),
  );
  return {
    name: 'chaos',
    rows,
    details: Object.fromEntries(
      runs.map((r) => [
        r.store,
        {
          requests: r.requests,
          kills: r.kills,
          lostAnswers: r.lostAnswers,
          seconds: r.seconds,
          figures: r.check.figures,
          counts: r.check.counts,
          examples: r.check.examples,
        },
      ]),
    ),
    findings,
    runs,
  };
}
