/**
 * The simulated AWS world, as plain data. A `WorldSpec` is what tests, the bench and sandbox mode
 * pass to `startSimulator`; the running `World` can be changed further through its methods.
 *
 * Everything is keyed the way AWS scopes it: snapshots and KMS keys live in an account AND a
 * Region; IAM roles and credentials are global to an account.
 */

export type KeyManager = 'AWS' | 'CUSTOMER';
export type SnapshotState = 'pending' | 'completed' | 'error';

/** Long-term credentials (AKIA…) of a principal — e.g. the bot's own IAM user. */
export interface IdentitySpec {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** IAM ARN of the principal, e.g. `arn:aws:iam::999999999999:user/snapshot-copy-bot`. */
  arn: string;
}

export interface RoleSpec {
  /** Role name; the ARN is `arn:aws:iam::<account>:role/<name>`. */
  name: string;
  /** When set, AssumeRole must pass exactly this ExternalId (the trust policy's sts:ExternalId condition). */
  externalId?: string;
  /** Principal ARNs (users, or role ARNs for role chaining) the trust policy names. */
  trustedPrincipals?: string[];
  /** Account IDs whose principals may assume the role (a trust policy naming `arn:aws:iam::<id>:root`). */
  trustedAccounts?: string[];
  /** IAM MaxSessionDuration, 3600–43200 s; default 3600. */
  maxSessionDurationSeconds?: number;
}

/** EBS settings of one account in one Region. */
export interface RegionSettingsSpec {
  encryptionByDefault?: boolean;
  /** Default EBS KMS key (any key reference); omitted: the AWS managed `alias/aws/ebs` key. */
  defaultKmsKeyId?: string;
}

export interface AccountSpec {
  id: string;
  /** Informational (logs, demo docs). */
  alias?: string;
  roles?: RoleSpec[];
  regions?: Record<string, RegionSettingsSpec>;
}

export interface KeySpec {
  accountId: string;
  region: string;
  /** UUID; generated when omitted. */
  keyId?: string;
  /** e.g. `['alias/audit-ebs']`. */
  aliases?: string[];
  keyManager?: KeyManager;
  enabled?: boolean;
  /**
   * OTHER accounts the key policy lets use the key (DescribeKey, CreateGrant, Decrypt, ReEncrypt*,
   * GenerateDataKeyWithoutPlaintext). The owner always can. Ignored for AWS managed keys: their
   * policies cannot be changed, which is why snapshots encrypted with `aws/ebs` cannot be shared usefully.
   */
  allowedAccounts?: string[];
  description?: string;
}

export interface SnapshotSpec {
  /** `snap-` + 17 hex; generated when omitted. */
  id?: string;
  ownerId: string;
  region: string;
  volumeId?: string;
  sizeGiB: number;
  state?: SnapshotState;
  /** 0–100; defaults to 100 when completed, 0 otherwise. */
  progress?: number;
  stateMessage?: string;
  /** `archive`: moved to the archive tier (ModifySnapshotTier); default `standard`. */
  storageTier?: 'standard' | 'archive';
  encrypted?: boolean;
  /** Key reference resolved in the owner's account and Region; omitted but encrypted: the default EBS key. */
  kmsKeyId?: string;
  startTime?: Date | string;
  description?: string;
  tags?: Record<string, string>;
  /** Account IDs given createVolumePermission. */
  sharedWith?: string[];
  /** createVolumePermission for group `all`. */
  public?: boolean;
  /** A pending snapshot with this set completes on its own at that time (epoch ms). */
  completesAt?: number;
}

export interface WorldSpec {
  accounts: AccountSpec[];
  identities?: IdentitySpec[];
  keys?: KeySpec[];
  snapshots?: SnapshotSpec[];
  /** Concurrent snapshot copies per destination account and Region (AWS quota); default 20. */
  copyLimit?: number;
  copyLimitOverrides?: Array<{ accountId: string; region: string; limit: number }>;
  /** Seed of the ID generator; default 1. */
  seed?: number;
}
