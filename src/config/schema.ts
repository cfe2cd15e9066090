/**
 * Shapes of the configuration file (SPEC §3), one zod schema per section. Rules that relate fields
 * to each other (aliases that must exist, Regions an account may use, one default account) live in
 * `checks.ts`; the typed result is `BotConfig`.
 */
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { DEFAULT_PRICING, type PricingConfig } from '../domain/cost.js';
import { isKmsKeyReference } from '../domain/fields.js';
import { isKnownRegion } from '../domain/regions.js';
import type { AccountConfig, ApprovalsConfig, LimitsConfig, LockSpec, Tag } from '../domain/types.js';

export interface SlackConfig {
  approvalsChannel: string;
}

export interface PollingConfig {
  intervalSeconds: number;
}

export interface ReportConfig {
  channel: string;
  cron: string;
  /** IANA zone the cron is read in; `UTC` when omitted, so a schedule does not move with the host. */
  timezone: string;
}

export interface DrPolicyEndpoint {
  account: string; // alias
  region: string;
}

/** Volumes a DR policy protects: those whose snapshots carry a tag, or a fixed list. */
export type DrPolicySource = DrPolicyEndpoint &
  ({ tag: Tag; volumeIds?: undefined } | { volumeIds: string[]; tag?: undefined });

export interface DrPolicyConfig {
  name: string;
  source: DrPolicySource;
  destination: DrPolicyEndpoint;
  cron: string;
  timezone: string;
  rpoHours: number;
  /** Where this policy's copies are announced; the request messages go here. */
  channel?: string;
  /** LockSnapshot on each copy once completed (SPEC §9). */
  lock?: LockSpec;
  /** Older policy copies of a volume beyond this are deleted (exactly one of count or days). */
  retain?: RetainConfig;
  /** Restore drill: the newest completed copy is restored into a volume and deleted again. */
  drill?: DrillConfig;
}

export type RetainConfig = { count: number; days?: undefined } | { days: number; count?: undefined };

export interface DrillConfig {
  cron: string;
  availabilityZone: string;
}

export interface BotConfig {
  slack: SlackConfig;
  accounts: AccountConfig[];
  approvals: ApprovalsConfig;
  limits: LimitsConfig;
  polling: PollingConfig;
  reports: ReportConfig[];
  drPolicies: DrPolicyConfig[];
  /** Prices of the card's cost estimate (SPEC §3 `pricing`); the defaults when omitted. */
  pricing: PricingConfig;
}

export const CONFIG_DEFAULTS = {
  approvals: { required: 1, allowSelfApproval: false, expireAfterHours: 24 },
  concurrentCopies: 20,
  pollingIntervalSeconds: 30,
  timezone: 'UTC',
} as const;

// ---- field schemas ------------------------------------------------------------------------------

const ACCOUNT_ID = /^\d{12}$/;
// Partition-aware (aws, aws-cn, aws-us-gov, aws-iso…); role paths may contain slashes.
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

const positiveInt = (what = 'a positive whole number') =>
  z
    .number({ error: (iss) => (iss.input === undefined ? 'required' : `must be ${what}`) })
    .refine((n) => Number.isInteger(n) && n > 0, `must be ${what}`);

/**
 * YAML reads unquoted digits as a number. Twelve digits lost nothing and are taken as the ID; fewer
 * mean leading zeros were dropped, and the ID is refused with the quoted form to write instead.
 */
export const accountIdSchema = z.preprocess(
  (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1e11 && v < 1e12 ? String(v) : v),
  z
    .string({
      error: (iss) => {
        if (iss.input === undefined) return 'required';
        if (typeof iss.input === 'number') {
          return `must be 12 digits written as a quoted string (id: "${String(iss.input).padStart(12, '0')}"); YAML reads unquoted digits as a number and drops leading zeros`;
        }
        return 'must be 12 digits';
      },
    })
    .regex(ACCOUNT_ID, 'must be 12 digits'),
);

export const regionSchema = z
  .string({ error: 'must be an AWS Region code such as us-east-1' })
  .refine(isKnownRegion, { error: (iss) => `unknown AWS Region "${String(iss.input)}"` });

