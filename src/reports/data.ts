/** Loads what the DR report needs from the store. */
import type { BotConfig } from '../config/schema.js';
import { findAccount } from '../domain/resolve.js';
import type { CopyState } from '../domain/types.js';
import type { Store } from '../store/port.js';
import { type DrReportInput, type PolicyCopies, RECENT_WINDOW_MS } from './model.js';

export type ReportStore = Pick<
  Store,
  'listCopies' | 'queueSnapshot' | 'latestDrills' | 'listRetentionDeletions'
>;

/**
 * Completed copies read per policy, newest first. Freshness needs each volume's newest copy; a
 * policy of 100 volumes copied every 6 hours makes 400 a day, so this covers about 5 days of it —
 * well past any sensible RPO. A volume whose last copy is older than that has fallen out of the
 * report; `truncated` says when that may have happened.
 */
export const COMPLETED_PER_POLICY = 2_000;
/** Copies still queued or in flight, and recent failures, per policy. */
const OPEN_PER_POLICY = 1_000;
/** Copies of all requests for the overall "last 24 h" line. */
const RECENT_LIMIT = 2_000;

const OPEN_STATES: CopyState[] = ['queued', 'starting', 'copying', 'failed'];

export interface LoadedReportInput extends DrReportInput {
  /** Policies whose completed copies filled `COMPLETED_PER_POLICY` (older volumes may be missing). */
  truncated: string[];
}

export async function loadReportInput(
  deps: { store: ReportStore; config: Pick<BotConfig, 'accounts' | 'drPolicies'> },
  now: Date,
): Promise<LoadedReportInput> {
  const { store, config } = deps;
  const since = new Date(now.getTime() - RECENT_WINDOW_MS);
  const truncated: string[] = [];
  const policies: PolicyCopies[] = [];
  const drills = new Map((await store.latestDrills()).map((d) => [d.policyName, d]));
  for (const policy of config.drPolicies) {
    const dest = findAccount(config.accounts, policy.destination.account);
    if (dest === undefined) {
      policies.push({ policy, destinationAccountId: null, copies: [] });
      continue;
    }
    const where = { policyName: policy.name, destAccountId: dest.id, destRegion: policy.destination.region };
    const [completed, open] = await Promise.all([
      store.listCopies({ ...where, states: ['completed'], limit: COMPLETED_PER_POLICY }),
      store.listCopies({ ...where, states: OPEN_STATES, limit: OPEN_PER_POLICY }),
    ]);
    if (completed.length >= COMPLETED_PER_POLICY) truncated.push(policy.name);
    const deleted = policy.retain ? await store.listRetentionDeletions({ policyName: policy.name }) : [];
    policies.push({
      policy,
      destinationAccountId: dest.id,
      copies: [...completed, ...open],
      ...(policy.drill ? { drill: drills.get(policy.name) ?? null } : {}),
      ...(policy.retain
        ? { deletions: { total: deleted.length, last24h: deleted.filter((x) => x.at >= since).length } }
        : {}),
    });
  }
  // Queued and in-flight copies may not have changed for a day; they count whatever their age.
  const [changed, active, queues] = await Promise.all([
    store.listCopies({ updatedSince: since, limit: RECENT_LIMIT }),
    store.listCopies({ states: ['queued', 'starting', 'copying'], limit: RECENT_LIMIT }),
    store.queueSnapshot(),
  ]);
  const recent = new Map([...changed, ...active].map((c) => [c.id, c]));
  return { policies, recent: [...recent.values()], queues, now, truncated };
}
