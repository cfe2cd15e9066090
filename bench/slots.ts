/**
 * 2. Slot use: copies over 3 accounts × 4 destination Regions with limits of 5 and 20, durations
 * spread from 2 to 120 minutes, on a virtual clock: the simulator and the bot read the same manual
 * clock; every step advances it 30 s and runs one engine tick (the real timer never fires).
 *
 * Copies are filed straight into the store (approved); from there they take the real path:
 * dispatcher → AWS SDK → simulator, poller → DescribeSnapshots → completion → a refilled slot.
 * The makespan is judged against the ideal first-come-first-served schedule of the same queue: what
 * a bot that saw every completion the instant it happened would achieve. SPEC §6 requires first
 * come, first served within a destination, so that is the best any conforming bot can do; what is
 * lost against it is the bot's own doing (poll latency, slow refills). The lower bound (per
 * destination the larger of total duration ÷ limit and the longest copy) is printed beside it: only
 * an order that puts long copies first can approach it, and for this workload even the ideal FCFS
 * schedule is 6 % above it.
 */
import { createManualClock } from '../src/simulator/index.js';
import {
  type BenchAccount,
  benchAccounts,
  benchConfigYaml,
  benchWorld,
  type DirectCopy,
  fileApproved,
  type Measurement,
  min,
  NEVER_MS,
  peakOverlap,
  rng,
  startBenchBot,
} from './support.js';

