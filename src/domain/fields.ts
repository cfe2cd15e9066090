/**
 * One validator per request field, shared by the slash-command grammar (`command.ts`) and the
 * modal (`modal.ts`), so each rule lives in one place. Problems are plain text (not escaped for
 * Slack) and quote what the user typed in backticks.
 */

import { isKnownRegion, suggestRegion } from './regions.js';
import { type LockMode, type LockSpec, PROVENANCE_TAGS, type SourceSelector, type Tag } from './types.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(...problems: string[]): Checked<T> => ({ ok: false, problems });

/** Quote user input in a problem, shortened so a pasted essay does not become the error. */
export function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  return `\`${shown}\``;
}

// ---------------------------------------------------------------------------------------------
// Tokens

export interface Token {
  value: string;
  /** Some part was inside quotes: never a keyword, never split on commas. */
  quoted: boolean;
}

const SMART_QUOTES: Record<string, string> = {
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
};

/** Slack clients turn typed quotes into typographic ones; read them as the plain ones. */
export function normalizeQuotes(text: string): string {
  return text.replace(/[\u201C-\u201F\u2018\u2019\u2032\u2033]/g, (c) => SMART_QUOTES[c] ?? c);
}

/**
 * Splits on whitespace, keeping quoted parts together: `note "two words"`, `tag:"Backup Set"=daily`.
 * Double quotes group anywhere; a single quote groups only at the start of a token or after `=`/`:`,
 * so the apostrophe in an unquoted `don't` stays a letter.
 */
export function tokenize(input: string): { tokens: Token[]; problems: string[] } {
  const text = normalizeQuotes(input);
  const tokens: Token[] = [];
  const problems: string[] = [];
  let value = '';
  let quoted = false;
  let inToken = false;
  let i = 0;
  const flush = () => {
    if (inToken) tokens.push({ value, quoted });
    value = '';
    quoted = false;
    inToken = false;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      flush();
      i++;
      continue;
    }
    const opensSingle = c === "'" && (!inToken || value.endsWith('=') || value.endsWith(':'));
    if (c === '"' || opensSingle) {
      const close = text.indexOf(c, i + 1);
      inToken = true;
      quoted = true;
      if (close === -1) {
        problems.push(`a quote is not closed: ${quote(text.slice(i))}`);
        value += text.slice(i + 1);
        i = text.length;
      } else {
        value += text.slice(i + 1, close);
        i = close + 1;
      }
      continue;
    }
    value += c;
    inToken = true;
    i++;
  }
  flush();
  return { tokens, problems };
}

/** The items of a list field: whitespace- or comma-separated; quoted tokens stay whole. */
export function listItems(tokens: readonly Token[]): string[] {
  return tokens.flatMap((t) => (t.quoted ? [t.value] : t.value.split(','))).filter((s) => s !== '');
}

// ---------------------------------------------------------------------------------------------
// Sources

const SNAPSHOT_ID = /^snap-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export function parseSnapshotId(raw: string): Checked<string> {
  const id = raw.toLowerCase();
  if (SNAPSHOT_ID.test(id)) return ok(id);
  return fail(`${quote(raw)} is not a snapshot ID (snap- followed by 8 or 17 hex digits)`);
}

/** `tag:<Key>=<Value>` selects a multi-volume snapshot group (`aws:` keys allowed: they are read, not written). */
export function parseTagSelector(raw: string): Checked<{ key: string; value: string }> {
  const body = raw.slice('tag:'.length);
  const eq = body.indexOf('=');
  if (eq === -1) return fail(`${quote(raw)} needs a value: tag:<Key>=<Value>`);
  const key = body.slice(0, eq);
  const value = body.slice(eq + 1);
  const problems: string[] = [];
  if (key === '') problems.push(`${quote(raw)} has no tag key: tag:<Key>=<Value>`);
  if (value === '') problems.push(`${quote(raw)} has no tag value: tag:<Key>=<Value>`);
  problems.push(...tagLengthProblems(key, value));
  return problems.length > 0 ? fail(...problems) : ok({ key, value });
}

export function isTagSelector(raw: string): boolean {
  return raw.toLowerCase().startsWith('tag:');
}

export function looksLikeSource(raw: string): boolean {
  return isTagSelector(raw) || raw.toLowerCase().startsWith('snap-');
}

export function parseSources(items: readonly string[]): Checked<SourceSelector> {
  if (items.length === 0) {
    return fail('no source snapshots: give snapshot IDs (snap-…) or one tag:<Key>=<Value>');
  }
  const problems: string[] = [];
  const ids: string[] = [];
  const selectors: Array<{ key: string; value: string }> = [];
  for (const item of items) {
    const parsed = isTagSelector(item) ? parseTagSelector(item) : parseSnapshotId(item);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
    } else if (typeof parsed.value === 'string') {
      if (ids.includes(parsed.value)) problems.push(`${quote(parsed.value)} is listed twice`);
      else ids.push(parsed.value);
    } else {
      selectors.push(parsed.value);
    }
  }
  if (selectors.length > 0 && ids.length > 0) {
    problems.push('give either snapshot IDs or one tag:<Key>=<Value>, not both');
  }
  if (selectors.length > 1) problems.push('give one tag:<Key>=<Value> selector per request, not several');
  if (problems.length > 0) return fail(...problems);
  const selector = selectors[0];
  return ok(selector ? { kind: 'tag', key: selector.key, value: selector.value } : { kind: 'ids', ids });
}

