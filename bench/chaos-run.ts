/**
 * `npm run chaos`: the chaos run on its own (bench/chaos.ts). Prints the figures per store and
 * exits non-zero unless every one is 0 and each store saw enough SIGKILLs.
 *
 *   npm run chaos                 100 requests and ≥ 10 kills per store (a few minutes)
 *   npm run chaos -- --quick      40 requests, ≥ 4 kills (development)
 */
import { FIGURE_LABELS, failures, measureChaos } from './chaos.js';
import { removeBuild } from './processes.js';

const quick = process.argv.includes('--quick');
const size = quick ? { requests: 40, minKills: 4 } : { requests: 100, minKills: 10 };
const started = Date.now();
let ok = false;
try {
  const m = await measureChaos(size);
  console.log('');
  for (const r of m.runs) {
    console.log(
      `${r.store}: ${r.requests} requests (${r.check.counts.copies} copies, ${r.check.counts.cancelled} cancelled, ` +
        `${r.check.counts.sharesAdded} shares added), ${r.kills} SIGKILLs, ${r.lostAnswers} CopySnapshot answers lost, ${r.seconds.toFixed(0)} s`,
    );
    for (const [k, label] of Object.entries(FIGURE_LABELS))
      console.log(`  ${label.padEnd(32)} ${r.check.figures[k as keyof typeof FIGURE_LABELS]}`);
    for (const [k, v] of Object.entries(r.check.examples)) console.log(`  e.g. ${k}: ${v.join('; ')}`);
  }
  ok = m.runs.every((r) => failures(r) === 0 && r.kills >= size.minKills);
  console.log(
    `\nchaos: ${ok ? 'all figures 0' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
} catch (err) {
  console.error('chaos: the run did not complete:', err);
} finally {
  removeBuild();
}
// SDK and pg sockets on their idle timeouts must not hold the exit.
process.exit(ok ? 0 : 1);
