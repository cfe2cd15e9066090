/**
 * Rules across fields and sections of the configuration file, run on the sections that parsed.
 * References to an account whose own entry is broken are not reported again: the operator sees
 * the root cause once, at the account.
 */
import { kmsKeyRegion } from '../domain/fields.js';
import type { AccountConfig, ApprovalsConfig, LimitsConfig } from '../domain/types.js';
import { type DrPolicyConfig, roleArnAccount } from './schema.js';

export type Path = ReadonlyArray<string | number>;
export type Report = (path: Path, message: string) => void;

/** A parsed element of a list, with its index in the file for problem paths. */
export interface Indexed<T> {
  index: number;
  value: T;
}

/** Accounts as far as they could be read: parsed ones, plus aliases of entries that are broken. */
export interface AccountIndex {
  parsed: Map<string, AccountConfig>;
  /** Aliases of account entries that failed to parse: references to them are not re-reported. */
  broken: Set<string>;
}

export function checkAccounts(accounts: Indexed<AccountConfig>[], report: Report): void {
  const aliases = new Map<string, number>();
  const ids = new Map<string, number>();
  for (const { index, value: account } of accounts) {
    // Aliases are matched case-insensitively in commands, so "Prod" and "prod" would collide.
    const aliasKey = account.alias.toLowerCase();
    const firstAlias = aliases.get(aliasKey);
    if (firstAlias !== undefined) {
      report(['accounts', index, 'alias'], `"${account.alias}" is already used by accounts[${firstAlias}]`);
    } else aliases.set(aliasKey, index);

    const firstId = ids.get(account.id);
    if (firstId !== undefined)
      report(['accounts', index, 'id'], `${account.id} is already used by accounts[${firstId}]`);
    else ids.set(account.id, index);

    if (account.roleArn !== undefined) {
      const arnAccount = roleArnAccount(account.roleArn);
      if (arnAccount !== account.id) {
        report(
          ['accounts', index, 'roleArn'],
          `names account ${arnAccount}, but this account's id is ${account.id}`,
        );
      }
    } else if (account.externalId !== undefined) {
      report(
        ['accounts', index, 'externalId'],
        'is only used with roleArn (AssumeRole); add roleArn or remove it',
      );
    }

    const seen = new Set<string>();
    account.regions.forEach((region, i) => {
      if (seen.has(region)) report(['accounts', index, 'regions', i], `${region} is listed twice`);
      seen.add(region);
    });

    for (const field of ['kmsKeys', 'shareKmsKeys'] as const) {
      for (const [region, key] of Object.entries(account[field] ?? {})) {
        if (!account.regions.includes(region)) {
          report(
            ['accounts', index, field, region],
            `${region} is not one of this account's regions (${account.regions.join(', ')})`,
          );
        }
        // KMS keys are regional: an ARN from another Region can never encrypt a copy here.
        const keyRegion = kmsKeyRegion(key);
        if (keyRegion !== undefined && keyRegion !== region) {
          report(['accounts', index, field, region], `the key ARN is in ${keyRegion}, not ${region}`);
        }
        // A share key must be this account's own: it re-keys this account's snapshots.
        const keyAccount = key.startsWith('arn:') ? key.split(':')[4] : undefined;
        if (field === 'shareKmsKeys' && keyAccount !== undefined && keyAccount !== account.id) {
          report(
            ['accounts', index, field, region],
            `the key ARN is in account ${keyAccount}, not this account (${account.id})`,
          );
        }
      }
    }
  }

  const defaults = accounts.filter(({ value }) => value.default);
  defaults.slice(1).forEach(({ index }) => {
    report(
      ['accounts', index, 'default'],
      `only one account may be the default (accounts[${defaults[0]?.index}] is)`,
    );
  });
  // No default is fine: a request that names no source account is then refused with a clear message.
}

/** Reports a reference to an unknown alias; returns the account when it is known and parsed. */
function resolveAccount(
  accounts: AccountIndex,
  alias: string,
  path: Path,
  report: Report,
): AccountConfig | undefined | 'broken' {
  const account = accounts.parsed.get(alias);
  if (account !== undefined) return account;
  if (accounts.broken.has(alias)) return 'broken';
  const known = [...accounts.parsed.keys()];
  report(path, `unknown account "${alias}"${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`);
  return undefined;
}

function checkRegionOf(
  accounts: AccountIndex,
  endpoint: { account: string; region: string },
  path: Path,
  report: Report,
): void {
  const account = resolveAccount(accounts, endpoint.account, [...path, 'account'], report);
  if (account === undefined || account === 'broken') return;
  if (!account.regions.includes(endpoint.region)) {
    report(
      [...path, 'region'],
      `${endpoint.region} is not one of account ${account.alias}'s regions (${account.regions.join(', ')})`,
    );
  }
}

