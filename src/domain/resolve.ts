/**
 * A spec resolved against the configured accounts: aliases or IDs → configured accounts, defaults
 * filled in (SPEC §4), every Region checked against what its account may use.
 */
import { quote } from './fields.js';
import type { AccountConfig, CopyRequestSpec, ResolvedRequest } from './types.js';

/** Which request field a problem is about (the modal's block_ids, for `response_action: errors`). */
export type ResolveField =
  | 'source_account'
  | 'source_region'
  | 'destination_account'
  | 'destination_regions'
  | 'reason';

export interface ResolveProblem {
  field: ResolveField;
  message: string;
}

export type ResolveResult =
  | {
      ok: true;
      request: ResolvedRequest;
      crossAccount: boolean;
      source: AccountConfig;
      destination: AccountConfig;
    }
  | { ok: false; problems: ResolveProblem[] };

/** An alias (case-insensitive) or a 12-digit account ID. */
export function findAccount(accounts: readonly AccountConfig[], ref: string): AccountConfig | undefined {
  const lower = ref.toLowerCase();
  return accounts.find((a) => a.id === ref || a.alias.toLowerCase() === lower);
}

function unknownAccount(accounts: readonly AccountConfig[], ref: string): string {
  const known = accounts.map((a) => a.alias).join(', ');
  return `${quote(ref)} is not a configured account (configured: ${known || 'none'})`;
}

function regionNotAllowed(account: AccountConfig, region: string): string {
  return `account ${account.alias} may not use ${region} (its Regions: ${account.regions.join(', ')})`;
}

export function resolveRequest(spec: CopyRequestSpec, accounts: readonly AccountConfig[]): ResolveResult {
  const problems: ResolveProblem[] = [];
  const source = sourceAccount(spec, accounts, problems);
  const destination = destinationAccount(spec, accounts, source, problems);
  const sourceRegion = spec.sourceRegion ?? source?.regions[0];
  problems.push(...regionProblems(spec, source, sourceRegion, destination));
  if (
    problems.length > 0 ||
    source === undefined ||
    destination === undefined ||
    sourceRegion === undefined
  ) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    request: resolvedRequest(spec, source, sourceRegion, destination),
    crossAccount: source.id !== destination.id,
    source,
    destination,
  };
}

/** The account named with `account`, else the one marked default. */
function sourceAccount(
  spec: CopyRequestSpec,
  accounts: readonly AccountConfig[],
  problems: ResolveProblem[],
): AccountConfig | undefined {
  if (spec.sourceAccount === undefined) {
    const source = accounts.find((a) => a.default);
    if (source === undefined) {
      problems.push({
        field: 'source_account',
        message:
          'no source account given and no configured account is marked default: name one with `account`',
      });
    }
    return source;
  }
  const source = findAccount(accounts, spec.sourceAccount);
  if (source === undefined) {
    problems.push({ field: 'source_account', message: unknownAccount(accounts, spec.sourceAccount) });
  }
  return source;
}

/** The account named with `to-account`, else the source account (a copy within it). */
function destinationAccount(
  spec: CopyRequestSpec,
  accounts: readonly AccountConfig[],
  source: AccountConfig | undefined,
  problems: ResolveProblem[],
): AccountConfig | undefined {
  if (spec.destinationAccount === undefined) return source;
  const destination = findAccount(accounts, spec.destinationAccount);
  if (destination === undefined) {
    problems.push({
      field: 'destination_account',
      message: unknownAccount(accounts, spec.destinationAccount),
    });
  }
  return destination;
}

/** Each Region against what its account may use; an unknown account's Regions are not checked. */
function regionProblems(
  spec: CopyRequestSpec,
  source: AccountConfig | undefined,
  sourceRegion: string | undefined,
  destination: AccountConfig | undefined,
): ResolveProblem[] {
  const problems: ResolveProblem[] = [];
  if (source !== undefined && sourceRegion !== undefined && !source.regions.includes(sourceRegion)) {
    problems.push({ field: 'source_region', message: regionNotAllowed(source, sourceRegion) });
  }
  if (destination !== undefined) {
    for (const region of spec.destinationRegions) {
      if (!destination.regions.includes(region)) {
        problems.push({ field: 'destination_regions', message: regionNotAllowed(destination, region) });
      }
    }
  }
  return problems;
}

function resolvedRequest(
  spec: CopyRequestSpec,
  source: AccountConfig,
  sourceRegion: string,
  destination: AccountConfig,
): ResolvedRequest {
  const request: ResolvedRequest = {
    sources: spec.sources,
    sourceAccount: source.alias,
    sourceRegion,
    destinationAccount: destination.alias,
    destinationRegions: [...spec.destinationRegions],
    encrypt: spec.encrypt,
    tags: [...spec.tags],
  };
  if (spec.kmsKeyId !== undefined) request.kmsKeyId = spec.kmsKeyId;
  if (spec.withinMinutes !== undefined) request.withinMinutes = spec.withinMinutes;
  if (spec.note !== undefined) request.note = spec.note;
  if (spec.reason !== undefined) request.reason = spec.reason;
  if (spec.lock !== undefined) request.lock = { ...spec.lock };
  return request;
}
