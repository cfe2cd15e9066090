/**
 * Full vs incremental copy prediction (SPEC §5.1, §7; seed "Incremental Copying Across Regions").
 *
 * AWS copies incrementally only when the volume was copied to the same destination before, the
 * most recent of those copies still exists, and every copy there (and this one) has the same
 * encryption status and key. The seed adds that changing the encryption status during a copy
 * (unencrypted source → encrypted copy) is always full. Copy volume IDs are arbitrary (seed
 * "Limits"), so previous copies must be matched to the source volume by the bot's own records and
 * provenance tags, not by the copies' VolumeId.
 */

/** How the copy will be stored: unencrypted, or encrypted under this key (compare like with like: ARNs). */
export type CopyProtection = { encrypted: false } | { encrypted: true; keyId: string | undefined };

export interface PreviousCopy {
  encrypted: boolean;
  kmsKeyId?: string;
  /** The copy still exists in the destination. */
  exists: boolean;
  copiedAt: Date;
}

export interface IncrementalInputs {
  source: {
    accountId: string;
    region: string;
    volumeId: string;
    volumeSizeGiB: number;
    encrypted: boolean;
    kmsKeyId?: string;
  };
  destination: { accountId: string; region: string };
  copy: CopyProtection;
  /** Copies the bot knows of, of the same source volume into the same destination account and Region. */
  previousCopies: readonly PreviousCopy[];
}

export type IncrementalReason =
  | 'first-copy'
  | 'different-key'
  | 'encryption-changed'
  | 'previous-copy-gone'
  | 'same-protection-as-previous'
  | 'same-region-no-data';

export interface IncrementalPrediction {
  kind: 'full' | 'incremental';
  reason: IncrementalReason;
  /** What a full copy moves: the whole volume. */
  fullCopyGiB: number;
  /** False for a copy in the source's own account and Region that changes no encryption: no data moves. */
  movesData: boolean;
}

function sameProtection(a: CopyProtection, encrypted: boolean, keyId: string | undefined): boolean {
  return a.encrypted === encrypted && (!a.encrypted || a.keyId === keyId);
}

export function predictIncremental(inputs: IncrementalInputs): IncrementalPrediction {
  const { source, destination, copy, previousCopies } = inputs;
  const result = (kind: IncrementalPrediction['kind'], reason: IncrementalReason, movesData = true) => ({
    kind,
    reason,
    fullCopyGiB: source.volumeSizeGiB,
    movesData,
  });

  const sameAccountAndRegion =
    source.accountId === destination.accountId && source.region === destination.region;
  if (sameAccountAndRegion && sameProtection(copy, source.encrypted, source.kmsKeyId)) {
    return result('incremental', 'same-region-no-data', false);
  }
  if (previousCopies.length === 0) return result('full', 'first-copy');
  if (copy.encrypted !== source.encrypted) return result('full', 'encryption-changed');

  const latest = previousCopies.reduce((a, b) => (b.copiedAt.getTime() > a.copiedAt.getTime() ? b : a));
  if (!latest.exists) return result('full', 'previous-copy-gone');
  const remaining = previousCopies.filter((p) => p.exists);
  if (remaining.some((p) => p.encrypted !== copy.encrypted)) return result('full', 'encryption-changed');
  if (remaining.some((p) => !sameProtection(copy, p.encrypted, p.kmsKeyId)))
    return result('full', 'different-key');
  return result('incremental', 'same-protection-as-previous');
}

/** The reason in words, for the approval card. */
export function describeIncremental(prediction: IncrementalPrediction, destinationRegion: string): string {
  switch (prediction.reason) {
    case 'first-copy':
      return `full: first copy of this volume to ${destinationRegion}`;
    case 'different-key':
      return 'full: a different key than the previous copy';
    case 'encryption-changed':
      return 'full: the encryption status changes';
    case 'previous-copy-gone':
      return 'full: the previous copy no longer exists';
    case 'same-protection-as-previous':
      return 'incremental: only data changed since the previous copy';
    case 'same-region-no-data':
      return 'no data moves: same account and Region, encryption unchanged';
  }
}
