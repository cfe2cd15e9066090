import type { EngineProfile } from '../engine.js';
import type { Migration } from './runner.js';

/**
 * What makes every promise durable (SPEC §10): the inbox of Slack intents recorded before their
 * ack, the durable follow-up steps, the shares the bot made (so it removes only its own), the
 * lost-answer time stored with the copy (so any process honours the wait), and the intent a
 * request was filed from (so a replayed filing finds it instead of filing twice).
 */
export const durable: Migration = {
  id: 4,
  name: 'intents, steps, shares',
  up: (engine: EngineProfile) => [
    `create table intents (
      id ${engine.identityColumn},
      dedupe_key text not null unique,
      kind text not null,
      user_id text not null,
      payload_json text not null,
      received_at text not null,
      lease_owner text,
      lease_until text,
      attempts integer not null default 0,
      last_error text,
      done_at text
    )`,
    'create index intents_open on intents (id) where done_at is null',

    `create table steps (
      id ${engine.identityColumn},
      kind text not null,
      payload_json text not null,
      dedupe_key text unique,
      request_n integer,
      created_at text not null,
      not_before text not null,
      lease_owner text,
      lease_until text,
      attempts integer not null default 0,
      last_error text,
      reported_at text,
      done_at text
    )`,
    'create index steps_open on steps (not_before, id) where done_at is null',

    `create table shares (
      source_account_id text not null,
      source_region text not null,
      snapshot_id text not null,
      dest_account_id text not null,
      owned integer not null,
      generation integer not null,
      shared_at text not null,
      removed_at text,
      primary key (source_region, snapshot_id, dest_account_id)
    )`,

    'alter table copies add column unanswered_at text',
    'alter table requests add column intent_id integer',
    'create unique index requests_by_intent on requests (intent_id) where intent_id is not null',
  ],
};
