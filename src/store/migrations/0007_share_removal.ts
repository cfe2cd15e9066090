import type { Migration } from './runner.js';

/**
 * When the bot began removing a share (SPEC §5.5): a copy claimed while the removal is on its way
 * waits for it to finish instead of sharing again under it — AWS could apply the removal after the
 * new share and before the CopySnapshot, and the copy would fail.
 */
export const shareRemoval: Migration = {
  id: 7,
  name: 'share removal in progress',
  up: () => ['alter table shares add column removal_started_at text'],
};
