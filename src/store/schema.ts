/**
 * Table shapes as kysely sees them. One representation on both engines: timestamps are ISO-8601
 * UTC text (`Date#toISOString`, fixed width, so text order is time order), booleans are 0/1
 * integers, JSON is text. That keeps every query identical on SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

export interface RequestsTable {
  n: Generated<number>;
  requester_id: string;
  origin_channel: string;
  state: string;
  policy_name: string | null;
  resolved_json: string;
  cross_account: number;
  required_approvals: number;
  expires_at: string | null;
  details_json: string;
  request_msg_channel: string | null;
  request_msg_ts: string | null;
  card_channel: string | null;
  card_ts: string | null;
  approved_at: string | null;
  closed_by: string | null;
  created_at: string;
  updated_at: string;
  intent_id: number | null;
  reminded_at: string | null;
  escalated_at: string | null;
}

export interface CopiesTable {
  id: Generated<number>;
  request_n: number;
  source_snapshot_id: string;
  source_account_id: string;
  source_region: string;
  source_volume_id: string;
  source_size_gib: number;
  source_encrypted: number;
  source_kms_key_id: string | null;
  dest_account: string;
  dest_account_id: string;
  dest_region: string;
  encrypted: number | null;
  kms_key_id: string | null;
  transfer_kind: string;
  transfer_reason: string;
  state: string;
  queued_at: string | null;
  claimed_at: string | null;
  claim_owner: string | null;
  started_at: string | null;
  completed_at: string | null;
  new_snapshot_id: string | null;
  result_encrypted: number | null;
  result_kms_key_id: string | null;
  progress: number | null;
  failure_code: string | null;
  failure_message: string | null;
  attempts: number;
  updated_at: string;
  /** When a CopySnapshot got no definite answer: a tag lookup finding nothing is trusted only later. */
  unanswered_at: string | null;
  /** `intermediate` or `final` for the two hops of a re-keyed copy (SPEC §5.5); null otherwise. */
  hop: string | null;
  after_copy_id: number | null;
  origin_snapshot_id: string | null;
}

export interface DecisionsTable {
  request_n: number;
  user_id: string;
  decision: string;
  at: string;
  reason: string | null;
}

export interface HoldsTable {
  dest_account_id: string;
  dest_region: string;
  since: string;
  reason: string;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  request_n: number | null;
  detail_json: string;
}

export interface OutboxTable {
  id: Generated<number>;
  channel: string;
  thread_key: string | null;
  kind: string;
  payload_json: string;
  dedupe_key: string | null;
  created_at: string;
  not_before: string;
  lease_owner: string | null;
  lease_until: string | null;
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  failed_at: string | null;
  result_json: string | null;
}

export interface ScheduleRunsTable {
  name: string;
  slot: string;
  owner: string;
  claimed_at: string;
}

export interface Database {
  requests: RequestsTable;
  copies: CopiesTable;
  decisions: DecisionsTable;
  holds: HoldsTable;
  audit: AuditTable;
  outbox: OutboxTable;
  schedule_runs: ScheduleRunsTable;
  replicas: ReplicasTable;
  intents: IntentsTable;
  steps: StepsTable;
  shares: SharesTable;
  retention_deletions: RetentionDeletionsTable;
  drills: DrillsTable;
  card_copies: CardCopiesTable;
}

export interface CardCopiesTable {
  request_n: number;
  user_id: string;
  channel: string;
  ts: string;
  posted_at: string;
}

export interface RetentionDeletionsTable {
  snapshot_id: string;
  copy_id: number;
  policy_name: string;
  dest_account_id: string;
  dest_region: string;
  deleted_at: string;
}

export interface DrillsTable {
  id: Generated<number>;
  policy_name: string;
  slot: string;
  state: string;
  snapshot_id: string | null;
  dest_account_id: string | null;
  dest_region: string | null;
  availability_zone: string;
  volume_id: string | null;
  started_at: string;
  available_at: string | null;
  minutes: number | null;
  failure: string | null;
  finished_at: string | null;
}

/** One row per bot process that has ticked: who is alive, for taking over a dead one's claims. */
export interface ReplicasTable {
  owner: string;
  heartbeat_at: string;
}

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
export const date = (s: string): Date => new Date(s);
export const dateOrNull = (s: string | null): Date | null => (s === null ? null : new Date(s));
export const bit = (b: boolean): number => (b ? 1 : 0);
export const bitOrNull = (b: boolean | undefined | null): number | null =>
  b === undefined || b === null ? null : bit(b);

export interface IntentsTable {
  id: Generated<number>;
  dedupe_key: string;
  kind: string;
  user_id: string;
  payload_json: string;
  received_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  attempts: number;
  last_error: string | null;
  done_at: string | null;
}

export interface StepsTable {
  id: Generated<number>;
  kind: string;
  payload_json: string;
  dedupe_key: string | null;
  request_n: number | null;
  created_at: string;
  not_before: string;
  lease_owner: string | null;
  lease_until: string | null;
  attempts: number;
  last_error: string | null;
  reported_at: string | null;
  done_at: string | null;
}

export interface SharesTable {
  source_account_id: string;
  source_region: string;
  snapshot_id: string;
  dest_account_id: string;
  owned: number;
  generation: number;
  shared_at: string;
  removed_at: string | null;
  removal_started_at: string | null;
}
