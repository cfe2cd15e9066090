/**
 * The one table of allowed state changes for requests and copies (SPEC §5, §10). The store applies
 * every state change as a guarded update (`where state in fromStates(…)`), so a change this table
 * does not allow is refused by the database, on every engine, whatever raced it.
 */
import type { CopyState, RequestState } from './types.js';

export const COPY_TRANSITIONS: Readonly<Record<CopyState, readonly CopyState[]>> = {
  // The request was approved, or it ended before approval (rejected, expired, cancelled).
  waiting: ['queued', 'cancelled'],
  // Cancel is possible only until a slot is claimed; a copy whose account left the config fails.
  queued: ['starting', 'cancelled', 'failed'],
  // AWS accepted (copying), refused for the quota or gave no answer (back to queued), or refused.
  starting: ['copying', 'queued', 'failed'],
  copying: ['completed', 'failed'],
  completed: [],
  failed: [],
  cancelled: [],
};

/**
 * After approval a request's state follows its copies (`store/aggregate.ts`), and several copy
 * changes can happen between two refreshes, so it may move forward more than one step;
 * `copying → queued` when the only copies in flight are pushed back by ResourceLimitExceeded;
 * `→ cancelled` once its copies ended with some cancelled (a cancel while others ran).
 */
export const REQUEST_TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  pending_approval: ['approved', 'rejected', 'expired', 'cancelled'],
  approved: ['queued', 'copying', 'completed', 'failed', 'cancelled'],
  queued: ['copying', 'completed', 'failed', 'cancelled'],
  copying: ['queued', 'completed', 'failed', 'cancelled'],
  completed: [],
  rejected: [],
  expired: [],
  cancelled: [],
  failed: [],
};

function sources<S extends string>(table: Readonly<Record<S, readonly S[]>>, to: S): S[] {
  return (Object.keys(table) as S[]).filter((from) => table[from].includes(to));
}

/** The states a copy may move to `to` from: the guard of every copy update. */
export function copyFrom(to: CopyState): CopyState[] {
  return sources(COPY_TRANSITIONS, to);
}

/** The states a request may move to `to` from: the guard of every request update. */
export function requestFrom(to: RequestState): RequestState[] {
  return sources(REQUEST_TRANSITIONS, to);
}

export function canTransitionCopy(from: CopyState, to: CopyState): boolean {
  return COPY_TRANSITIONS[from].includes(to);
}

export function canTransitionRequest(from: RequestState, to: RequestState): boolean {
  return REQUEST_TRANSITIONS[from].includes(to);
}
