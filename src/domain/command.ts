/**
 * The `/snapshot-copy` grammar (SPEC §4) as a pure parser: text in, a typed command or every
 * problem found out. USAGE, helpText() and problems are plain text: escape them (`escapeSlack`)
 * before they go to Slack, as they contain `<…>` placeholders and echo user input.
 */
import {
  type Checked,
  kmsKeyRegionProblems,
  listItems,
  looksLikeSource,
  parseAccountRef,
  parseKmsKey,
  parseLock,
  parseNote,
  parseReason,
  parseRegion,
  parseRegionList,
  parseSources,
  parseTags,
  parseWithin,
  quote,
  type Token,
  tokenize,
} from './fields.js';
import type { CopyRequestSpec, SourceSelector } from './types.js';

export { KNOWN_REGIONS } from './regions.js';

export type ParsedCommand =
  | { kind: 'open-modal' }
  | { kind: 'help' }
  | { kind: 'status'; request?: number }
  | { kind: 'cancel'; request: number }
  | { kind: 'report' }
  | { kind: 'copy'; spec: CopyRequestSpec }
  | { kind: 'invalid'; problems: string[] };

export const USAGE = [
  'Usage: /snapshot-copy <snap-…[,snap-…] | tag:<Key>=<Value>> to <region>[,<region>…] [from <region>] ' +
    '[account <alias|id>] [to-account <alias|id>] [kms <key> | encrypt] [within <N>m|<N>h] ' +
    '[note "<text>"] [tag <Key>=<Value>]… [reason "<text>"] [lock <N>d [governance|compliance]]',
  '       /snapshot-copy [help | status [R-<n>] | cancel R-<n> | report]',
].join('\n');

export function helpText(): string {
  return [
    '/snapshot-copy                         open the request form',
    '/snapshot-copy help                    this help',
    '/snapshot-copy <sources> to <region>[,<region>…] [options]',
    '    <sources>              snapshot IDs (snap-…), comma or space separated,',
    '                           or tag:<Key>=<Value> — a multi-volume snapshot group, each copied on its own',
    '    from <region>          source Region (default: the source account’s first Region)',
    '    account <alias|id>     source account (default: the account marked default)',
    '    to-account <alias|id>  destination account — a cross-account (audit) copy',
    '    kms <key>              destination key: key ID, alias/…, key ARN or alias ARN; implies encryption',
    '    encrypt                encrypt the copy with the destination’s default key',
    '    within <N>m|<N>h       time-based copy, 15m … 48h in steps of 15 minutes',
    '    note "<text>"          description of the copy (at most 255 characters)',
    '    tag <Key>=<Value>      an extra tag on the copy; repeatable; no aws: prefix',
    '    reason "<text>"        why the copy is needed (at most 500 characters); shown to approvers and audited',
    '    lock <N>d [governance|compliance]',
    '                           lock each copy for N days once completed (default mode governance)',
    '/snapshot-copy status [R-<n>]          your requests, or one request, with queue positions',
    '/snapshot-copy cancel R-<n>            cancel a request that has not started copying',
    '/snapshot-copy report                  the DR report, now',
    '',
    'Example: /snapshot-copy snap-0123456789abcdef0 from us-east-1 to us-west-2 kms alias/dr note "before migration"',
  ].join('\n');
}

const SLACK_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Slack sends command text with `&`, `<`, `>` escaped; one pass, so `&amp;lt;` stays `&lt;`. */
export function decodeSlackText(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => SLACK_ENTITIES[entity] ?? entity);
}

const SUBCOMMANDS = ['help', 'status', 'cancel', 'report'];
const OPTIONS = [
  'to',
  'from',
  'account',
  'to-account',
  'kms',
  'encrypt',
  'within',
  'note',
  'tag',
  'reason',
  'lock',
] as const;
type Option = (typeof OPTIONS)[number];

/** What each option's value is, for "`from` needs a Region". */
const VALUE_OF: Record<Exclude<Option, 'encrypt'>, string> = {
  to: 'a Region (or a comma list of Regions)',
  from: 'a Region',
  account: 'an account alias or 12-digit ID',
  'to-account': 'an account alias or 12-digit ID',
  kms: 'a KMS key ID, alias/…, key ARN or alias ARN',
  within: 'a duration such as 90m or 2h',
  note: 'a text in quotes',
  tag: 'a <Key>=<Value> pair',
  reason: 'a text in quotes',
  lock: 'a number of days such as 30d, then optionally governance or compliance',
};

const LOCK_MODES = new Set(['governance', 'compliance']);

function optionOf(token: Token): Option | undefined {
  if (token.quoted) return undefined;
  const word = token.value.toLowerCase();
  return (OPTIONS as readonly string[]).includes(word) ? (word as Option) : undefined;
}

