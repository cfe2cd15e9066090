/** Doctor's report as aligned text: one line per check, then a summary. Pure. */
import type { CheckStatus, DoctorRow } from './checks.js';

const MARKS: Record<CheckStatus, string> = { ok: '✔ OK', warn: '! WARN', fail: '✘ FAIL' };
const HEADERS = ['RESULT', 'ACCOUNT', 'REGION', 'CHECK', 'DETAIL'] as const;

export function formatTable(rows: readonly DoctorRow[]): string {
  const cells = rows.map((row) => [MARKS[row.status], row.account, row.region ?? '-', row.check, row.detail]);
  const all = [[...HEADERS], ...cells];
  // The last column is not padded: long details run on instead of widening every line.
  const widths = HEADERS.map((_, column) => Math.max(...all.map((line) => line[column]?.length ?? 0)));
  const lines = all.map((line) =>
    line
      .map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return [...lines, '', summaryLine(rows)].join('\n');
}

export function summaryLine(rows: readonly DoctorRow[]): string {
  const count = (status: CheckStatus) => rows.filter((row) => row.status === status).length;
  const failed = count('fail');
  const warnings = count('warn');
  const parts = [`${count('ok')} ok`, `${warnings} warning${warnings === 1 ? '' : 's'}`, `${failed} failed`];
  const verdict = failed > 0 ? 'doctor found problems' : 'everything doctor checks works';
  return `${rows.length} check${rows.length === 1 ? '' : 's'}: ${parts.join(', ')} — ${verdict}`;
}

/** Process exit code: 1 when any check failed (warnings do not fail), else 0. */
export function exitCodeFor(rows: readonly DoctorRow[]): 0 | 1 {
  return rows.some((row) => !row.ok) ? 1 : 0;
}
