import type { EngineProfile } from '../engine.js';
import type { Migration } from './runner.js';

/** Requests, copies, approvals, holds, audit, Slack outbox and schedule runs. */
export const initial: Migration = {
  id: 1,
  name: 'initial',
  // Long because a migration's schema reads best as one list, and migrations are forward-only:
  // this one must never change what it creates, so it is not split up.
  up: (engine: EngineProfile) => [
    `create table requests (
      n ${engine.identityColumn},
      requester_id text not null,
      origin_channel text not null,
      state text not null,
      policy_name text,
      resolved_json text not null,
      cross_account integer not null,
      required_approvals integer not null,
      expires_at text,
      details_json text not null,
      request_msg_channel text,
      request_msg_ts text,
      card_channel text,
      card_ts text,
      approved_at text,
      closed_by text,
      created_at text not null,
      updated_at text not null
    )`,
    'create index requests_requester on requests (requester_id, n)',
    'create index requests_state_expiry on requests (state, expires_at)',

    `create table copies (
      id ${engine.identityColumn},
      request_n integer not null references requests (n),
      source_snapshot_id text not null,
      source_account_id text not null,
      source_region text not null,
      source_volume_id text not null,
      source_size_gib integer not null,
      source_encrypted integer not null,
      source_kms_key_id text,
      dest_account text not null,
      dest_account_id text not null,
      dest_region text not null,
      encrypted integer,
      kms_key_id text,
      transfer_kind text not null,
      transfer_reason text not null,
      state text not null,
      queued_at text,
      claimed_at text,
      claim_owner text,
      started_at text,
      completed_at text,
      new_snapshot_id text,
      result_encrypted integer,
      result_kms_key_id text,
      progress integer,
      failure_code text,
      failure_message text,
      attempts integer not null default 0,
      updated_at text not null
    )`,
    // One copy per (request, snapshot, destination): a request can never hold the same copy twice.
    'create unique index copies_one_per_destination on copies (request_n, source_snapshot_id, dest_account_id, dest_region)',
    // The dispatcher's question: what is queued or in flight per destination, oldest first.
    'create index copies_by_destination on copies (state, dest_account_id, dest_region, queued_at, id)',
    'create index copies_by_volume on copies (source_volume_id, dest_account_id, dest_region, state)',
    'create index copies_by_update on copies (updated_at)',

    `create table decisions (
      request_n integer not null references requests (n),
      user_id text not null,
      decision text not null,
      at text not null,
      primary key (request_n, user_id)
    )`,

    `create table holds (
      dest_account_id text not null,
      dest_region text not null,
      since text not null,
      reason text not null,
      primary key (dest_account_id, dest_region)
    )`,

    `create table audit (
      id ${engine.identityColumn},
      at text not null,
      actor text not null,
      action text not null,
      request_n integer,
      detail_json text not null
    )`,
    'create index audit_by_request on audit (request_n, id)',
    ...engine.appendOnlyGuard('audit'),

    `create table outbox (
      id ${engine.identityColumn},
      channel text not null,
      thread_key text,
      kind text not null,
      payload_json text not null,
      dedupe_key text unique,
      created_at text not null,
      not_before text not null,
      lease_owner text,
      lease_until text,
      attempts integer not null default 0,
      last_error text,
      sent_at text,
      failed_at text,
      result_json text
    )`,
    // Only unsent messages are ever scanned; partial indexes keep that cheap on both engines.
    'create index outbox_pending on outbox (id) where sent_at is null and failed_at is null',
    'create index outbox_pending_thread on outbox (thread_key, id) where sent_at is null and failed_at is null',

    `create table schedule_runs (
      name text not null,
      slot text not null,
      owner text not null,
      claimed_at text not null,
      primary key (name, slot)
    )`,
  ],
};
