import type { CopyView, RequestView } from '../domain/request-view.js';
import { findAccount } from '../domain/resolve.js';
import type { AccountConfig } from '../domain/types.js';
import type { CopyRecord, DecisionRecord, DestinationQueue, RequestRecord } from '../store/port.js';
import { detailsKeyOf, readDetails } from './details.js';

/** Builds what people are shown of a request from what the store keeps. Pure: the caller loads the records. */
export function toRequestView(input: {
  request: RequestRecord;
  copies: CopyRecord[];
  decisions: DecisionRecord[];
  accounts: AccountConfig[];
  queues?: DestinationQueue[];
}): RequestView {
  const { request, copies, decisions, accounts } = input;
  const r = request.resolved;
  const details = readDetails(request.details);
  const idOf = (alias: string) => findAccount(accounts, alias)?.id ?? '?';
  const positions = new Map<number, number>();
  for (const q of input.queues ?? []) for (const p of q.positions) positions.set(p.copyId, p.position);

  return {
    number: request.n,
    state: request.state,
    requesterId: request.requesterId,
    source: { alias: r.sourceAccount, id: idOf(r.sourceAccount) },
    sourceRegion: r.sourceRegion,
    destination: { alias: r.destinationAccount, id: idOf(r.destinationAccount) },
    crossAccount: request.crossAccount,
    ...(r.kmsKeyId ? { kmsKeyId: r.kmsKeyId } : {}),
    encrypt: r.encrypt,
    ...(r.withinMinutes ? { withinMinutes: r.withinMinutes } : {}),
    ...(r.note ? { note: r.note } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    tags: r.tags,
    ...(r.lock ? { lock: r.lock } : {}),
    ...(request.policyName ? { policyName: request.policyName } : {}),
    createdAt: request.createdAt,
    ...(request.expiresAt ? { expiresAt: request.expiresAt } : {}),
    warnings: details.warnings,
    requiredApprovals: request.requiredApprovals,
    ...(request.escalatedAt ? { escalatedAt: request.escalatedAt } : {}),
    decisions: decisions.map((d) => ({
      userId: d.userId,
      decision: d.decision,
      at: d.at,
      ...(d.reason ? { reason: d.reason } : {}),
    })),
    copies: copies.map((c) =>
      toCopyView(c, details.encryption[detailsKeyOf(c)], positions.get(c.id), details.cost[detailsKeyOf(c)]),
    ),
  };
}

export function toCopyView(
  c: CopyRecord,
  encryption?: CopyView['encryption'],
  queuePosition?: number,
  cost?: CopyView['cost'],
): CopyView {
  return {
    copyId: c.id,
    // A final hop copies the intermediate, but people know the copy by its original source.
    sourceSnapshotId: c.originSnapshotId ?? c.source.snapshotId,
    volumeId: c.source.volumeId,
    sizeGiB: c.source.sizeGiB,
    sourceEncrypted: c.source.encrypted,
    ...(c.source.kmsKeyId ? { sourceKeyId: c.source.kmsKeyId } : {}),
    destination: { alias: c.destination.account, id: c.destination.accountId },
    destinationRegion: c.destination.region,
    state: c.state,
    progress: c.progress ?? 0,
    ...(c.newSnapshotId ? { newSnapshotId: c.newSnapshotId } : {}),
    ...(queuePosition ? { queuePosition } : {}),
    ...(encryption ? { encryption } : {}),
    ...(cost ? { cost } : {}),
    transfer: { kind: c.transfer.kind, reason: c.transfer.reason, fullCopyGiB: c.source.sizeGiB },
    ...(c.startedAt ? { startedAt: c.startedAt } : {}),
    ...(c.completedAt ? { completedAt: c.completedAt } : {}),
    ...(c.failure ? { failure: c.failure } : {}),
    ...(c.hop ? { hop: c.hop } : {}),
  };
}