export function checkApprovals(approvals: ApprovalsConfig, accounts: AccountIndex, report: Report): void {
  const seen = new Set<string>();
  approvals.approvers.forEach((approver, i) => {
    if (seen.has(approver)) report(['approvals', 'approvers', i], `${approver} is listed twice`);
    seen.add(approver);
  });
  // Without user groups the number of possible approvers is known; more required could never be met.
  const onlyUsers = approvals.approvers.every((approver) => !approver.startsWith('S'));
  const possible = seen.size;
  const checkReachable = (required: number, path: Path) => {
    if (onlyUsers && required > possible) {
      report(
        path,
        `${required} approvals can never be given: only ${possible} approver${possible === 1 ? ' is' : 's are'} configured`,
      );
    }
  };
  checkReachable(approvals.required, ['approvals', 'required']);

  approvals.rules.forEach((rule, i) => {
    const path = ['approvals', 'rules', i];
    const { crossAccount, sourceAccount, destinationAccount, lock, estimatedCostOverUsd } = rule.when;
    if (
      crossAccount === undefined &&
      sourceAccount === undefined &&
      destinationAccount === undefined &&
      lock === undefined &&
      estimatedCostOverUsd === undefined
    ) {
      report(
        [...path, 'when'],
        'name at least one condition: crossAccount, sourceAccount, destinationAccount, lock or estimatedCostOverUsd',
      );
    }
    if (sourceAccount !== undefined)
      resolveAccount(accounts, sourceAccount, [...path, 'when', 'sourceAccount'], report);
    if (destinationAccount !== undefined) {
      resolveAccount(accounts, destinationAccount, [...path, 'when', 'destinationAccount'], report);
    }
    if (rule.required === undefined && rule.requireReason !== true) {
      report(path, 'give `required` (approvals needed) or `requireReason: true`, or both');
    }
    if (rule.required !== undefined) checkReachable(rule.required, [...path, 'required']);
  });
  checkNudges(approvals, report);
}

/** Reminder and escalation (SPEC §5.3): each must come before the request expires, and escalate to somebody. */
function checkNudges(approvals: ApprovalsConfig, report: Report): void {
  const { expireAfterHours, remindAfterHours, escalateAfterHours, escalateTo = [] } = approvals;
  for (const [key, hours] of [
    ['remindAfterHours', remindAfterHours],
    ['escalateAfterHours', escalateAfterHours],
  ] as const) {
    if (hours !== undefined && hours >= expireAfterHours) {
      report(
        ['approvals', key],
        `${hours} hours is not before expireAfterHours (${expireAfterHours}): the request would expire first`,
      );
    }
  }
  if (escalateAfterHours !== undefined && escalateTo.length === 0) {
    report(
      ['approvals', 'escalateTo'],
      'name whom to escalate to (Slack user or user-group IDs) for escalateAfterHours',
    );
  }
  if (escalateAfterHours === undefined && escalateTo.length > 0) {
    report(['approvals', 'escalateAfterHours'], 'set how many hours after filing to escalate to escalateTo');
  }
  const seen = new Set<string>();
  escalateTo.forEach((approver, i) => {
    if (seen.has(approver)) report(['approvals', 'escalateTo', i], `${approver} is listed twice`);
    seen.add(approver);
  });
}

export function checkLimits(limits: LimitsConfig, accounts: AccountIndex, report: Report): void {
  const seen = new Map<string, number>();
  limits.overrides.forEach((override, i) => {
    const path = ['limits', 'overrides', i];
    checkRegionOf(accounts, override, path, report);
    const key = `${override.account}/${override.region}`;
    const first = seen.get(key);
    if (first !== undefined) report(path, `${key} is already overridden by limits.overrides[${first}]`);
    else seen.set(key, i);
  });
}

export function checkDrPolicies(
  policies: Indexed<DrPolicyConfig>[],
  accounts: AccountIndex,
  report: Report,
): void {
  const names = new Map<string, number>();
  for (const { index, value: policy } of policies) {
    const path = ['drPolicies', index];
    const first = names.get(policy.name);
    if (first !== undefined)
      report([...path, 'name'], `"${policy.name}" is already used by drPolicies[${first}]`);
    else names.set(policy.name, index);

    checkRegionOf(accounts, policy.source, [...path, 'source'], report);
    checkRegionOf(accounts, policy.destination, [...path, 'destination'], report);
    if (
      policy.source.account === policy.destination.account &&
      policy.source.region === policy.destination.region
    ) {
      report(
        [...path, 'destination'],
        'is the same account and Region as the source; a DR copy must go elsewhere',
      );
    }
    const zone = policy.drill?.availabilityZone;
    if (zone !== undefined && !zone.startsWith(policy.destination.region)) {
      report(
        [...path, 'drill', 'availabilityZone'],
        `must be a zone of the destination Region ${policy.destination.region} (e.g. ${policy.destination.region}a)`,
      );
    }
  }
}
