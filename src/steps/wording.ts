/**
 * What the durable steps tell people, as facts (issue #17). A step decides which fact is told,
 * with which values; `slack/wording/steps.ts` says it in Slack's words. The steps never write
 * mrkdwn themselves.
 */
import type { LockSpec } from '../domain/types.js';

/** A copy's lock took: it cannot be deleted before `until`. */
export interface SnapshotLocked {
  snapshotId: string;
  lock: Pick<LockSpec, 'mode'>;
  until: Date;
}

/** A copy could not be locked; `retrying` while the runner tries again, not when it gave up. */
export interface LockFailed {
  snapshotId: string;
  /** The destination account's alias, or its ID once it is no longer configured. */
  account: string;
  region: string;
  lock: Pick<LockSpec, 'mode' | 'days'>;
  error: string;
  retrying: boolean;
}

/** A DR policy's retention keeps failing; the runner retries it. */
export interface RetentionFailing {
  policy: string;
  volume: string;
  error: string;
}

/** AWS refused to delete an older copy for retention, for good: `code` is the AWS error's domain code. */
export interface RetentionRefused {
  policy: string;
  snapshotId: string;
  code: string;
  error: string;
}

/** The intermediate copy of a two-hop copy was deleted. */
export interface IntermediateDeleted {
  snapshotId: string;
  /** The account's alias. */
  account: string;
  region: string;
}

/** Deleting a two-hop copy's intermediate keeps failing; the runner retries it. */
export interface IntermediateDeleteFailing {
  snapshotId: string;
  accountId: string;
  region: string;
  error: string;
}

/** Removing a temporary share keeps failing; the runner retries it. */
export interface UnshareFailing {
  snapshotId: string;
  /** The account the snapshot is shared with. */
  accountId: string;
  /** The snapshot's (source) Region. */
  region: string;
  error: string;
}

/** Why a restore drill failed (recorded on the drill, shown in the DR report). */
export type DrillFailure =
  | { kind: 'policy-gone' }
  | { kind: 'nothing-to-restore' }
  /** CreateVolume refused for good: `code` is the AWS error's domain code. */
  | { kind: 'create-refused'; code: string; error: string }
  /** The restored volume went to `error`; `keyId` and `encrypted` are the copy's, when it is known. */
  | { kind: 'volume-error'; account: { alias: string; id: string }; keyId?: string; encrypted: boolean }
  | { kind: 'volume-vanished' }
  | { kind: 'keeps-failing'; error: string };

export interface StepWording {
  locked(f: SnapshotLocked): string;
  lockFailed(f: LockFailed): string;
  retentionFailing(f: RetentionFailing): string;
  retentionRefused(f: RetentionRefused): string;
  intermediateDeleted(f: IntermediateDeleted): string;
  intermediateDeleteFailing(f: IntermediateDeleteFailing): string;
  unshareFailing(f: UnshareFailing): string;
  drillFailure(f: DrillFailure): string;
}
