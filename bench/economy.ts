/**
 * 3. API economy: DescribeSnapshots calls per poll tick with 1,000 copies in flight over 10
 * (account, Region) pairs, counted in the simulator's call log per tick, against the naive
 * approach of one DescribeSnapshots per copy (what an SDK waiter per snapshot does on every round);
 * and AssumeRole calls per role over a virtual hour of 30 s ticks.
 */
import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { DEFAULT_FILTER_VALUES_PER_CALL, DEFAULT_PAGE_SIZE } from '../src/aws/gateway.js';
import { findAccount } from '../src/domain/resolve.js';
import { createManualClock } from '../src/simulator/index.js';
import {
  FLEET_COPY_MS,
  fileFleet,
  fleetConfigYaml,
  fleetWorld,
  type Measurement,
  ms,
  NEVER_MS,
  percentile,
  pool,
  startBenchBot,
} from './support.js';

const TICK_MS = 30_000;
const HOUR_TICKS = 3_600_000 / TICK_MS;

export async function measureEconomy(o: { snapshotsPerAccount: number }): Promise<Measurement> {
  const clock = createManualClock(Date.now());
  const b = await startBenchBot({
    world: fleetWorld(o.snapshotsPerAccount),
    configYaml: fleetConfigYaml(o.snapshotsPerAccount),
    clock,
    copyDuration: () => FLEET_COPY_MS,
    pollIntervalMs: NEVER_MS,
  });
  try {
    const { calls } = b.sim;
    const filed = await fileFleet(b.bot.store, {
      snapshotsPerAccount: o.snapshotsPerAccount,
      perRequest: 10,
      at: b.now(),
    });
    await b.bot.dispatcher.kick();
    await b.bot.dispatcher.idle();
    const startCalls = calls.slice();
    const startAssumeRoles = startCalls.filter((c) => c.action === 'AssumeRole').length;

    const groups = await b.bot.store.listInFlightCopies();
    const inFlight = groups.reduce((n, g) => n + g.copies.length, 0);
    // What §8 allows: one call per pair per page (the gateway puts at most 200 IDs in one filter).
    const expectedPerTick = groups.reduce(
      (n, g) =>
        n +
        Math.ceil(g.copies.length / DEFAULT_FILTER_VALUES_PER_CALL) *
          Math.max(
            1,
            Math.ceil(Math.min(g.copies.length, DEFAULT_FILTER_VALUES_PER_CALL) / DEFAULT_PAGE_SIZE),
          ),
      0,
    );

    const perTick: number[] = [];
    const otherPerTick: number[] = [];
    const tickMs: number[] = [];
    const hourStart = calls.length;
    for (let t = 0; t < HOUR_TICKS; t++) {
      const before = calls.length;
      clock.advance(TICK_MS);
      const started = performance.now();
      await b.bot.engine.tick();
      await b.bot.dispatcher.idle();
      tickMs.push(performance.now() - started);
      const these = calls.slice(before);
      perTick.push(these.filter((c) => c.action === 'DescribeSnapshots').length);
      otherPerTick.push(
        these.filter((c) => c.action !== 'DescribeSnapshots' && c.action !== 'AssumeRole').length,
      );
    }
    const hour = calls.slice(hourStart);
    const pollErrors = hour.filter((c) => c.outcome === 'error').length;
    const rolesPerHour = new Map<string, number>();
    for (const c of hour.filter((x) => x.action === 'AssumeRole')) {
      const role = String(c.params.RoleArn);
      rolesPerHour.set(role, (rolesPerHour.get(role) ?? 0) + 1);
    }
    const roles = groups.map((g) => g.accountId).filter((id, i, all) => all.indexOf(id) === i).length;
    const assumePerRole = roles ? Math.max(0, ...[...rolesPerHour.values()]) : 0;
    const describesPerRolePerHour = perTick.reduce((s, n) => s + n, 0) / Math.max(1, roles);

    // The naive approach, for the same copies: one DescribeSnapshots per snapshot ID per round.
    const naiveStart = calls.length;
    const naiveStarted = performance.now();
    const targets = groups.flatMap((g) => g.copies.map((c) => ({ g, id: c.newSnapshotId! })));
    await pool(targets.length, 20, async (i) => {
      const { g, id } = targets[i]!;
      const account = findAccount(b.config.accounts, g.accountId)!;
      await b.bot.aws.clients
        .ec2(account, g.region, 'bench-naive')
        .send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }));
    });
    const naiveMs = performance.now() - naiveStarted;
    const naiveCalls = calls.slice(naiveStart).filter((c) => c.action === 'DescribeSnapshots').length;

    const medianPerTick = percentile(perTick, 50);
    const maxPerTick = Math.max(...perTick);
    const allExact = perTick.every((n) => n === expectedPerTick);
    return {
      name: 'economy',
      rows: [
        {
          figure: `DescribeSnapshots per tick (${inFlight} in flight)`,
          value: maxPerTick === medianPerTick ? String(maxPerTick) : `${medianPerTick} (max ${maxPerTick})`,
          reference: `naive per copy ${naiveCalls}`,
          ratio: maxPerTick / naiveCalls,
          target: `= ${groups.length} pairs x pages = ${expectedPerTick}`,
          pass: allExact && pollErrors === 0,
        },
        {
          figure: 'poll tick wall time, p50',
          value: ms(percentile(tickMs, 50)),
          reference: `naive round ${ms(naiveMs)}`,
          ratio: percentile(tickMs, 50) / naiveMs,
          target: '-',
          pass: null,
        },
        {
          figure: 'AssumeRole per role per hour (polling)',
          value: String(assumePerRole),
          reference: `uncached ${describesPerRolePerHour.toFixed(0)} (1 per call)`,
          ratio: assumePerRole / describesPerRolePerHour,
          target: '<= 1',
          pass: assumePerRole <= 1 && pollErrors === 0,
        },
        {
          figure: 'AssumeRole per request started',
          value: (startAssumeRoles / filed.requests).toFixed(2),
          reference: `${filed.copies / filed.requests} copies per request`,
          ratio: startAssumeRoles / filed.copies,
          target: '-',
          pass: null,
        },
      ],
      details: {
        ...filed,
        inFlight,
        pairs: groups.map((g) => ({ accountId: g.accountId, region: g.region, copies: g.copies.length })),
        expectedPerTick,
        describePerTick: perTick,
        otherCallsPerTick: Math.max(0, ...otherPerTick),
        tickMs: { p50: percentile(tickMs, 50), max: Math.max(...tickMs) },
        pollErrors,
        assumeRolePerRoleInHour: Object.fromEntries(rolesPerHour),
        dispatch: {
          calls: startCalls.length,
          assumeRole: startAssumeRoles,
          copySnapshot: startCalls.filter((c) => c.action === 'CopySnapshot').length,
          describeSnapshots: startCalls.filter((c) => c.action === 'DescribeSnapshots').length,
        },
        naive: { calls: naiveCalls, ms: naiveMs },
      },
    };
  } finally {
    await b.close();
  }
}
