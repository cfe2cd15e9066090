import { PROVENANCE_TAGS, REASON_TAG, requestLabel, type Tag } from './types.js';

/** EC2 allows 50 user tags per resource. */
const MAX_TAGS = 50;
const MAX_VALUE = 256;

export interface CopyTagInput {
  requestNumber: number;
  sourceSnapshotId: string;
  sourceRegion: string;
  requesterId: string;
  /** Approver user IDs, or `policy:<name>` for DR-policy copies. */
  approvedBy: string[];
  sourceTags: Tag[];
  requestTags: Tag[];
  /** The source's provenance volume (its own volume, or its own source-volume tag); unknown: not tagged. */
  sourceVolume?: string;
  /** The request's reason: tagged only when it fits a tag value and leaves the requester's tags room. */
  reason?: string;
  /** DR-policy copies: the policy (retention finds the policy's copies by it). */
  policyName?: string;
  /** The first hop of a two-hop copy: tagged so that anybody sees it is temporary. */
  intermediate?: boolean;
}

/**
 * The tags a copy gets (SPEC §5.5). AWS does not copy user tags (seed, "Limits"), so the source's
 * are carried over — except `aws:` ones, which users cannot set — then the request's own, then the
 * provenance tags, which always win: lost-answer recovery and DR freshness are found by them.
 */
export function copyTags(input: CopyTagInput): Tag[] {
  const provenance: Tag[] = [
    { key: PROVENANCE_TAGS.request, value: requestLabel(input.requestNumber) },
    { key: PROVENANCE_TAGS.source, value: input.sourceSnapshotId },
    { key: PROVENANCE_TAGS.sourceRegion, value: input.sourceRegion },
    { key: PROVENANCE_TAGS.requestedBy, value: input.requesterId },
    { key: PROVENANCE_TAGS.approvedBy, value: input.approvedBy.join(' ').slice(0, MAX_VALUE) },
    ...(input.sourceVolume ? [{ key: PROVENANCE_TAGS.sourceVolume, value: input.sourceVolume }] : []),
    ...(input.policyName ? [{ key: PROVENANCE_TAGS.policy, value: input.policyName }] : []),
    ...(input.intermediate ? [{ key: PROVENANCE_TAGS.hop, value: 'intermediate' }] : []),
  ];
  const fitsReason =
    input.reason !== undefined &&
    [...input.reason].length <= MAX_VALUE &&
    input.requestTags.length + provenance.length < MAX_TAGS;
  const bot = fitsReason ? [...provenance, { key: REASON_TAG, value: input.reason as string }] : provenance;
  // The requester's tags always fit (MAX_EXTRA_TAGS); the source's fill the room that is left.
  const requested = new Set(input.requestTags.map((t) => t.key));
  const carried = input.sourceTags
    .filter((t) => !t.key.toLowerCase().startsWith('aws:') && !t.key.startsWith('snapshot-copy:'))
    .filter((t) => !requested.has(t.key))
    .slice(0, Math.max(0, MAX_TAGS - bot.length - input.requestTags.length));
  return [...carried, ...input.requestTags, ...bot];
}

/** The copy's description: the requester's note, or where it came from (≤ 255 characters). */
export function copyDescription(
  note: string | undefined,
  sourceSnapshotId: string,
  sourceRegion: string,
  n: number,
): string {
  return (
    note ?? `Copy of ${sourceSnapshotId} from ${sourceRegion} (${requestLabel(n)}, snapshot-copy-bot)`
  ).slice(0, 255);
}
