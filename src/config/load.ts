import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { AccountConfig } from '../domain/types.js';
import {
  type AccountIndex,
  checkAccounts,
  checkApprovals,
  checkDrPolicies,
  checkLimits,
  type Indexed,
  type Path,
} from './checks.js';
import { ConfigError, type ConfigProblem, formatPath } from './errors.js';
import {
  accountSchema,
  approvalsSchema,
  type BotConfig,
  type DrPolicyConfig,
  drPolicySchema,
  limitsSchema,
  pollingSchema,
  pricingSchema,
  type ReportConfig,
  reportSchema,
  SECTION_KEYS,
  slackSchema,
} from './schema.js';

export const CONFIG_README_SECTION = 'README → Configuration → Config file';

/** Finds the line of a path in the source file, when the config came from one. */
export type Locate = (path: Path) => number | undefined;

/** Reads, parses and validates the configuration file. Throws `ConfigError` listing every problem. */
export async function loadConfig(path: string): Promise<BotConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Cannot read the configuration file ${path}: ${describeFsError(error)}.`,
      [],
      `Set SNAPSHOT_COPY_CONFIG to the file's path; see ${CONFIG_README_SECTION}.`,
    );
  }
  return parseConfigText(text, path);
}

/** Parses YAML text; `source` names the file in messages. */
export function parseConfigText(text: string, source: string): BotConfig {
  const lineCounter = new LineCounter();
  // prettyErrors off: the position is added below in the same form as every other problem.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `The configuration file ${source} is not valid YAML:`,
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: `line ${line}, column ${col}`, message: error.message };
      }),
      `See ${CONFIG_README_SECTION}.`,
    );
  }
  const locate: Locate = (path) => {
    // The nearest node that exists: a missing key is reported at its parent mapping.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (hasRange(node)) {
        return lineCounter.linePos(node.range[0]).line;
      }
    }
    return undefined;
  };
  return configFromObject(doc.toJS(), { source, locate });
}

function hasRange(node: unknown): node is { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as { range?: unknown }).range);
}

/**
 * Validates an already parsed configuration (tests and sandbox mode build one in code).
 * Each section, and each element of a list, is parsed on its own: one broken entry does not hide
 * the problems of the others.
 */
export function configFromObject(
  raw: unknown,
  options: { source?: string; locate?: Locate } = {},
): BotConfig {
  const { problems, report, fail } = problemCollector(options.source ?? 'the configuration', options.locate);
  if (raw === null || raw === undefined) {
    report([], 'is empty; it needs at least slack, accounts and approvals');
    return fail();
  }
  if (!isRecord(raw)) {
    report([], 'must be a YAML mapping with the keys slack, accounts, approvals, …');
    return fail();
  }
  for (const key of Object.keys(raw)) {
    if (!(SECTION_KEYS as readonly string[]).includes(key)) {
      report([key], `unknown key (expected one of ${SECTION_KEYS.join(', ')})`);
    }
  }
  const sections = parseSections(raw, report);
  checkAcrossSections(sections, report);
  const config = problems.length > 0 ? undefined : completeConfig(sections);
  return config ?? fail();
}

type Report = (path: Path, message: string) => void;

