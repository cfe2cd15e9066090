import type { AccountConfig, SourceSelector, SourceSnapshot } from '../domain/types.js';

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
  /** Which of these snapshot IDs still exist in the account and Region. */
  existingSnapshots(
    account: AccountConfig,
    region: string,
    ids: string[],
    session: string,
  ): Promise<Set<string>>;
}
