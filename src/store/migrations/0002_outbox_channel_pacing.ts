import type { Migration } from './runner.js';

/** Finds a channel's latest send quickly: the claim paces Slack messages per channel across replicas. */
export const outboxChannelPacing: Migration = {
  id: 2,
  name: 'outbox channel pacing',
  up: () => [
    'create index outbox_channel_sent on outbox (channel, sent_at)',
    'create index outbox_channel_leased on outbox (channel, lease_until) where sent_at is null and failed_at is null',
  ],
};
