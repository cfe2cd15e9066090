import type { Migration } from './runner.js';

/** Replica heartbeats: copies a dead replica claimed are taken over soon, not after a long timeout. */
export const replicas: Migration = {
  id: 3,
  name: 'replica heartbeats',
  up: () => ['create table replicas (owner text primary key, heartbeat_at text not null)'],
};
