import type { Migration } from './runner.js';

/**
 * The approval card's copies sent by DM to approvers (SPEC §5.3, `approvals.notify: [channel, dm]`):
 * one per request and approver, so every copy is kept in step and a click on one is recognised.
 */
export const cardCopies: Migration = {
  id: 9,
  name: 'approval card copies by DM',
  up: () => [
    `create table card_copies (
      request_n integer not null,
      user_id text not null,
      channel text not null,
      ts text not null,
      posted_at text not null,
      primary key (request_n, user_id)
    )`,
  ],
};
