import type { KnownBlock } from './request.js';
import type { CopyView } from './view-model.js';

/**
 * Slack's limits: a section's text is at most 3,000 characters, a message at most 50 blocks. Slack
 * also refuses messages whose blocks hold much more than ~12,000 characters in all
 * (`msg_blocks_too_long`, slackapi/bolt-js#2509), so the lists keep to `LIST_CHARS_MAX`.
 */
export const LIST_CHARS_MAX = 7_000;
export const SECTION_TEXT_MAX = 2_900;
export const MESSAGE_BLOCKS_MAX = 50;

/** `512 GiB`, `1.2 TiB`: sizes in the units people read on a card. */
export function formatSize(gib: number): string {
  if (gib >= 1024) return `${(gib / 1024).toFixed(1).replace(/\.0$/, '')} TiB`;
  return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
}

export interface PackedLines {
  /** Section texts, each within the section limit, whole lines only. */
  sections: string[];
  /** The copies not shown as a line, to be counted in a summary. */
  rest: CopyView[];
}

/**
 * Packs whole lines (never cut mid-text) into at most `maxSections` sections and `maxChars` in all;
 * the copies whose lines do not fit, or lie past `maxLines`, are handed back for a summary.
 */
export function packLines(
  copies: CopyView[],
  line: (c: CopyView) => string,
  o: { maxSections: number; maxLines: number; maxChars?: number },
): PackedLines {
  const sections: string[] = [];
  let current = '';
  let shown = 0;
  let used = 0;
  for (const copy of copies) {
    if (shown >= o.maxLines) break;
    const text = line(copy);
    used += text.length + 1;
    if (o.maxChars !== undefined && used > o.maxChars) break;
    const last = sections.length === o.maxSections - 1;
    const joined = current ? `${current}\n${text}` : text;
    if (joined.length <= SECTION_TEXT_MAX) {
      current = joined;
      shown++;
      continue;
    }
    if (last || !current) break;
    sections.push(current);
    current = '';
    if (text.length > SECTION_TEXT_MAX) break;
    current = text;
    shown++;
  }
  if (current) sections.push(current);
  return { sections, rest: copies.slice(shown) };
}

/** One line per destination Region of the copies not shown: `→ us-west-2: …and 14 more, 1.2 TiB`. */
export function restLines(rest: CopyView[], extra?: (group: CopyView[]) => string): string[] {
  return [...byRegion(rest)].map(
    ([region, group]) =>
      `→ ${region}: …and ${group.length} more, ${formatSize(sum(group))}${extra ? ` ${extra(group)}` : ''}`,
  );
}

/** Per destination Region: how many copies and how much source data, then the whole request. */
export function totalsLines(copies: CopyView[]): string[] {
  const regions = byRegion(copies);
  const lines = [...regions].map(
    ([region, group]) => `→ ${region}: ${plural(group.length)}, ${formatSize(sum(group))}`,
  );
  if (regions.size > 1) lines.push(`Total: ${plural(copies.length)}, ${formatSize(sum(copies))}`);
  return lines;
}

/** The copies per destination Region, in the order the Regions first appear. */
function byRegion(copies: CopyView[]): Map<string, CopyView[]> {
  const groups = new Map<string, CopyView[]>();
  for (const c of copies) groups.set(c.destinationRegion, [...(groups.get(c.destinationRegion) ?? []), c]);
  return groups;
}

function sum(copies: CopyView[]): number {
  return copies.reduce((s, c) => s + c.sizeGiB, 0);
}

function plural(n: number): string {
  return `${n} ${n === 1 ? 'copy' : 'copies'}`;
}

export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/**
 * Sections for whole-line texts; long lists of short lines are split, never cut. A line longer
 * than a section (a long reason, many extra tags) is wrapped at spaces and goes on in the next.
 */
export function sectionsOf(lines: string[]): KnownBlock[] {
  const out: string[] = [];
  let current = '';
  for (const l of lines.flatMap(wrap)) {
    const joined = current ? `${current}\n${l}` : l;
    if (joined.length <= SECTION_TEXT_MAX || !current) current = joined;
    else {
      out.push(current);
      current = l;
    }
  }
  if (current) out.push(current);
  return out.map(section);
}

/** A line as pieces of at most a section's length, broken at the last space (or hard, if none). */
function wrap(line: string): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > SECTION_TEXT_MAX) {
    const space = rest.lastIndexOf(' ', SECTION_TEXT_MAX);
    const at = space > SECTION_TEXT_MAX / 2 ? space : SECTION_TEXT_MAX;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  return [...pieces, rest];
}
