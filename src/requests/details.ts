import type { CopyCost } from '../domain/cost.js';
import type { PredictedEncryption } from '../domain/encryption.js';
import type { CopyRecord } from '../store/port.js';

/**
 * What filing works out before approval and keeps with the request (the store keeps it as JSON
 * without interpreting it): the pre-flight warnings and, per copy, the predicted encryption outcome
 * and the cost estimate made with the prices of the filing (the approvals needed were fixed by it).
 */
export interface RequestDetails {
  warnings: string[];
  /** Keyed by `copyKey(sourceSnapshotId, destinationRegion)`. */
  encryption: Record<string, PredictedEncryption>;
  /** Keyed like `encryption`; empty for requests filed before estimates existed. */
  cost: Record<string, CopyCost>;
}

export function copyKey(sourceSnapshotId: string, destinationRegion: string): string {
  return `${sourceSnapshotId}|${destinationRegion}`;
}

/** Where a two-hop copy's intermediate hop keeps its details (its Region may be a final hop's too). */
export const INTERMEDIATE = 'intermediate';

/** The details key of a stored copy: by its original source, also once a final hop copies an intermediate. */
export function detailsKeyOf(
  copy: Pick<CopyRecord, 'hop' | 'source' | 'originSnapshotId' | 'destination'>,
): string {
  if (copy.hop === 'intermediate') return copyKey(copy.source.snapshotId, INTERMEDIATE);
  return copyKey(copy.originSnapshotId ?? copy.source.snapshotId, copy.destination.region);
}

export function readDetails(details: unknown): RequestDetails {
  const d = (details ?? {}) as Partial<RequestDetails>;
  return {
    warnings: Array.isArray(d.warnings) ? d.warnings : [],
    encryption: d.encryption ?? {},
    cost: d.cost ?? {},
  };
}
