import type { EngineProfile } from '../engine.js';
import type { Migration } from './runner.js';

/**
 * Audit-grade DR (SPEC §9): the policy copies that retention deleted (so a policy never copies
 * their source again and the report counts them), and restore drills — at most one unfinished
 * drill per policy, held by the database, so two replicas can never drill one policy at once.
 */
export const dr: Migration = {
  id: 6,
  name: 'retention deletions, restore drills',
  up: (engine: EngineProfile) => [
    `create table retention_deletions (
      snapshot_id text primary key,
      copy_id integer not null,
      policy_name text not null,
      dest_account_id text not null,
      dest_region text not null,
      deleted_at text not null
    )`,
    'create index retention_deletions_by_policy on retention_deletions (policy_name, deleted_at)',

    `create table drills (
      id ${engine.identityColumn},
      policy_name text not null,
      slot text not null,
      state text not null,
      snapshot_id text,
      dest_account_id text,
      dest_region text,
      availability_zone text not null,
      volume_id text,
      started_at text not null,
      available_at text,
      minutes real,
      failure text,
      finished_at text,
      unique (policy_name, slot)
    )`,
    'create unique index drills_one_open_per_policy on drills (policy_name) where finished_at is null',
  ],
};