export function parseCommand(text: string): ParsedCommand {
  const { tokens, problems } = tokenize(decodeSlackText(text));
  const first = tokens[0];
  if (first === undefined)
    return problems.length > 0 ? { kind: 'invalid', problems } : { kind: 'open-modal' };
  const word = first.quoted ? '' : first.value.toLowerCase();
  const rest = tokens.slice(1);
  switch (word) {
    case 'help':
      return { kind: 'help' };
    case 'report':
      if (rest.length > 0) problems.push('`report` takes no arguments');
      return problems.length > 0 ? { kind: 'invalid', problems } : { kind: 'report' };
    case 'status': {
      if (rest.length > 1) problems.push('`status` takes at most one request, e.g. `status R-12`');
      const label = rest[0];
      if (label === undefined)
        return problems.length > 0 ? { kind: 'invalid', problems } : { kind: 'status' };
      const request = parseRequestLabel(label.value);
      if (!request.ok) problems.push(...request.problems);
      return request.ok && problems.length === 0
        ? { kind: 'status', request: request.value }
        : { kind: 'invalid', problems };
    }
    case 'cancel': {
      const label = rest[0];
      if (label === undefined) problems.push('`cancel` needs a request, e.g. `cancel R-12`');
      if (rest.length > 1) problems.push('`cancel` takes one request, e.g. `cancel R-12`');
      const request = label ? parseRequestLabel(label.value) : undefined;
      if (request && !request.ok) problems.push(...request.problems);
      return request?.ok && problems.length === 0
        ? { kind: 'cancel', request: request.value }
        : { kind: 'invalid', problems };
    }
    default: {
      const copy = parseCopy(tokens);
      problems.push(...(copy.ok ? [] : copy.problems));
      return copy.ok && problems.length === 0
        ? { kind: 'copy', spec: copy.value }
        : { kind: 'invalid', problems };
    }
  }
}

export function parseRequestLabel(raw: string): Checked<number> {
  const match = /^r-(\d{1,9})$/i.exec(raw);
  const n = match ? Number(match[1]) : 0;
  if (n >= 1) return { ok: true, value: n };
  return { ok: false, problems: [`${quote(raw)} is not a request number (R-<n>, e.g. R-12)`] };
}

/** `<sources> to <region>… [options]`: each clause parsed on its own, so every problem is listed. */
function parseCopy(tokens: readonly Token[]): Checked<CopyRequestSpec> {
  const problems: string[] = [];
  const sourceTokens = leadingSources(tokens);
  const options = scanOptions(tokens.slice(sourceTokens.length), problems);
  const sources = parseSourceClause(sourceTokens, problems);
  const values = parseOptionValues(options, problems);
  if (problems.length > 0 || sources === undefined || values.destinationRegions === undefined) {
    return { ok: false, problems };
  }
  return { ok: true, value: copySpec(sources, values.destinationRegions, options.encrypt, values) };
}

/** The options as given, before their values are parsed. */
interface ScannedOptions {
  seen: Set<Option>;
  /** The value tokens of each option but `tag`: the first given, when one is given twice. */
  single: Map<Option, Token[]>;
  tagValues: string[];
  encrypt: boolean;
}

/** What the options say, parsed; `undefined` where an option is absent or its value is wrong. */
type OptionValues = Partial<Omit<CopyRequestSpec, 'sources' | 'encrypt' | 'tags'>> &
  Pick<CopyRequestSpec, 'tags'>;

/** Sources come first: every token up to the first option word. */
function leadingSources(tokens: readonly Token[]): Token[] {
  const end = tokens.findIndex((token) => optionOf(token) !== undefined);
  return tokens.slice(0, end === -1 ? tokens.length : end);
}

/** Walks the options: each option word takes the value tokens that follow it. */
function scanOptions(tokens: readonly Token[], problems: string[]): ScannedOptions {
  const scanned: ScannedOptions = { seen: new Set(), single: new Map(), tagValues: [], encrypt: false };
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as Token;
    const option = optionOf(token);
    i++;
    if (option === undefined) {
      if (looksLikeSource(token.value)) {
        problems.push(`${quote(token.value)}: sources come first, before the options`);
        continue;
      }
      problems.push(`${quote(token.value)} is not an option (options: ${OPTIONS.join(', ')})`);
      // Its value (`colour blue`) is part of the same mistake: one problem, not one per word.
      i = endOfMistakenValue(tokens, i);
      continue;
    }
    if (option !== 'tag' && scanned.seen.has(option)) problems.push(`\`${option}\` is given more than once`);
    scanned.seen.add(option);
    if (option === 'encrypt') {
      scanned.encrypt = true;
      continue;
    }
    const value = takeValue(tokens, i, option);
    i += value.length;
    if (value.length === 0) {
      problems.push(`\`${option}\` needs ${VALUE_OF[option]}`);
      continue;
    }
    if (option === 'tag') scanned.tagValues.push((value[0] as Token).value);
    else if (!scanned.single.has(option)) scanned.single.set(option, value);
  }
  return scanned;
}