const TICK_MS = 30_000;
const SOURCE_REGION = 'us-east-1';
const DEST_REGIONS = ['us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];

interface Planned {
  account: BenchAccount;
  region: string;
  /** Copy duration in minutes; whole seconds, so completions fall between poll ticks as in life. */
  minutes: number;
  snapshotId: string;
  volumeId: string;
}

const limitOf = (accountIndex: number, regionIndex: number) =>
  (accountIndex + regionIndex) % 2 === 0 ? 5 : 20;
const destKey = (accountId: string, region: string) => `${accountId}/${region}`;

/** Greedy list scheduling in queue order: each copy starts the moment a slot frees. */
function idealFcfs(minutes: number[], limit: number): number {
  const slots = new Array<number>(limit).fill(0);
  for (const m of minutes) {
    let i = 0;
    for (let k = 1; k < limit; k++) if (slots[k]! < slots[i]!) i = k;
    slots[i]! += m;
  }
  return Math.max(...slots);
}

export async function measureSlots(o: { copies: number }): Promise<Measurement> {
  const accounts = benchAccounts(3, [SOURCE_REGION, ...DEST_REGIONS]);
  const limits = new Map<string, number>();
  accounts.forEach((a, i) => {
    DEST_REGIONS.forEach((r, j) => {
      limits.set(destKey(a.id, r), limitOf(i, j));
    });
  });

  // The workload: requests of 1–4 copies from one account, each copy to a random destination Region.
  const random = rng(20_240_603);
  const plan: Planned[][] = [];
  let made = 0;
  while (made < o.copies) {
    const account = accounts[Math.floor(random() * accounts.length)]!;
    const size = Math.min(o.copies - made, 1 + Math.floor(random() * 4));
    const request: Planned[] = [];
    for (let k = 0; k < size; k++) {
      made++;
      const hex = made.toString(16).padStart(12, '0');
      request.push({
        account,
        region: DEST_REGIONS[Math.floor(random() * DEST_REGIONS.length)]!,
        minutes: (120 + Math.floor(random() * (7_200 - 120 + 1))) / 60,
        snapshotId: `snap-0e${hex}eee`,
        volumeId: `vol-0e${hex}eee`,
      });
    }
    plan.push(request);
  }
  const copies = plan.flat();

  const world = benchWorld(accounts, 20);
  // The snapshot's size (GiB) is its copy's duration in seconds: the simulator's copyDuration model below.
  for (const c of copies)
    world.snapshot({
      id: c.snapshotId,
      volumeId: c.volumeId,
      ownerId: c.account.id,
      region: SOURCE_REGION,
      sizeGiB: Math.round(c.minutes * 60),
    });
  const spec = world.build();
  spec.copyLimitOverrides = [...limits].flatMap(([k, limit]) => {
    const [accountId, region] = k.split('/') as [string, string];
    return limit === 20 ? [] : [{ accountId, region, limit }];
  });

  const clock = createManualClock(Date.now());
  const b = await startBenchBot({
    world: spec,
    configYaml: benchConfigYaml({
      accounts,
      concurrentCopies: 20,
      overrides: accounts.flatMap((a, i) =>
        DEST_REGIONS.flatMap((region, j) =>
          limitOf(i, j) === 5 ? [{ account: a.alias, region, concurrentCopies: 5 }] : [],
        ),
      ),
    }),
    clock,
    copyDuration: ({ sizeGiB }) => sizeGiB * 1_000,
    // Virtual hours pass in real seconds: role credentials must outlive the run in the simulator's
    // eyes, since the SDK's own credential cache judges expiry by the real clock.
    simulator: { sessionLifetimeSeconds: 7 * 24 * 3600 },
    pollIntervalMs: NEVER_MS,
  });
  const wallStart = Date.now();
  try {
    const t0 = clock.now();
    for (const request of plan) {
      const copiesOf: DirectCopy[] = request.map((c) => ({
        snapshotId: c.snapshotId,
        volumeId: c.volumeId,
        sizeGiB: Math.round(c.minutes * 60),
        destinationRegion: c.region,
      }));
      await fileApproved(b.bot.store, {
        account: request[0]!.account,
        sourceRegion: SOURCE_REGION,
        copies: copiesOf,
        at: new Date(t0),
      });
    }
    await b.bot.dispatcher.kick();
    await b.bot.dispatcher.idle();

    // Lower bound and ideal FCFS schedule, per destination, from the plan.
    let bound = 0;
    let ideal = 0;
    const perDest: Record<string, { limit: number; copies: number; boundMin: number; idealMin: number }> = {};
    for (const [key, limit] of limits) {
      const minutes = copies.filter((c) => destKey(c.account.id, c.region) === key).map((c) => c.minutes);
      if (minutes.length === 0) continue;
      const total = minutes.reduce((s, m) => s + m, 0);
      const destBound = Math.max(total / limit, Math.max(...minutes));
      const destIdeal = idealFcfs(minutes, limit);
      perDest[key] = { limit, copies: minutes.length, boundMin: destBound, idealMin: destIdeal };
      bound = Math.max(bound, destBound);
      ideal = Math.max(ideal, destIdeal);
    }
    const maxTicks = Math.ceil((bound * 2 * 60_000) / TICK_MS) + 100;

    let ticks = 0;
    for (;;) {
      const queues = await b.bot.store.queueSnapshot();
      if (queues.every((q) => q.queued === 0 && q.inFlight === 0)) break;
      if (ticks >= maxTicks) throw new Error(`copies still running after ${ticks} ticks`);
      clock.advance(TICK_MS);
      await b.bot.engine.tick();
      await b.bot.dispatcher.idle();
      ticks++;
    }

    const done = await b.bot.store.listCopies({ limit: 1_000_000 });
    const completed = done.filter((c) => c.state === 'completed');
    const makespanMs = Math.max(...completed.map((c) => c.completedAt!.getTime())) - t0;
    const simCopies = b.sim.world.copies();
    const simMakespanMs = Math.max(...simCopies.map((c) => c.startedAt + c.durationMs)) - t0;
    const peaks: Record<string, { peak: number; limit: number }> = {};
    let overLimit = 0;
    for (const [key, limit] of limits) {
      const intervals = simCopies
        .filter((c) => destKey(c.destinationAccountId, c.destinationRegion) === key)
        .map((c) => ({ start: c.startedAt, end: c.startedAt + c.durationMs }));
      const peak = peakOverlap(intervals);
      peaks[key] = { peak, limit };
      if (peak > limit) overLimit++;
      const d = perDest[key];
      if (d) {
        const end = Math.max(...intervals.map((i) => i.end)) - t0;
        Object.assign(d, { simMakespanMin: end / 60_000, ratioToBound: end / 60_000 / d.boundMin });
      }
    }
    const worstDest = Math.max(
      ...Object.values(perDest).map((d) => (d as { ratioToBound?: number }).ratioToBound ?? 0),
    );
    const boundMs = bound * 60_000;
    const idealMs = ideal * 60_000;
    const calls = b.sim.calls;
    const count = (action: string) => calls.filter((c) => c.action === action).length;
    const limitErrors = calls.filter((c) => c.errorCode === 'ResourceLimitExceeded').length;
    const peak5 = Math.max(
      ...Object.values(peaks)
        .filter((p) => p.limit === 5)
        .map((p) => p.peak),
    );
    const peak20 = Math.max(
      ...Object.values(peaks)
        .filter((p) => p.limit === 20)
        .map((p) => p.peak),
    );
    return {
      name: 'slots',
      rows: [
        {
          figure: `makespan, ${copies.length} copies / 12 dests`,
          value: min(makespanMs),
          reference: `ideal FCFS ${min(idealMs)}`,
          ratio: makespanMs / idealMs,
          target: '<= 1.05x ideal FCFS',
          pass: makespanMs <= 1.05 * idealMs && completed.length === copies.length,
        },
        {
          figure: 'makespan vs lower bound (any order)',
          value: min(makespanMs),
          reference: `lower bound ${min(boundMs)}; ideal FCFS ${(idealMs / boundMs).toFixed(3)}x it`,
          ratio: makespanMs / boundMs,
          target: '-',
          pass: null,
        },
        {
          figure: 'peak in flight per destination',
          value: `${peak5} (limit 5), ${peak20} (limit 20)`,
          reference: `${overLimit} dests over limit, ${limitErrors} ResourceLimitExceeded`,
          ratio: null,
          target: '<= limit',
          pass: overLimit === 0 && limitErrors === 0,
        },
      ],
      details: {
        copies: copies.length,
        requests: plan.length,
        completed: completed.length,
        failed: done.filter((c) => c.state === 'failed').length,
        ticks,
        wallSeconds: (Date.now() - wallStart) / 1000,
        makespanMin: makespanMs / 60_000,
        simMakespanMin: simMakespanMs / 60_000,
        boundMin: bound,
        idealFcfsMin: ideal,
        worstDestinationRatioToItsBound: worstDest,
        perDestination: perDest,
        peaks,
        awsCalls: {
          total: calls.length,
          CopySnapshot: count('CopySnapshot'),
          DescribeSnapshots: count('DescribeSnapshots'),
          AssumeRole: count('AssumeRole'),
          ResourceLimitExceeded: limitErrors,
        },
      },
    };
  } finally {
    await b.close();
  }
}