function problemCollector(source: string, locate: Locate | undefined) {
  const problems: ConfigProblem[] = [];
  const report: Report = (path, message) => {
    const line = locate?.(path);
    problems.push({ path: formatPath(path), message, ...(line !== undefined ? { line } : {}) });
  };
  const fail = (): never => {
    // File order reads best; problems without a line (no source file) keep their order.
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new ConfigError(
      `The configuration in ${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
      problems,
      `See ${CONFIG_README_SECTION}.`,
    );
  };
  return { problems, report, fail };
}

function parseSections(raw: Record<string, unknown>, report: Report) {
  return {
    slack: parseSection(slackSchema, raw.slack, ['slack'], report, true),
    accountEntries: parseList(accountSchema, raw.accounts, ['accounts'], report, true),
    approvals: parseSection(approvalsSchema, raw.approvals, ['approvals'], report, true),
    limits: parseSection(limitsSchema, raw.limits, ['limits'], report, false),
    polling: parseSection(pollingSchema, raw.polling, ['polling'], report, false),
    pricing: parseSection(pricingSchema, raw.pricing, ['pricing'], report, false),
    reportEntries: parseList(reportSchema, raw.reports, ['reports'], report, false),
    policyEntries: parseList(drPolicySchema, raw.drPolicies, ['drPolicies'], report, false),
  };
}

type Sections = ReturnType<typeof parseSections>;

/** What one section says about another: the accounts that approvals, limits and DR policies name. */
function checkAcrossSections(s: Sections, report: Report): void {
  const accounts: Indexed<AccountConfig>[] = s.accountEntries.parsed;
  checkAccounts(accounts, report);
  const index: AccountIndex = {
    parsed: new Map(accounts.map(({ value }) => [value.alias, value])),
    broken: new Set(
      s.accountEntries.brokenRaw.flatMap((entry) => (typeof entry.alias === 'string' ? [entry.alias] : [])),
    ),
  };
  if (s.approvals !== undefined) checkApprovals(s.approvals, index, report);
  if (s.limits !== undefined) checkLimits(s.limits, index, report);
  checkDrPolicies(s.policyEntries.parsed, index, report);
}

/** The configuration, once every section parsed; undefined while any is missing or broken. */
function completeConfig(s: Sections): BotConfig | undefined {
  const { slack, approvals, limits, polling, pricing } = s;
  if (
    slack === undefined ||
    approvals === undefined ||
    limits === undefined ||
    polling === undefined ||
    pricing === undefined ||
    s.accountEntries.brokenCount > 0 ||
    s.reportEntries.brokenCount > 0 ||
    s.policyEntries.brokenCount > 0
  ) {
    return undefined;
  }

  const accountList = s.accountEntries.parsed.map(({ value }) => value);
  // "Exactly one default, or the only account": a lone account is the default without saying so.
  const only = accountList.length === 1 ? accountList[0] : undefined;
  if (only !== undefined) only.default = true;

  return {
    slack,
    accounts: accountList,
    approvals,
    limits,
    polling,
    reports: s.reportEntries.parsed.map(({ value }) => value) satisfies ReportConfig[],
    drPolicies: s.policyEntries.parsed.map(({ value }) => value) satisfies DrPolicyConfig[],
    pricing,
  };
}

function parseSection<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: Path,
  report: (path: Path, message: string) => void,
  required: boolean,
): z.output<S> | undefined {
  if (value === undefined && required) {
    report(path, 'required');
    return undefined;
  }
  const result = schema.safeParse(value, { error: friendlyMessage });
  if (result.success) return result.data;
  for (const issue of result.error.issues) reportIssue(issue, path, report);
  return undefined;
}

interface ParsedList<T> {
  parsed: Indexed<T>[];
  brokenCount: number;
  brokenRaw: Record<string, unknown>[];
}

function parseList<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: Path,
  report: (path: Path, message: string) => void,
  required: boolean,
): ParsedList<z.output<S>> {
  const out: ParsedList<z.output<S>> = { parsed: [], brokenCount: 0, brokenRaw: [] };
  if (value === undefined || value === null) {
    if (required) {
      report(path, 'required: list at least one entry');
      out.brokenCount++;
    }
    return out;
  }
  if (!Array.isArray(value)) {
    report(path, 'must be a list (entries starting with "- ")');
    out.brokenCount++;
    return out;
  }
  if (value.length === 0 && required) {
    report(path, 'must list at least one entry');
    out.brokenCount++;
  }
  value.forEach((element: unknown, i) => {
    const parsed = parseSection(schema, element, [...path, i], report, true);
    if (parsed !== undefined) out.parsed.push({ index: i, value: parsed });
    else {
      out.brokenCount++;
      if (isRecord(element)) out.brokenRaw.push(element);
    }
  });
  return out;
}

function reportIssue(
  issue: z.core.$ZodIssue,
  base: Path,
  report: (path: Path, message: string) => void,
): void {
  const path = [
    ...base,
    ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
  ];
  if (issue.code === 'unrecognized_keys') {
    // One line per key, at the key itself: `accounts[0].regoins: unknown key`.
    for (const key of issue.keys) report([...path, key], 'unknown key');
    return;
  }
  report(path, issue.message);
}

/** Messages for issues a schema did not word itself (wrong YAML types, mostly). */
function friendlyMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'required';
  const expected: Record<string, string> = {
    object: 'a mapping (key: value)',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
  };
  return `must be ${expected[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  return error instanceof Error ? error.message : String(error);
}