function endOfMistakenValue(tokens: readonly Token[], start: number): number {
  let i = start;
  while (i < tokens.length && optionOf(tokens[i] as Token) === undefined) {
    if (looksLikeSource((tokens[i] as Token).value)) break;
    i++;
  }
  return i;
}

/** The option's value tokens from `start`: one token, but see `continuesValue`. */
function takeValue(tokens: readonly Token[], start: number, option: Exclude<Option, 'encrypt'>): Token[] {
  const taken: Token[] = [];
  for (let i = start; i < tokens.length && optionOf(tokens[i] as Token) === undefined; i++) {
    const next = tokens[i] as Token;
    if (taken.length > 0 && !continuesValue(option, taken, next)) break;
    taken.push(next);
  }
  return taken;
}

/** `to` takes a comma list that may have spaces after the commas; `lock` a mode after its days. */
function continuesValue(option: Exclude<Option, 'encrypt'>, taken: readonly Token[], next: Token): boolean {
  const previous = taken.at(-1);
  return (
    (option === 'to' &&
      previous !== undefined &&
      ((!previous.quoted && previous.value.endsWith(',')) || (!next.quoted && next.value.startsWith(',')))) ||
    (option === 'lock' && taken.length === 1 && !next.quoted && LOCK_MODES.has(next.value.toLowerCase()))
  );
}

/** A checked value, its problems added to `problems` when it is wrong. */
function collector(problems: string[]) {
  return <T>(checked: Checked<T> | undefined): T | undefined => {
    if (checked === undefined) return undefined;
    if (checked.ok) return checked.value;
    problems.push(...checked.problems);
    return undefined;
  };
}

/** A lone word where the sources go is a mistyped subcommand more likely than a snapshot. */
function parseSourceClause(sourceTokens: readonly Token[], problems: string[]): SourceSelector | undefined {
  const firstSource = sourceTokens[0];
  if (
    sourceTokens.length === 1 &&
    firstSource &&
    !firstSource.quoted &&
    /^[a-z]+$/i.test(firstSource.value)
  ) {
    problems.push(
      `${quote(firstSource.value)} is neither a command (${SUBCOMMANDS.join(', ')}) nor a snapshot ID`,
    );
    return undefined;
  }
  return collector(problems)(parseSources(listItems(sourceTokens)));
}

function parseOptionValues({ seen, single, tagValues }: ScannedOptions, problems: string[]): OptionValues {
  const collect = collector(problems);
  const one = <T>(option: Option, parse: (raw: string) => Checked<T>): T | undefined => {
    const raw = single.get(option)?.[0]?.value;
    return raw === undefined ? undefined : collect(parse(raw));
  };

  const destinationTokens = single.get('to');
  if (!seen.has('to')) {
    problems.push('missing `to <region>`: name the destination Region(s)');
  }
  const destinationRegions = destinationTokens
    ? collect(
        parseRegionList(listItems(destinationTokens), '`to` needs a Region (or a comma list of Regions)'),
      )
    : undefined;
  const sourceRegion = one('from', parseRegion);
  const sourceAccount = one('account', parseAccountRef);
  const destinationAccount = one('to-account', parseAccountRef);
  const kmsKeyId = one('kms', parseKmsKey);
  if (kmsKeyId !== undefined && destinationRegions !== undefined) {
    problems.push(...kmsKeyRegionProblems(kmsKeyId, destinationRegions));
  }
  const withinMinutes = one('within', parseWithin);
  const note = one('note', parseNote);
  const tags = collect(parseTags(tagValues)) ?? [];
  const reason = one('reason', parseReason);
  const lockTokens = single.get('lock');
  const lock = lockTokens?.[0] ? collect(parseLock(lockTokens[0].value, lockTokens[1]?.value)) : undefined;
  return {
    destinationRegions,
    sourceRegion,
    sourceAccount,
    destinationAccount,
    kmsKeyId,
    withinMinutes,
    note,
    tags,
    reason,
    lock,
  };
}

/** The spec holds only the options given: absent ones are left out, not set to undefined. */
function copySpec(
  sources: SourceSelector,
  destinationRegions: string[],
  encrypt: boolean,
  v: OptionValues,
): CopyRequestSpec {
  const spec: CopyRequestSpec = {
    sources,
    destinationRegions,
    encrypt: encrypt || v.kmsKeyId !== undefined,
    tags: v.tags,
  };
  if (v.sourceAccount !== undefined) spec.sourceAccount = v.sourceAccount;
  if (v.sourceRegion !== undefined) spec.sourceRegion = v.sourceRegion;
  if (v.destinationAccount !== undefined) spec.destinationAccount = v.destinationAccount;
  if (v.kmsKeyId !== undefined) spec.kmsKeyId = v.kmsKeyId;
  if (v.withinMinutes !== undefined) spec.withinMinutes = v.withinMinutes;
  if (v.note !== undefined) spec.note = v.note;
  if (v.reason !== undefined) spec.reason = v.reason;
  if (v.lock !== undefined) spec.lock = v.lock;
  return spec;
}
