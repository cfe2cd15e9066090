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

function parseCopy(tokens: readonly Token[]): Checked<CopyRequestSpec> {
  const problems: string[] = [];
  let i = 0;
  const sourceTokens: Token[] = [];
  for (; i < tokens.length && optionOf(tokens[i] as Token) === undefined; i++) {
    sourceTokens.push(tokens[i] as Token);
  }
  const seen = new Set<Option>();
  const single = new Map<Option, Token[]>();
  const tagValues: string[] = [];
  let encrypt = false;

  /** The option's value tokens; `to` takes a comma list that may have spaces after the commas. */
  const takeValue = (option: Exclude<Option, 'encrypt'>): Token[] | undefined => {
    const taken: Token[] = [];
    while (i < tokens.length && optionOf(tokens[i] as Token) === undefined) {
      const next = tokens[i] as Token;
      const previous = taken.at(-1);
      const continuesList =
        (option === 'to' &&
          previous !== undefined &&
          ((!previous.quoted && previous.value.endsWith(',')) ||
            (!next.quoted && next.value.startsWith(',')))) ||
        (option === 'lock' && taken.length === 1 && !next.quoted && LOCK_MODES.has(next.value.toLowerCase()));
      if (previous !== undefined && !continuesList) break;
      taken.push(next);
      i++;
    }
    if (taken.length === 0) {
      problems.push(`\`${option}\` needs ${VALUE_OF[option]}`);
      return undefined;
    }
    return taken;
  };

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
      while (i < tokens.length && optionOf(tokens[i] as Token) === undefined) {
        if (looksLikeSource((tokens[i] as Token).value)) break;
        i++;
      }
      continue;
    }
    if (option !== 'tag' && seen.has(option)) problems.push(`\`${option}\` is given more than once`);
    seen.add(option);
    if (option === 'encrypt') {
      encrypt = true;
      continue;
    }
    const value = takeValue(option);
    if (value === undefined) continue;
    if (option === 'tag') tagValues.push((value[0] as Token).value);
    else if (!single.has(option)) single.set(option, value);
  }

  const collect = <T>(checked: Checked<T> | undefined): T | undefined => {
    if (checked === undefined) return undefined;
    if (checked.ok) return checked.value;
    problems.push(...checked.problems);
    return undefined;
  };
  const one = (option: Option): string | undefined => single.get(option)?.[0]?.value;

  let sources: SourceSelector | undefined;
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
  } else {
    sources = collect(parseSources(listItems(sourceTokens)));
  }

  const destinationTokens = single.get('to');
  if (!seen.has('to')) {
    problems.push('missing `to <region>`: name the destination Region(s)');
  }
  const destinationRegions = destinationTokens
    ? collect(
        parseRegionList(listItems(destinationTokens), '`to` needs a Region (or a comma list of Regions)'),
      )
    : undefined;
  const fromRaw = one('from');
  const sourceRegion = fromRaw === undefined ? undefined : collect(parseRegion(fromRaw));
  const accountRaw = one('account');
  const sourceAccount = accountRaw === undefined ? undefined : collect(parseAccountRef(accountRaw));
  const toAccountRaw = one('to-account');
  const destinationAccount = toAccountRaw === undefined ? undefined : collect(parseAccountRef(toAccountRaw));
  const kmsRaw = one('kms');
  const kmsKeyId = kmsRaw === undefined ? undefined : collect(parseKmsKey(kmsRaw));
  if (kmsKeyId !== undefined && destinationRegions !== undefined) {
    problems.push(...kmsKeyRegionProblems(kmsKeyId, destinationRegions));
  }
  const withinRaw = one('within');
  const withinMinutes = withinRaw === undefined ? undefined : collect(parseWithin(withinRaw));
  const noteRaw = one('note');
  const note = noteRaw === undefined ? undefined : collect(parseNote(noteRaw));
  const tags = collect(parseTags(tagValues)) ?? [];
  const reasonRaw = one('reason');
  const reason = reasonRaw === undefined ? undefined : collect(parseReason(reasonRaw));
  const lockTokens = single.get('lock');
  const lock = lockTokens?.[0] ? collect(parseLock(lockTokens[0].value, lockTokens[1]?.value)) : undefined;

  if (problems.length > 0 || sources === undefined || destinationRegions === undefined) {
    return { ok: false, problems };
  }
  const spec: CopyRequestSpec = {
    sources,
    destinationRegions,
    encrypt: encrypt || kmsKeyId !== undefined,
    tags,
  };
  if (sourceAccount !== undefined) spec.sourceAccount = sourceAccount;
  if (sourceRegion !== undefined) spec.sourceRegion = sourceRegion;
  if (destinationAccount !== undefined) spec.destinationAccount = destinationAccount;
  if (kmsKeyId !== undefined) spec.kmsKeyId = kmsKeyId;
  if (withinMinutes !== undefined) spec.withinMinutes = withinMinutes;
  if (note !== undefined) spec.note = note;
  if (reason !== undefined) spec.reason = reason;
  if (lock !== undefined) spec.lock = lock;
  return { ok: true, value: spec };
}
