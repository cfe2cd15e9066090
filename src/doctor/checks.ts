import pLimit, { type LimitFunction } from 'p-limit';
/**
 * `npm run doctor` (SPEC §2): checks a configuration against AWS, read-only. Per account it proves
 * AssumeRole works and lands in the configured account; per account and Region it reads
 * encryption-by-default and the default EBS key, makes one cheap DescribeSnapshots call, and
 * describes each configured `kmsKeys` key. One failing account does not stop the others.
 */
import type { AwsError } from '../aws/errors.js';
import { asAwsError } from '../aws/errors.js';
import type { AwsGateway, EncryptionDefaults, KeyInfo } from '../aws/gateway.js';
import type { BotConfig } from '../config/schema.js';
import { roleSessionName } from '../domain/session-name.js';
import type { AccountConfig } from '../domain/types.js';
import {
  explainAssumeRole,
  explainDescribeKey,
  explainDescribeSnapshots,
  explainEncryptionDefaults,
} from './advice.js';
import { checkDrPolicies } from './dr-checks.js';

/** Role session name of every doctor call: traceable in CloudTrail. */
export const DOCTOR_SESSION = roleSessionName({ purpose: 'doctor' });
export const DEFAULT_DOCTOR_CONCURRENCY = 4;

export type CheckName =
  | 'assume role'
  | 'identity matches account'
  | 'encryption by default'
  | 'default EBS key'
  | 'describe snapshots'
  | `KMS key ${string}`
  | `approver ${string}`
  | `policy ${string}`;

/** `warn`: works, but something will bite later (an AWS managed key where a customer key belongs). */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorRow {
  /** `alias (id)`. */
  account: string;
  /** Absent for account-wide checks. */
  region?: string;
  check: CheckName;
  /** False only for failures; a warning is ok. */
  ok: boolean;
  status: CheckStatus;
  /** What was found, or the error in plain words and the fix. */
  detail: string;
}

export interface DoctorOptions {
  config: BotConfig;
  gateway: AwsGateway;
  /** AWS calls in flight at once; default 4. */
  concurrency?: number;
  /** Role session label; default `snapshot-copy-doctor`. */
  session?: string;
}

/** A DescribeSnapshots filter value that matches nothing: one cheap call proves the permission. */
const NO_SUCH_SNAPSHOT = 'snap-00000000000000000';
const AWS_MANAGED_EBS_ALIAS = /(?:^|:)alias\/aws\/ebs$/;

export async function runDoctor(options: DoctorOptions): Promise<DoctorRow[]> {
  // The bound wraps single AWS calls, not whole account flows: a flow waiting on its own Region
  // checks while holding a slot could otherwise deadlock.
  const limit = pLimit(options.concurrency ?? DEFAULT_DOCTOR_CONCURRENCY);
  const ctx: Context = { gateway: options.gateway, limit, session: options.session ?? DOCTOR_SESSION };
  const perAccount = await Promise.all(options.config.accounts.map((account) => checkAccount(ctx, account)));
  const policies = await checkDrPolicies(options.config, options.gateway, ctx.session);
  return [...perAccount.flat(), ...policies];
}

interface Context {
  gateway: AwsGateway;
  limit: LimitFunction;
  session: string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: AwsError };

async function attempt<T>(ctx: Context, call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await ctx.limit(call) };
  } catch (error) {
    return { ok: false, error: asAwsError(error) };
  }
}

function accountLabel(account: AccountConfig): string {
  return `${account.alias} (${account.id})`;
}

async function checkAccount(ctx: Context, account: AccountConfig): Promise<DoctorRow[]> {
  const label = accountLabel(account);
  const row = (check: CheckName, status: CheckStatus, detail: string): DoctorRow => ({
    account: label,
    check,
    ok: status !== 'fail',
    status,
    detail,
  });

  const identity = await attempt(ctx, () => ctx.gateway.callerIdentity(account, ctx.session));
  if (!identity.ok) {
    const skipped = ' (other checks of this account skipped)';
    return [row('assume role', 'fail', explainAssumeRole(identity.error, account) + skipped)];
  }
  const { accountId, arn } = identity.value;
  const rows: DoctorRow[] = [
    row(
      'assume role',
      'ok',
      account.roleArn === undefined ? `no roleArn: the bot's own credentials, ${arn}` : `assumed as ${arn}`,
    ),
    accountId === account.id
      ? row('identity matches account', 'ok', `credentials belong to ${accountId}`)
      : row(
          'identity matches account',
          'fail',
          `credentials belong to account ${accountId}, but the config says ${account.id} — ` +
            (account.roleArn === undefined
              ? `fix the id of ${account.alias}, or add the roleArn of a role in ${account.id}`
              : `fix the id or roleArn of ${account.alias}`),
        ),
  ];
  const perRegion = await Promise.all(account.regions.map((region) => checkRegion(ctx, account, region)));
  return [...rows, ...perRegion.flat()];
}

