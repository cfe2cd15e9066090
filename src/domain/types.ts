/**
 * Shared domain vocabulary. Pure types only: no I/O, no SDK types. Every layer (store, engine,
 * slack, simulator-facing code) speaks in these terms.
 */

/** Lifecycle of a request (SPEC §5). */
export const REQUEST_STATES = [
  'pending_approval',
  'approved',
  'queued',
  'copying',
  'completed',
  'rejected',
  'expired',
  'cancelled',
  'failed',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/**
 * Lifecycle of one copy (one source snapshot to one destination account+Region).
 * `waiting`  — its request is not approved yet;
 * `queued`   — approved, waiting for a slot of its destination;
 * `starting` — a slot is claimed and CopySnapshot is being (or may have been) issued; after a
 *              crash in this state the copy is found again by its provenance tags, never re-issued blind;
 * `copying`  — AWS accepted the copy; the new snapshot ID is known and polled.
 */
export const COPY_STATES = [
  'waiting',
  'queued',
  'starting',
  'copying',
  'completed',
  'failed',
  'cancelled',
] as const;
export type CopyState = (typeof COPY_STATES)[number];

export const TERMINAL_COPY_STATES: readonly CopyState[] = ['completed', 'failed', 'cancelled'];
/** Copies that hold a slot of their destination (count against `limits.concurrentCopies`). */
export const IN_FLIGHT_COPY_STATES: readonly CopyState[] = ['starting', 'copying'];

/** Domain error codes; AWS errors are mapped to these once, in `aws/errors.ts`. */
export const AWS_ERROR_CODES = [
  'throttled',
  'copy-limit',
  'key-not-accessible',
  'not-found',
  'unauthorized',
  'invalid-parameter',
  'incorrect-state',
  'locked',
  'role-unavailable',
  'network',
  'unknown',
] as const;
export type AwsErrorCode = (typeof AWS_ERROR_CODES)[number];

/**
 * Why a copy failed: the closed set the store records and the thread explains in plain words
 * (`slack/blocks/thread.ts` has advice for each). AWS's refusals, plus what the bot finds itself.
 */
export const COPY_FAILURE_CODES = [
  ...AWS_ERROR_CODES,
  /** The new snapshot vanished from DescribeSnapshots before it completed (deleted meanwhile). */
  'copy-missing',
  /** AWS ended the copy in `error` for a reason other than the key. */
  'copy-error',
  /** Hop 1 of a two-hop copy failed, so hop 2 has nothing to copy. */
  'intermediate-failed',
  /** An account of the copy was removed from the config while it waited: the bot has no role to copy with. */
  'account-not-configured',
] as const;
export type CopyFailureCode = (typeof COPY_FAILURE_CODES)[number];

export function asCopyFailureCode(code: string): CopyFailureCode {
  return (COPY_FAILURE_CODES as readonly string[]).includes(code) ? (code as CopyFailureCode) : 'unknown';
}

export interface Tag {
  key: string;
  value: string;
}

/** EBS snapshot lock asked for on a request or a DR policy (SPEC §3, §4, §5.7). */
export type LockMode = 'governance' | 'compliance';
export interface LockSpec {
  mode: LockMode;
  /** 1–36500. */
  days: number;
  /** Compliance only, 1–72. */
  coolOffHours?: number;
}

/** Which snapshots a request copies: explicit IDs, or a multi-volume group selected by tag. */
export type SourceSelector = { kind: 'ids'; ids: string[] } | { kind: 'tag'; key: string; value: string };

/**
 * A copy request as the requester expressed it (from the one-line command or the modal),
 * after grammar checks but before it is resolved against the configuration.
 * Omitted fields take defaults from config (source account = the default account, source Region =
 * that account's first Region, destination account = the source account).
 */
export interface CopyRequestSpec {
  sources: SourceSelector;
  sourceAccount?: string; // alias or 12-digit ID as typed
  sourceRegion?: string;
  destinationRegions: string[];
  destinationAccount?: string; // alias or 12-digit ID as typed
  kmsKeyId?: string; // key ID, alias/…, key ARN or alias ARN
  encrypt: boolean;
  withinMinutes?: number; // CompletionDurationMinutes: 15…2880, multiple of 15
  note?: string; // ≤ 255 characters
  tags: Tag[];
  reason?: string; // ≤ 500 characters: why the copy is needed
  lock?: LockSpec;
}

/** A spec resolved against the configuration: accounts are aliases that exist, Regions allowed. */
export interface ResolvedRequest {
  sources: SourceSelector;
  sourceAccount: string; // alias
  sourceRegion: string;
  destinationAccount: string; // alias
  destinationRegions: string[];
  kmsKeyId?: string;
  encrypt: boolean;
  withinMinutes?: number;
  note?: string;
  tags: Tag[];
  reason?: string;
  lock?: LockSpec;
}

/** A source snapshot as looked up in AWS (DescribeSnapshots), in domain terms. */
export interface SourceSnapshot {
  snapshotId: string;
  ownerId: string; // account ID that owns it
  volumeId: string;
  volumeSizeGiB: number;
  state: 'pending' | 'completed' | 'error' | 'recoverable' | 'recovering';
  encrypted: boolean;
  kmsKeyId?: string; // key ARN when encrypted
  /** DescribeSnapshots `StorageTier`; absent means `standard`. An `archive` snapshot cannot be copied. */
  storageTier?: 'standard' | 'archive';
  startTime: Date;
  description?: string;
  tags: Tag[];
}

/** Approval decision kinds. */
export type Decision = 'approve' | 'reject';

/** Provenance tags the bot writes on every copy it makes (SPEC §5.5). */
export const PROVENANCE_TAGS = {
  request: 'snapshot-copy:request',
  source: 'snapshot-copy:source',
  sourceRegion: 'snapshot-copy:source-region',
  requestedBy: 'snapshot-copy:requested-by',
  approvedBy: 'snapshot-copy:approved-by',
  /** The volume the data comes from (a copy's own volume ID is the meaningless vol-ffffffff). */
  sourceVolume: 'snapshot-copy:source-volume',
  /** On DR-policy copies: the policy's name (retention finds its copies by it). */
  policy: 'snapshot-copy:policy',
  /** `intermediate` on the first hop of a two-hop copy (SPEC §5.5), deleted once the final hop ends. */
  hop: 'snapshot-copy:hop',
} as const;

/**
 * The request's reason, on its copies when it fits a tag value (256 characters) and the tag budget
 * leaves room after the requester's own tags. Not a provenance tag: the bot never finds copies by it.
 */
export const REASON_TAG = 'snapshot-copy:reason';

/** On a restore drill's volume: `<policy>` (IAM scopes CreateVolume/DeleteVolume by it). */
export const DRILL_TAG = 'snapshot-copy:drill';

/** Display form of a request number. */
export function requestLabel(n: number): string {
  return `R-${n}`;
}

/** An AWS account as configured (SPEC §3 `accounts[]`), the shape the domain needs. */
export interface AccountConfig {
  alias: string;
  id: string; // 12 digits
  roleArn?: string; // omitted: the bot's own credentials
  externalId?: string;
  regions: string[]; // non-empty; the first is the default source Region
  default: boolean;
  kmsKeys: Record<string, string>; // Region → key the copies INTO this account are encrypted with
  /** Region → a customer managed key of this account other accounts may use (two-hop copies, SPEC §5.5). */
  shareKmsKeys?: Record<string, string>;
}

/** `approvals` config (SPEC §3). */
export interface ApprovalRule {
  when: {
    crossAccount?: boolean;
    destinationAccount?: string;
    sourceAccount?: string;
    lock?: LockMode;
    /** Matches a request whose one-off cost estimate (transfer + time-based fee) is over this, USD. */
    estimatedCostOverUsd?: number;
  };
  /** Omitted: the rule only asks for a reason. */
  required?: number;
  /** A matching request must carry `reason "…"`; one without is refused at filing. */
  requireReason?: boolean;
}
export interface ApprovalsConfig {
  approvers: string[]; // U… user IDs or S… user-group IDs
  required: number;
  allowSelfApproval: boolean;
  expireAfterHours: number;
  /** A reminder in the card's thread this long after filing (SPEC §5.3). */
  remindAfterHours?: number;
  /** This long after filing, `escalateTo` are added as approvers of the request and mentioned. */
  escalateAfterHours?: number;
  escalateTo?: string[];
  /** Where the card goes: always the approvals channel; with `dm`, also to each eligible approver. */
  notify?: Array<'channel' | 'dm'>;
  rules: ApprovalRule[];
}

/** The per-destination copy limits as the claim applies them (from `limits`, SPEC §6). */
export interface SlotLimits {
  default: number;
  /** `account` matches the destination alias or account ID. */
  overrides: Array<{ account: string; region: string; limit: number }>;
}

/** `limits` config (SPEC §3, §6). */
export interface LimitsConfig {
  concurrentCopies: number;
  overrides: Array<{ account: string; region: string; concurrentCopies: number }>;
}
