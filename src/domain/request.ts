/**
 * The state machines of requests and copies (SPEC §5, types.ts), and a request's state derived
 * from its copies'. The store applies a transition only when `canTransition…` allows it, as a
 * compare-and-set on the current state.
 */
import { type CopyState, IN_FLIGHT_COPY_STATES, type RequestState, TERMINAL_COPY_STATES } from './types.js';

export const COPY_TRANSITIONS: Readonly<Record<CopyState, readonly CopyState[]>> = {
  // The request was approved, or it ended before approval (rejected, expired, cancelled).
  waiting: ['queued', 'cancelled'],
  // Cancel is possible only until a slot is claimed.
  queued: ['starting', 'cancelled'],
  // AWS accepted (copying), refused for the concurrent-copy quota (back to queued), or refused otherwise.
  starting: ['copying', 'queued', 'failed'],
  copying: ['completed', 'failed'],
  completed: [],
  failed: [],
  cancelled: [],
};

/**
 * A request's state follows its copies (`aggregateRequestState`), and several copy transitions can
 * happen between two updates, so the post-approval states may move forward more than one step.
 * `copying → queued` happens when the only copies in flight are pushed back by ResourceLimitExceeded.
 */
export const REQUEST_TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  pending_approval: ['approved', 'rejected', 'expired', 'cancelled'],
  approved: ['queued', 'copying', 'completed', 'failed', 'cancelled'],
  queued: ['copying', 'completed', 'failed', 'cancelled'],
  copying: ['queued', 'completed', 'failed'],
  completed: [],
  rejected: [],
  expired: [],
  cancelled: [],
  failed: [],
};

export function canTransitionCopy(from: CopyState, to: CopyState): boolean {
  return COPY_TRANSITIONS[from].includes(to);
}

export function canTransitionRequest(from: RequestState, to: RequestState): boolean {
  return REQUEST_TRANSITIONS[from].includes(to);
}

export function canTransition(machine: 'copy', from: CopyState, to: CopyState): boolean;
export function canTransition(machine: 'request', from: RequestState, to: RequestState): boolean;
export function canTransition(machine: 'copy' | 'request', from: string, to: string): boolean {
  return machine === 'copy'
    ? canTransitionCopy(from as CopyState, to as CopyState)
    : canTransitionRequest(from as RequestState, to as RequestState);
}

export const TERMINAL_REQUEST_STATES: readonly RequestState[] = [
  'completed',
  'rejected',
  'expired',
  'cancelled',
  'failed',
];

export function isTerminalRequestState(state: RequestState): boolean {
  return TERMINAL_REQUEST_STATES.includes(state);
}

export function isTerminalCopyState(state: CopyState): boolean {
  return TERMINAL_COPY_STATES.includes(state);
}

/** A request can be cancelled until any of its copies claims a slot (SPEC §4 `cancel`). */
export function canCancel(request: RequestState, copies: readonly CopyState[]): boolean {
  return canTransitionRequest(request, 'cancelled') && copies.every((c) => c === 'waiting' || c === 'queued');
}

/**
 * A request's state from its copies', in order of precedence:
 * 1. any copy in flight (starting, copying)                  → copying
 * 2. any copy queued: if some copy has already ended        → copying (the request is under way)
 *                     otherwise                             → queued
 * 3. any copy waiting (all remaining copies await approval)  → pending_approval
 * 4. all copies ended: any failed                           → failed
 *                      all completed                        → completed
 *                      otherwise (some cancelled)           → cancelled
 * A request without copies has nothing to aggregate: null.
 */
export function aggregateRequestState(copies: readonly CopyState[]): RequestState | null {
  if (copies.length === 0) return null;
  if (copies.some((c) => IN_FLIGHT_COPY_STATES.includes(c))) return 'copying';
  if (copies.includes('queued')) return copies.some(isTerminalCopyState) ? 'copying' : 'queued';
  if (copies.includes('waiting')) return 'pending_approval';
  if (copies.includes('failed')) return 'failed';
  if (copies.every((c) => c === 'completed')) return 'completed';
  return 'cancelled';
}
