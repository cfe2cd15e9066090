import type { CopyCost } from '../../domain/cost.js';
import type {
  CopyFailureCode,
  CopyState,
  Decision,
  LockSpec,
  RequestState,
  Tag,
} from '../../domain/types.js';

/**
 * What the Slack layer shows about a request, decoupled from how the store keeps it. Builders in
 * this folder are pure functions of these views, so every message can be tested without Slack.
 */
export interface AccountRef {
  alias: string;
  id: string;
}

export interface EncryptionView {
  encrypted: boolean;
  /** Key the copy ends up under (ARN, ID or alias), when encrypted. */
  keyId?: string;
  because?: 'same-key' | 'default-key' | 'specified-key';
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
  encryption?: EncryptionView;
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