async function checkRegion(ctx: Context, account: AccountConfig, region: string): Promise<DoctorRow[]> {
  const label = accountLabel(account);
  const row = (check: CheckName, status: CheckStatus, detail: string): DoctorRow => ({
    account: label,
    region,
    check,
    ok: status !== 'fail',
    status,
    detail,
  });
  const { gateway, session } = ctx;
  const configuredKey = account.kmsKeys[region];

  const [defaults, snapshots, key] = await Promise.all([
    attempt(ctx, () => gateway.getEncryptionDefaults(account, region, session)),
    attempt(ctx, () =>
      gateway.describeSnapshots(
        account,
        region,
        { snapshotIds: [NO_SUCH_SNAPSHOT], ownerIds: ['self'] },
        session,
      ),
    ),
    configuredKey === undefined
      ? undefined
      : attempt(ctx, () => gateway.describeKey(account, region, configuredKey, session)),
  ]);

  const rows: DoctorRow[] = [];
  if (defaults.ok) {
    const { encryptionByDefault } = defaults.value;
    rows.push(
      row(
        'encryption by default',
        'ok',
        encryptionByDefault ? 'on: new volumes and copies are encrypted' : 'off',
      ),
    );
    const [status, detail] = await defaultKeyFinding(ctx, account, region, defaults.value);
    rows.push(row('default EBS key', status, detail));
  } else {
    rows.push(row('encryption by default', 'fail', explainEncryptionDefaults(defaults.error)));
  }

  rows.push(
    snapshots.ok
      ? row('describe snapshots', 'ok', 'ec2:DescribeSnapshots allowed')
      : row('describe snapshots', 'fail', explainDescribeSnapshots(snapshots.error)),
  );

  if (configuredKey !== undefined && key !== undefined) {
    const [status, detail] = key.ok
      ? configuredKeyFinding(key.value)
      : (['fail', explainDescribeKey(key.error, account, region, configuredKey)] as const);
    rows.push(row(`KMS key ${configuredKey}`, status, detail));
  }
  return rows;
}

type Finding = readonly [CheckStatus, string];

function keySummary(key: KeyInfo): string {
  return `${key.arn} (${key.manager === 'AWS' ? 'AWS managed' : 'customer managed'}, ${key.state})`;
}

/** A `kmsKeys` entry: the key copies into this account and Region are encrypted with. */
function configuredKeyFinding(key: KeyInfo): Finding {
  if (!key.enabled) {
    return [
      'fail',
      `${keySummary(key)} — copies encrypted with it would fail: enable the key or configure another`,
    ];
  }
  if (key.manager === 'AWS') {
    return [
      'warn',
      `${keySummary(key)} — an AWS managed key cannot be shared with other accounts, so copies under it ` +
        'cannot be copied on across accounts: use a customer managed key',
    ];
  }
  return ['ok', keySummary(key)];
}

/**
 * The key AWS uses for copies that name no key (encryption by default, or `encrypt`). The AWS
 * managed key always works inside its own account, so only a customer key is described.
 */
async function defaultKeyFinding(
  ctx: Context,
  account: AccountConfig,
  region: string,
  defaults: EncryptionDefaults,
): Promise<Finding> {
  const keyId = defaults.defaultKmsKeyId;
  if (AWS_MANAGED_EBS_ALIAS.test(keyId)) {
    if (defaults.encryptionByDefault && account.kmsKeys[region] === undefined) {
      return [
        'warn',
        `${keyId} (AWS managed) — with encryption by default on and no kmsKeys entry for ${region}, copies ` +
          'into this account are encrypted with a key that cannot be shared with other accounts: ' +
          `set kmsKeys.${region} or a customer managed default EBS key`,
      ];
    }
    return ['ok', `${keyId} (AWS managed)`];
  }
  const described = await attempt(ctx, () => ctx.gateway.describeKey(account, region, keyId, ctx.session));
  // With encryption by default off the key is only used by `encrypt` requests: worth a warning.
  const severity: CheckStatus = defaults.encryptionByDefault ? 'fail' : 'warn';
  if (!described.ok) return [severity, explainDescribeKey(described.error, account, region, keyId)];
  const key = described.value;
  if (!key.enabled) {
    return [
      severity,
      `${keySummary(key)} — copies encrypted by default would fail: enable the key or change the default ` +
        '(aws ec2 modify-ebs-default-kms-key-id)',
    ];
  }
  return ['ok', keySummary(key)];
}
