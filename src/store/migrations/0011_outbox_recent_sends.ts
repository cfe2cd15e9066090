import type { Migration } from './runner.js';

/**
 * The claim's channel pacing asks which channels sent within the last interval, for all channels
 * at once (`outbox.ts`): a range of `sent_at` alone, which the (channel, sent_at) index cannot serve.
 */
export const outboxRecentSends: Migration = {
  id: 11,
  name: 'outbox recent sends',
  up: () => ['create index outbox_sent_at on outbox (sent_at)'],
};
