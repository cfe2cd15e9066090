import type { Migration } from './runner.js';

/**
 * When a pending request's reminder and escalation were sent (SPEC §5.3): each is sent once, so
 * the sweep claims it with a guarded update — the replica whose update matched the row sends it,
 * and a restart finds it already claimed.
 */
export const approvalNudges: Migration = {
  id: 8,
  name: 'approval reminders and escalation',
  up: () => [
    'alter table requests add column reminded_at text',
    'alter table requests add column escalated_at text',
  ],
};