// ---------------------------------------------------------------------------------------------
// Regions and accounts

export function parseRegion(raw: string): Checked<string> {
  const region = raw.toLowerCase();
  if (isKnownRegion(region)) return ok(region);
  const suggestion = suggestRegion(region);
  const hint = suggestion ? ` (did you mean ${quote(suggestion)}?)` : '';
  return fail(`${quote(raw)} is not an AWS Region${hint}`);
}

export function parseRegionList(items: readonly string[], whenEmpty: string): Checked<string[]> {
  if (items.length === 0) return fail(whenEmpty);
  const problems: string[] = [];
  const regions: string[] = [];
  for (const item of items) {
    const parsed = parseRegion(item);
    if (!parsed.ok) problems.push(...parsed.problems);
    else if (regions.includes(parsed.value)) problems.push(`${quote(parsed.value)} is listed twice`);
    else regions.push(parsed.value);
  }
  return problems.length > 0 ? fail(...problems) : ok(regions);
}

const ACCOUNT_ALIAS = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** An account as typed: a 12-digit ID or an alias. Whether it is configured is `resolve.ts`'s job. */
export function parseAccountRef(raw: string): Checked<string> {
  if (/^\d+$/.test(raw)) {
    return raw.length === 12 ? ok(raw) : fail(`${quote(raw)} is not an account ID (12 digits)`);
  }
  if (ACCOUNT_ALIAS.test(raw)) return ok(raw);
  return fail(`${quote(raw)} is not an account alias or a 12-digit account ID`);
}

// ---------------------------------------------------------------------------------------------
// KMS keys

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const MRK = 'mrk-[0-9a-f]{32}';
const ALIAS_NAME = 'alias/[A-Za-z0-9/_-]{1,250}';
const KEY_ID = new RegExp(`^(?:${UUID}|${MRK})$`, 'i');
const ALIAS = new RegExp(`^${ALIAS_NAME}$`);
// A key ARN's key part is left to AWS (the pre-flight's DescribeKey and the doctor read the key):
// the shape alone cannot tell a key that exists from one that does not.
const KMS_ARN = new RegExp(
  `^arn:(aws(?:-[a-z]+)*):kms:([a-z]+(?:-[a-z]+)+-\\d+):(\\d{12}):(?:key/[\\w-]+|${ALIAS_NAME})$`,
  'i',
);

/** The one shape check of a KMS key reference, for commands, forms and the config alike. */
export function isKmsKeyReference(raw: string): boolean {
  return KEY_ID.test(raw) || ALIAS.test(raw) || KMS_ARN.test(raw);
}

export function parseKmsKey(raw: string): Checked<string> {
  if (isKmsKeyReference(raw)) return ok(raw);
  return fail(
    `${quote(raw)} is not a KMS key: use a key ID, mrk-… multi-Region key ID, alias/…, key ARN or alias ARN`,
  );
}

/** The Region named in a key or alias ARN; undefined for IDs and aliases, which resolve per Region. */
export function kmsKeyRegion(key: string): string | undefined {
  return KMS_ARN.exec(key)?.[2]?.toLowerCase();
}

/** A KMS key encrypts only in its own Region, so an ARN cannot serve copies to other Regions. */
export function kmsKeyRegionProblems(key: string, destinationRegions: readonly string[]): string[] {
  const keyRegion = kmsKeyRegion(key);
  if (keyRegion === undefined) return [];
  const elsewhere = destinationRegions.filter((r) => r !== keyRegion);
  if (elsewhere.length === 0) return [];
  return [
    `the KMS key ${quote(key)} is in ${keyRegion} but copies go to ${elsewhere.join(', ')}: ` +
      'a key encrypts only in its own Region (use alias/… or a key ID to pick the key in each Region)',
  ];
}

// ---------------------------------------------------------------------------------------------
// within, note, tags

export const WITHIN_MIN_MINUTES = 15;
export const WITHIN_MAX_MINUTES = 2880;

/** `within <N>m|<N>h` → CompletionDurationMinutes: 15 … 2880 in steps of 15. */
export function parseWithin(raw: string): Checked<number> {
  const match = /^(\d{1,6})([mh])$/i.exec(raw);
  if (!match) return fail(`${quote(raw)} is not a duration: write <N>m or <N>h, e.g. 90m or 2h`);
  const minutes = Number(match[1]) * ((match[2] as string).toLowerCase() === 'h' ? 60 : 1);
  if (minutes < WITHIN_MIN_MINUTES || minutes > WITHIN_MAX_MINUTES) {
    return fail(`within ${quote(raw)} is out of range: 15m … 48h`);
  }
  if (minutes % 15 !== 0) return fail(`within ${quote(raw)} must be a multiple of 15 minutes`);
  return ok(minutes);
}

