import type { Migration } from './runner.js';

/**
 * Why an approver decided as they did (SPEC §5.3): a rejection carries its reason, shown on the
 * card whenever it is rendered again. The request's own reason lives in `resolved_json`.
 */
export const approvals: Migration = {
  id: 5,
  name: 'decision reasons',
  up: () => ['alter table decisions add column reason text'],
};
