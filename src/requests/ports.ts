import type { SlackUserFacts, Workspace } from '../domain/identity.js';
import type { AccountConfig, SourceSelector, SourceSnapshot, Tag } from '../domain/types.js';

/** Who is in a Slack user group (`usergroups.users.list`): approvers listed as S… groups. */
export interface UserGroups {
  usergroupMembers(groupId: string): Promise<string[]>;
}

/** Who a Slack user is (`users.info`) and which workspace the bot is in (`auth.test`). */
export interface SlackUsers {
  userInfo(userId: string): Promise<SlackUserFacts>;
  workspace(): Promise<Workspace>;
}

/** The parameters of a CopySnapshot as the engine will send them, for its DryRun at filing. */
export interface CopyCheck {
  sourceRegion: string;
  sourceSnapshotId: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  completionDurationMinutes?: number;
  tags: Tag[];
}

/** The AWS reads filing needs (no writes: nothing changes in AWS before approval). */
export interface FilingAws {
  /** The source snapshots a selector names; IDs not found become problems, a tag group the newest per volume. */
  findSources(
    account: AccountConfig,
    region: string,
    selector: SourceSelector,
    session: string,
  ): Promise<{ snapshots: SourceSnapshot[]; problems: string[] }>;
  encryptionDefaults(
    account: AccountConfig,
    region: string,
    session: string,
  ): Promise<{ encryptionByDefault: boolean; defaultKmsKeyId: string }>;
  /** Rejects when the account cannot read the key (the error message says why). */
  describeKey(
    account: AccountConfig,
    region: string,
    keyId: string,
    session: string,
  ): Promise<{ arn: string; manager: 'AWS' | 'CUSTOMER' }>;
  /** LockSnapshot DryRun: may the account's role lock snapshots there (pre-flight of `lock`)? */
  mayLock?(account: AccountConfig, region: string, session: string): Promise<'allowed' | 'denied'>;
  /**
   * CopySnapshot DryRun in the destination (pre-flight of the copy). `denied`: UnauthorizedOperation;
   * rejects when the check could not decide (the error says why).
   */
  mayCopy(
    account: AccountConfig,
    region: string,
    copy: CopyCheck,
    session: string,
  ): Promise<'allowed' | 'denied'>;
  /** ModifySnapshotAttribute (createVolumePermission add) DryRun in the source: may its role share? */
  mayShare(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    withAccountId: string,
    session: string,
  ): Promise<'allowed' | 'denied'>;
  /** Who may already create volumes from the snapshot (DescribeSnapshotAttribute createVolumePermission). */
  sharedWith(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    session: string,
  ): Promise<{ userIds: string[]; public: boolean }>;
  /** Which of these snapshot IDs still exist in the account and Region. */
  existingSnapshots(
    account: AccountConfig,
    region: string,
    ids: string[],
    session: string,
  ): Promise<Set<string>>;
}