const channelIdSchema = z
  .string({ error: 'must be a Slack channel ID such as C0123ABCD' })
  .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel ID such as C0123ABCD (not a #name)');

/** A number of hours from filing (fractions allowed: 0.5 is 30 minutes). */
const hoursSchema = () =>
  z.number({ error: 'must be a number of hours' }).positive('must be a positive number of hours');

const approverSchema = z
  .string({ error: 'must be a Slack user ID (U…/W…) or user-group ID (S…)' })
  .regex(/^[UWS][A-Z0-9]{2,}$/, 'must be a Slack user ID (U…/W…) or user-group ID (S…), not a name');

/** Accepts what CopySnapshot's KmsKeyId accepts: key ID, alias/…, key ARN or alias ARN. */
export const kmsKeySchema = z
  .string({ error: 'must be a KMS key ID, alias/…, key ARN or alias ARN' })
  .refine(isKmsKeyReference, {
    error: (iss) => `"${String(iss.input)}" is not a KMS key ID, alias/…, key ARN or alias ARN`,
  });

/** The account named in an IAM role ARN. */
export function roleArnAccount(arn: string): string | undefined {
  return ROLE_ARN.exec(arn)?.[1];
}

export const cronSchema = z
  .string({ error: 'must be a cron expression in quotes, e.g. "0 9 * * 1-5"' })
  .refine((expr) => isValidCron(expr), {
    error: (iss) =>
      `"${String(iss.input)}" is not a valid cron expression (5 fields, or 6 with seconds first; node-cron syntax)`,
  });

export const timezoneSchema = z
  .string({ error: 'must be an IANA time zone such as Europe/Berlin' })
  .refine(isTimeZone, {
    error: (iss) => `unknown time zone "${String(iss.input)}" (use an IANA name such as Europe/Berlin)`,
  });

function isTimeZone(zone: string): boolean {
  // Intl is the only portable zone database in Node; it signals an unknown zone with RangeError.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

const aliasRefSchema = z.string({ error: 'must be an account alias' }).min(1, 'must be an account alias');

const tagSchema = z.strictObject({
  key: z.string({ error: 'required' }).min(1, 'must not be empty').max(128, 'at most 128 characters'),
  value: z.string({ error: 'must be a string (quote numbers)' }).max(256, 'at most 256 characters'),
});

// ---- section schemas ----------------------------------------------------------------------------

export const slackSchema = z.strictObject({ approvalsChannel: channelIdSchema });

export const accountSchema = z.strictObject({
  // Starts with a letter so an alias can never be mistaken for a 12-digit account ID in commands.
  alias: z
    .string({ error: 'required' })
    .regex(
      /^[A-Za-z][\w-]{0,62}$/,
      'must start with a letter and contain only letters, digits, - and _ (at most 63 characters)',
    ),
  id: accountIdSchema,
  roleArn: z
    .string({ error: 'must be an IAM role ARN' })
    .regex(ROLE_ARN, 'must be an IAM role ARN such as arn:aws:iam::111111111111:role/snapshot-copy-bot')
    .optional(),
  // AWS's own constraint on ExternalId.
  externalId: z
    .string({ error: 'must be a string (quote numbers)' })
    .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2–1224 characters of letters, digits and +=,.@:/-')
    .optional(),
  regions: z
    .array(regionSchema, { error: 'must be a list of Regions' })
    .min(1, 'must list at least one Region'),
  default: z.boolean({ error: 'must be true or false' }).default(false),
  kmsKeys: z.record(z.string(), kmsKeySchema, { error: 'must map Regions to KMS keys' }).default({}),
  /** Customer managed keys of this account that others may use: `aws/ebs` sources are re-keyed with them (SPEC §5.5). */
  shareKmsKeys: z.record(z.string(), kmsKeySchema, { error: 'must map Regions to KMS keys' }).optional(),
});

const ruleSchema = z.strictObject({
  when: z.strictObject({
    crossAccount: z.boolean({ error: 'must be true or false' }).optional(),
    sourceAccount: aliasRefSchema.optional(),
    destinationAccount: aliasRefSchema.optional(),
    lock: z.enum(['governance', 'compliance'], { error: 'must be governance or compliance' }).optional(),
    estimatedCostOverUsd: z
      .number({ error: 'must be an amount in USD, such as 100' })
      .nonnegative('must be an amount in USD of 0 or more')
      .optional(),
  }),
  required: positiveInt().optional(),
  requireReason: z.boolean({ error: 'must be true or false' }).optional(),
});

export const approvalsSchema = z.strictObject({
  approvers: z
    .array(approverSchema, { error: 'must be a list of Slack user or user-group IDs' })
    .min(1, 'name at least one approver'),
  required: positiveInt().default(CONFIG_DEFAULTS.approvals.required),
  allowSelfApproval: z
    .boolean({ error: 'must be true or false' })
    .default(CONFIG_DEFAULTS.approvals.allowSelfApproval),
  expireAfterHours: hoursSchema().default(CONFIG_DEFAULTS.approvals.expireAfterHours),
  remindAfterHours: hoursSchema().optional(),
  escalateAfterHours: hoursSchema().optional(),
  escalateTo: z
    .array(approverSchema, { error: 'must be a list of Slack user or user-group IDs' })
    .default([]),
  notify: z
    .array(z.enum(['channel', 'dm'], { error: 'must be channel or dm' }), {
      error: 'must be a list: [channel] or [channel, dm]',
    })
    .refine((where) => where.includes('channel'), {
      error:
        'must include channel: the card in the approvals channel carries the thread; add dm to also send it to each approver',
    })
    .default(['channel']),
  rules: z.array(ruleSchema, { error: 'must be a list of rules' }).default([]),
});

export const limitsSchema = z
  .strictObject({
    concurrentCopies: positiveInt().default(CONFIG_DEFAULTS.concurrentCopies),
    overrides: z
      .array(
        z.strictObject({ account: aliasRefSchema, region: regionSchema, concurrentCopies: positiveInt() }),
        { error: 'must be a list of { account, region, concurrentCopies }' },
      )
      .default([]),
  })
  .default({ concurrentCopies: CONFIG_DEFAULTS.concurrentCopies, overrides: [] });

export const pollingSchema = z
  .strictObject({
    intervalSeconds: z
      .number({ error: 'must be a whole number of seconds from 1 to 3600' })
      .refine(
        (n) => Number.isInteger(n) && n >= 1 && n <= 3600,
        'must be a whole number of seconds from 1 to 3600',
      )
      .default(CONFIG_DEFAULTS.pollingIntervalSeconds),
  })
  .default({ intervalSeconds: CONFIG_DEFAULTS.pollingIntervalSeconds });

export const reportSchema = z.strictObject({
  channel: channelIdSchema,
  cron: cronSchema,
  timezone: timezoneSchema.default(CONFIG_DEFAULTS.timezone),
});

const endpointSchema = z.strictObject({ account: aliasRefSchema, region: regionSchema });

const drSourceSchema = z
  .strictObject({
    account: aliasRefSchema,
    region: regionSchema,
    tag: tagSchema.optional(),
    volumeIds: z
      .array(z.string().regex(/^vol-[0-9a-f]{8}(?:[0-9a-f]{9})?$/, 'must be a volume ID (vol-…)'), {
        error: 'must be a list of volume IDs',
      })
      .min(1, 'must list at least one volume')
      .optional(),
  })
  .superRefine((source, ctx) => {
    if ((source.tag === undefined) === (source.volumeIds === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of tag: { key, value } or volumeIds: [...]',
      });
    }
  })
  .transform((source): DrPolicySource => {
    const base = { account: source.account, region: source.region };
    return source.tag !== undefined
      ? { ...base, tag: source.tag }
      : { ...base, volumeIds: source.volumeIds ?? [] };
  });

const lockSchema = z
  .strictObject({
    mode: z.enum(['governance', 'compliance'], { error: 'must be governance or compliance' }),
    days: z
      .number({ error: 'must be a whole number of days from 1 to 36500' })
      .refine(
        (n) => Number.isInteger(n) && n >= 1 && n <= 36_500,
        'must be a whole number of days from 1 to 36500',
      ),
    coolOffHours: z
      .number({ error: 'must be a whole number of hours from 1 to 72' })
      .refine((n) => Number.isInteger(n) && n >= 1 && n <= 72, 'must be a whole number of hours from 1 to 72')
      .optional(),
  })
  .superRefine((lock, ctx) => {
    if (lock.coolOffHours !== undefined && lock.mode !== 'compliance') {
      ctx.addIssue({
        code: 'custom',
        path: ['coolOffHours'],
        message: 'only a compliance lock has a cooling-off period',
      });
    }
  })
  .transform(
    (lock): LockSpec => ({
      mode: lock.mode,
      days: lock.days,
      ...(lock.coolOffHours !== undefined ? { coolOffHours: lock.coolOffHours } : {}),
    }),
  );

const retainSchema = z
  .strictObject({ count: positiveInt().optional(), days: positiveInt().optional() })
  .superRefine((retain, ctx) => {
    if ((retain.count === undefined) === (retain.days === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of count or days' });
    }
  })
  .transform(
    (retain): RetainConfig =>
      retain.count !== undefined ? { count: retain.count } : { days: retain.days ?? 1 },
  );

const drillSchema = z.strictObject({
  cron: cronSchema,
  availabilityZone: z
    .string({ error: 'must be an Availability Zone such as us-west-2a' })
    .regex(/^[a-z]{2}(?:-[a-z]+)+-\d[a-z]$/, 'must be an Availability Zone such as us-west-2a'),
});

export const drPolicySchema = z.strictObject({
  name: z
    .string({ error: 'required' })
    .regex(
      /^[A-Za-z0-9][\w.-]{0,63}$/,
      'must be 1–64 letters, digits, ., - or _, starting with a letter or digit',
    ),
  source: drSourceSchema,
  destination: endpointSchema,
  cron: cronSchema,
  timezone: timezoneSchema.default(CONFIG_DEFAULTS.timezone),
  rpoHours: positiveInt(),
  channel: channelIdSchema.optional(),
  lock: lockSchema.optional(),
  retain: retainSchema.optional(),
  drill: drillSchema.optional(),
});

const priceSchema = z
  .number({ error: 'must be a price in USD, such as 0.02' })
  .nonnegative('must be a price in USD of 0 or more');

/** The longest completion duration `within` accepts (48 h); every duration needs a tier. */
const LONGEST_WITHIN_MINUTES = 2880;

const timeBasedTierSchema = z.strictObject({
  upToMinutes: z
    .number({ error: 'must be a whole number of minutes from 15 to 2880, in steps of 15' })
    .refine(
      (n) => Number.isInteger(n) && n >= 15 && n <= LONGEST_WITHIN_MINUTES && n % 15 === 0,
      'must be a whole number of minutes from 15 to 2880, in steps of 15',
    ),
  perGiB: priceSchema,
});

export const pricingSchema = z
  .strictObject({
    transferPerGiB: priceSchema.default(DEFAULT_PRICING.transferPerGiB),
    transferOverrides: z
      .array(z.strictObject({ from: regionSchema, to: regionSchema, perGiB: priceSchema }), {
        error: 'must be a list of { from, to, perGiB }',
      })
      .default([]),
    snapshotStoragePerGiBMonth: priceSchema.default(DEFAULT_PRICING.snapshotStoragePerGiBMonth),
    timeBasedCopyPerGiB: z
      .array(timeBasedTierSchema, { error: 'must be a list of { upToMinutes, perGiB }' })
      .min(1, 'list at least one tier, the last with upToMinutes: 2880')
      .default(DEFAULT_PRICING.timeBasedCopyPerGiB.map((t) => ({ ...t }))),
  })
  .superRefine((pricing, ctx) => {
    const seen = new Set<string>();
    pricing.transferOverrides.forEach((o, i) => {
      if (o.from === o.to) {
        ctx.addIssue({
          code: 'custom',
          path: ['transferOverrides', i],
          message: `from and to are both ${o.from}: a copy within one Region moves no data out of it (its transfer is $0)`,
        });
      }
      const pair = `${o.from}→${o.to}`;
      if (seen.has(pair)) {
        ctx.addIssue({
          code: 'custom',
          path: ['transferOverrides', i],
          message: `${pair} is listed twice`,
        });
      }
      seen.add(pair);
    });
    const tiers = pricing.timeBasedCopyPerGiB;
    tiers.forEach((tier, i) => {
      const before = tiers[i - 1];
      if (before !== undefined && tier.upToMinutes <= before.upToMinutes) {
        ctx.addIssue({
          code: 'custom',
          path: ['timeBasedCopyPerGiB', i, 'upToMinutes'],
          message: `tiers must be sorted by upToMinutes, each longer than the one before (${tier.upToMinutes} follows ${before.upToMinutes})`,
        });
      }
    });
    const last = tiers[tiers.length - 1];
    if (last !== undefined && last.upToMinutes !== LONGEST_WITHIN_MINUTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeBasedCopyPerGiB', tiers.length - 1, 'upToMinutes'],
        message: `the last tier must reach upToMinutes: ${LONGEST_WITHIN_MINUTES} (48 h, the longest \`within\`), so every completion duration has a price`,
      });
    }
  })
  .default({
    ...DEFAULT_PRICING,
    transferOverrides: [],
    timeBasedCopyPerGiB: DEFAULT_PRICING.timeBasedCopyPerGiB.map((t) => ({ ...t })),
  });

/** Top-level keys; each section is parsed on its own so one broken section hides nothing else. */
export const SECTION_KEYS = [
  'slack',
  'accounts',
  'approvals',
  'limits',
  'polling',
  'reports',
  'drPolicies',
  'pricing',
] as const;
