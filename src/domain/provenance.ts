/**
 * The provenance volume of a snapshot (SPEC §5.5): AWS gives every copy the meaningless volume
 * `vol-ffffffff` (seed, "Limits"), so a copy is traced to its volume by the bot's
 * `snapshot-copy:source-volume` tag instead. A copy made by someone else has neither: its lineage
 * is unknown, and it is grouped on its own, by its snapshot ID.
 */
import { PROVENANCE_TAGS, type Tag } from './types.js';

export const COPY_VOLUME_ID = 'vol-ffffffff';
export const SOURCE_VOLUME_TAG = PROVENANCE_TAGS.sourceVolume;

export interface VolumeEvidence {
  snapshotId: string;
  volumeId: string;
  tags: readonly Tag[];
}

/** The volume this snapshot's data comes from, or undefined when nothing says. */
export function provenanceVolume(s: VolumeEvidence): string | undefined {
  if (s.volumeId !== '' && s.volumeId !== COPY_VOLUME_ID) return s.volumeId;
  const tagged = s.tags.find((t) => t.key === SOURCE_VOLUME_TAG)?.value;
  return tagged !== undefined && tagged !== '' && tagged !== COPY_VOLUME_ID ? tagged : undefined;
}

/** What snapshots are grouped and predicted by: the provenance volume, else the snapshot itself. */
export function provenanceKey(s: VolumeEvidence): string {
  return provenanceVolume(s) ?? s.snapshotId;
}
