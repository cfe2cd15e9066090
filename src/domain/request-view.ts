import type { CopyCost } from './cost.js';
import type { PredictedEncryption } from './encryption.js';
import type { CopyFailureCode, CopyState, Decision, LockSpec, RequestState, Tag } from './types.js';

/**
 * A request and its copies as people are told about them, decoupled from how the store keeps them:
 * what was asked, what was decided and predicted at filing, and where each copy stands. Pure data,
 * nothing of Slack in it: the Slack blocks render it, the status answer and the thread replies read it.
 */
export interface AccountRef {
  alias: string;
  id: string;
}

export interface TransferView {
  kind: 'full' | 'incremental';
  reason: string;
  fullCopyGiB: number;
}

export interface CopyView {
  copyId: number;
  sourceSnapshotId: string;
  volumeId: string;
  sizeGiB: number;
  sourceEncrypted: boolean;
  sourceKeyId?: string;
  destination: AccountRef;
  destinationRegion: string;
  state: CopyState;
  progress: number;
  newSnapshotId?: string;
  queuePosition?: number;
  estimateStartMs?: number;
  encryption?: PredictedEncryption;
  transfer?: TransferView;
  /** The estimate made at filing (absent on requests filed before estimates existed). */
  cost?: CopyCost;
  startedAt?: Date;
  completedAt?: Date;
  failure?: { code: CopyFailureCode; message: string };
  /** A hop of a two-hop copy (SPEC §5.5); `sourceSnapshotId` is then always the original source. */
  hop?: 'intermediate' | 'final';
}

export interface RequestView {
  number: number;
  state: RequestState;
  requesterId: string;
  source: AccountRef;
  sourceRegion: string;
  destination: AccountRef;
  crossAccount: boolean;
  kmsKeyId?: string;
  encrypt: boolean;
  withinMinutes?: number;
  note?: string;
  tags: Tag[];
  /** Why the requester needs the copy. */
  reason?: string;
  lock?: LockSpec;
  /** Set for requests filed by a DR policy: approved by the policy. */
  policyName?: string;
  createdAt: Date;
  expiresAt?: Date;
  warnings: string[];
  requiredApprovals: number;
  /** When it was escalated to `approvals.escalateTo` (SPEC §5.3). */
  escalatedAt?: Date;
  decisions: Array<{ userId: string; decision: Decision; at: Date; reason?: string }>;
  copies: CopyView[];
}
