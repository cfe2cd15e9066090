import type { Migration } from './runner.js';

/**
 * Two-hop copies (SPEC §5.5): a source under `aws/ebs` is first copied within its own account,
 * re-keyed with the account's `shareKmsKeys` key (`hop = intermediate`), and that copy is copied
 * on (`hop = final`, `after_copy_id` the intermediate, which it waits for). `origin_snapshot_id`
 * keeps the original source of a final hop: its provenance tags name it, not the intermediate its
 * `source_snapshot_id` becomes once the intermediate exists.
 */
export const twoHop: Migration = {
  id: 10,
  name: 'two-hop copies',
  up: () => [
    'alter table copies add column hop text',
    'alter table copies add column after_copy_id integer',
    'alter table copies add column origin_snapshot_id text',
  ],
};