export const LOCK_MAX_DAYS = 36_500;

/** `lock <N>d [governance|compliance]`: the mode defaults to governance (SPEC §4). */
export function parseLock(daysRaw: string, modeRaw: string | undefined): Checked<LockSpec> {
  const match = /^(\d{1,6})d?$/i.exec(daysRaw.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  const problems: string[] = [];
  if (!match) problems.push(`${quote(daysRaw)} is not a lock duration: write <N>d, e.g. 30d`);
  else if (days < 1 || days > LOCK_MAX_DAYS)
    problems.push(`lock ${quote(daysRaw)} is out of range: 1d … ${LOCK_MAX_DAYS}d`);
  const mode = (modeRaw ?? 'governance').trim().toLowerCase();
  if (mode !== 'governance' && mode !== 'compliance') {
    problems.push(`${quote(modeRaw ?? '')} is not a lock mode (governance or compliance)`);
  }
  if (problems.length > 0) return fail(...problems);
  return ok({ mode: mode as LockMode, days });
}

export const NOTE_MAX_LENGTH = 255;

export function parseNote(text: string): Checked<string> {
  if (text.trim() === '') return fail('the note is empty');
  const length = [...text].length;
  if (length > NOTE_MAX_LENGTH) {
    return fail(`the note is ${length} characters long; at most ${NOTE_MAX_LENGTH} are allowed`);
  }
  return ok(text);
}

export const REASON_MAX_LENGTH = 500;

/** `reason "<text>"`: why the copy is needed, shown to approvers and audited (SPEC §4). */
export function parseReason(text: string): Checked<string> {
  const reason = text.trim();
  if (reason === '') return fail('the reason is empty');
  const length = [...reason].length;
  if (length > REASON_MAX_LENGTH) {
    return fail(`the reason is ${length} characters long; at most ${REASON_MAX_LENGTH} are allowed`);
  }
  return ok(reason);
}

export const TAG_KEY_MAX_LENGTH = 128;
export const TAG_VALUE_MAX_LENGTH = 256;
/** EC2 allows 50 tags per resource; the bot writes its five provenance tags on every copy. */
export const MAX_EXTRA_TAGS = 50 - Object.keys(PROVENANCE_TAGS).length;
const BOT_TAG_PREFIX = 'snapshot-copy:';

function tagLengthProblems(key: string, value: string): string[] {
  const problems: string[] = [];
  if ([...key].length > TAG_KEY_MAX_LENGTH) {
    problems.push(`the tag key ${quote(key)} is longer than ${TAG_KEY_MAX_LENGTH} characters`);
  }
  if ([...value].length > TAG_VALUE_MAX_LENGTH) {
    problems.push(`the value of tag ${quote(key)} is longer than ${TAG_VALUE_MAX_LENGTH} characters`);
  }
  return problems;
}

/** An extra tag for the copy, `Key=Value` (the value may be empty, as AWS allows). */
export function parseTag(raw: string): Checked<Tag> {
  const eq = raw.indexOf('=');
  if (eq === -1) return fail(`${quote(raw)} is not a tag: write <Key>=<Value>`);
  const key = raw.slice(0, eq).trim();
  const value = raw.slice(eq + 1).trim();
  if (key === '') return fail(`${quote(raw)} has no tag key: write <Key>=<Value>`);
  const problems = tagLengthProblems(key, value);
  if (key.toLowerCase().startsWith('aws:')) {
    problems.push(`the tag key ${quote(key)} starts with aws:, which AWS reserves`);
  }
  if (key.toLowerCase().startsWith(BOT_TAG_PREFIX)) {
    problems.push(`the tag key ${quote(key)} starts with ${BOT_TAG_PREFIX}, which the bot writes itself`);
  }
  return problems.length > 0 ? fail(...problems) : ok({ key, value });
}

/** Checks each tag and the set: tag keys are case-sensitive in EC2, so `Env` and `env` are two keys. */
export function parseTags(raws: readonly string[]): Checked<Tag[]> {
  const problems: string[] = [];
  const tags: Tag[] = [];
  for (const raw of raws) {
    const parsed = parseTag(raw);
    if (!parsed.ok) problems.push(...parsed.problems);
    else if (tags.some((t) => t.key === parsed.value.key)) {
      problems.push(`the tag key ${quote(parsed.value.key)} is given twice`);
    } else tags.push(parsed.value);
  }
  if (raws.length > MAX_EXTRA_TAGS) {
    problems.push(`${raws.length} tags given; at most ${MAX_EXTRA_TAGS} fit beside the bot's own`);
  }
  return problems.length > 0 ? fail(...problems) : ok(tags);
}
