/**
 * `npm run bench`: measures the bot where its users feel it, each figure beside its floor or a
 * naive approach measured in the same run, prints a table and writes bench/results.json.
 *
 *   npm run bench                      everything, full size (a few minutes on 2 cores)
 *   npm run bench -- --quick           everything at reduced size (development)
 *   npm run bench -- --only ack,slots  a subset: its measurements replace theirs in results.json,
 *                                      the others keep their last figures
 *   npm run bench -- --only chaos      the chaos run (also `npm run chaos`)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureAck } from './ack.js';
import { measureChaos } from './chaos.js';
import { measureClick } from './click.js';
import { measureEconomy } from './economy.js';
import { measureFootprint } from './footprint.js';
import { measureOutbox } from './outbox.js';
import { startPacing } from './pacing.js';
import { removeBuild } from './processes.js';
import { measureSlots } from './slots.js';
import type { Measurement, Row } from './support.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : undefined;
const wanted = (name: string) => !only || only.has(name);

const SIZE = quick
  ? {
      ack: { requests: 100, concurrencies: [10, 50], warmup: 20, rounds: 1 },
      click: { repeats: 5 },
      slots: { copies: 60 },
      economy: { snapshotsPerAccount: 20 },
      footprint: { requests: 1_000, snapshotsPerAccount: 20 },
      outbox: { messages: 500, claims: 5 },
      pacing: { requests: 20, windowMs: 40_000 },
      chaos: { requests: 40, minKills: 4 },
    }
  : {
      ack: { requests: 500, concurrencies: [10, 50], warmup: 50, rounds: 5 },
      click: { repeats: 20 },
      slots: { copies: 500 },
      economy: { snapshotsPerAccount: 100 },
      footprint: { requests: 10_000, snapshotsPerAccount: 100 },
      outbox: { messages: 3_000, claims: 10 },
      pacing: { requests: 100, windowMs: 150_000 },
      chaos: { requests: 100, minKills: 10 },
    };

function format(rows: Array<Row & { measurement: string }>): string {
  const header = ['figure', 'value', 'reference', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [
    r.figure,
    r.value,
    r.reference,
    r.ratio === null || !Number.isFinite(r.ratio) ? '-' : r.ratio.toFixed(3),
    r.target,
    r.pass === null ? '-' : r.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const results: Measurement[] = [];
  const step = async (name: string, run: () => Promise<Measurement>) => {
    if (!wanted(name)) return;
    const t = Date.now();
    process.stdout.write(`bench: ${name}…\n`);
    try {
      const m = await run();
      m.details.seconds = (Date.now() - t) / 1000;
      m.details.measuredAt = new Date().toISOString();
      results.push(m);
    } catch (err) {
      console.error(`bench: ${name} failed:`, err);
      results.push({
        name,
        rows: [
          {
            figure: `${name}: did not complete`,
            value: String(err),
            reference: '-',
            ratio: null,
            target: '-',
            pass: false,
          },
        ],
        details: { error: String(err) },
      });
    }
    process.stdout.write(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
  };

  // Latency-sensitive measurements first, on a quiet machine.
  const postgresUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  await step('ack', () => measureAck({ ...SIZE.ack, ...(postgresUrl ? { postgresUrl } : {}) }));
  await step('click', () => measureClick(SIZE.click));
  // Pacing is real time and mostly waiting: it runs in its own process beside the virtual-clock ones.
  let pacing: (() => Promise<Measurement>) | undefined;
  const pacingStarted = Date.now();
  if (wanted('pacing')) pacing = await startPacing(SIZE.pacing);
  await step('slots', () => measureSlots(SIZE.slots));
  await step('economy', () => measureEconomy(SIZE.economy));
  await step('footprint', () => measureFootprint(SIZE.footprint));
  await step('outbox', () => measureOutbox({ ...SIZE.outbox, ...(postgresUrl ? { postgresUrl } : {}) }));
  if (pacing) {
    const finish = pacing;
    await step('pacing', async () => {
      const m = await finish();
      m.details.startedSecondsBeforeCollect = (Date.now() - pacingStarted) / 1000;
      return m;
    });
  }

  // Real time, many processes and SIGKILLs: last, once nothing else is measured.
  await step('chaos', async () => {
    const { runs: _runs, ...m } = await measureChaos(SIZE.chaos);
    return m;
  });

  const order = ['ack', 'click', 'slots', 'economy', 'footprint', 'outbox', 'pacing', 'chaos'];
  results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const rows = results.flatMap((m) => m.rows.map((r) => ({ ...r, measurement: m.name })));
  const totalSeconds = (Date.now() - started) / 1000;
  console.log(`\n${format(rows)}\n`);
  const failed = rows.filter((r) => r.pass === false).length;
  console.log(
    `${rows.length} figures, ${rows.filter((r) => r.pass === true).length} pass, ${failed} fail; ` +
      `total ${totalSeconds.toFixed(0)} s${quick ? ' (quick size)' : ''}`,
  );
  for (const m of results) for (const f of m.findings ?? []) console.log(`note (${m.name}): ${f}`);

  const out = fileURLToPath(new URL('./results.json', import.meta.url));
  // A partial run (`--only`) replaces its own measurements and keeps the others' last figures.
  const kept: Measurement[] =
    only && existsSync(out)
      ? (JSON.parse(readFileSync(out, 'utf8')) as { measurements: Measurement[] }).measurements.filter(
          (m) => !results.some((r) => r.name === m.name),
        )
      : [];
  const measurements = [...kept, ...results].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        quick,
        totalSeconds,
        machine: {
          node: process.version,
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model,
          memoryBytes: totalmem(),
        },
        rows: measurements.flatMap((m) => m.rows.map((r) => ({ ...r, measurement: m.name }))),
        measurements,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
}

try {
  await main();
} finally {
  removeBuild();
}
// Anything still holding the event loop (SDK sockets on their idle timeout) must not delay the exit.
process.exit(0);
