/** Row ↔ record mapping, the one place that knows the column encodings of `schema.ts`. */
import type { Selectable } from 'kysely';
import {
  asCopyFailureCode,
  type CopyState,
  type Decision,
  type RequestState,
  type ResolvedRequest,
} from '../domain/types.js';
import type { AuditRecord, CopyRecord, DecisionRecord, OutboxMessage, RequestRecord } from './port.js';
import {
  type AuditTable,
  type CopiesTable,
  type DecisionsTable,
  date,
  dateOrNull,
  type OutboxTable,
  type RequestsTable,
} from './schema.js';

const parse = (json: string): unknown => JSON.parse(json);
const optional = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function toRequest(r: Selectable<RequestsTable>): RequestRecord {
  return {
    n: Number(r.n),
    requesterId: r.requester_id,
    originChannel: r.origin_channel,
    state: r.state as RequestState,
    policyName: r.policy_name,
    resolved: parse(r.resolved_json) as ResolvedRequest,
    crossAccount: r.cross_account === 1,
    requiredApprovals: r.required_approvals,
    expiresAt: dateOrNull(r.expires_at),
    details: parse(r.details_json),
    requestMessage:
      r.request_msg_channel !== null && r.request_msg_ts !== null
        ? { channel: r.request_msg_channel, ts: r.request_msg_ts }
        : null,
    approvalCard:
      r.card_channel !== null && r.card_ts !== null ? { channel: r.card_channel, ts: r.card_ts } : null,
    approvedAt: dateOrNull(r.approved_at),
    closedBy: r.closed_by,
    remindedAt: dateOrNull(r.reminded_at),
    escalatedAt: dateOrNull(r.escalated_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export function toCopy(r: Selectable<CopiesTable>): CopyRecord {
  const kmsKeyId = optional(r.source_kms_key_id);
  return {
    id: Number(r.id),
    requestNumber: Number(r.request_n),
    source: {
      snapshotId: r.source_snapshot_id,
      accountId: r.source_account_id,
      region: r.source_region,
      volumeId: r.source_volume_id,
      sizeGiB: r.source_size_gib,
      encrypted: r.source_encrypted === 1,
      ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
    },
    destination: { account: r.dest_account, accountId: r.dest_account_id, region: r.dest_region },
    encrypted: r.encrypted === null ? null : r.encrypted === 1,
    kmsKeyId: r.kms_key_id,
    transfer: { kind: r.transfer_kind === 'incremental' ? 'incremental' : 'full', reason: r.transfer_reason },
    state: r.state as CopyState,
    queuedAt: dateOrNull(r.queued_at),
    claimedAt: dateOrNull(r.claimed_at),
    claimOwner: r.claim_owner,
    startedAt: dateOrNull(r.started_at),
    completedAt: dateOrNull(r.completed_at),
    newSnapshotId: r.new_snapshot_id,
    result: {
      encrypted: r.result_encrypted === null ? null : r.result_encrypted === 1,
      kmsKeyId: r.result_kms_key_id,
    },
    progress: r.progress,
    failure:
      r.failure_code === null
        ? null
        : { code: asCopyFailureCode(r.failure_code), message: r.failure_message ?? r.failure_code },
    attempts: r.attempts,
    unansweredAt: r.unanswered_at ? date(r.unanswered_at) : null,
    hop: r.hop === 'intermediate' || r.hop === 'final' ? r.hop : null,
    afterCopyId: r.after_copy_id === null ? null : Number(r.after_copy_id),
    originSnapshotId: r.origin_snapshot_id,
    updatedAt: date(r.updated_at),
  };
}

export function toDecision(r: Selectable<DecisionsTable>): DecisionRecord {
  return {
    requestNumber: Number(r.request_n),
    userId: r.user_id,
    decision: r.decision as Decision,
    at: date(r.at),
    ...(r.reason === null ? {} : { reason: r.reason }),
  };
}

export function toAudit(r: Selectable<AuditTable>): AuditRecord {
  return {
    id: Number(r.id),
    at: date(r.at),
    actor: r.actor,
    action: r.action,
    requestNumber: r.request_n === null ? null : Number(r.request_n),
    detail: parse(r.detail_json),
  };
}

export function toMessage(r: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: Number(r.id),
    channel: r.channel,
    threadKey: r.thread_key,
    kind: r.kind,
    payload: parse(r.payload_json),
    createdAt: date(r.created_at),
    notBefore: date(r.not_before),
    attempts: r.attempts,
    lastError: r.last_error,
  };
}
