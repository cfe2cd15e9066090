/** A request's state as the sum of its copies' states (pure; SPEC §5). */
import type { CopyState, RequestState } from '../domain/types.js';

/** Request states whose copies drive the request's state. */
const DRIVEN_BY_COPIES: readonly RequestState[] = ['approved', 'queued', 'copying'];

export function aggregateRequestState(current: RequestState, copies: readonly CopyState[]): RequestState {
  if (!DRIVEN_BY_COPIES.includes(current) || copies.length === 0) return current;
  const has = (s: CopyState) => copies.includes(s);
  if (has('starting') || has('copying')) return 'copying';
  if (has('waiting')) return current;
  if (has('queued')) {
    // One copy done and another still waiting for a slot is still a request in progress.
    if (has('completed') || has('failed')) return 'copying';
    // `approved` stays until the first slot is claimed; a copy put back in the queue reads `queued`.
    return current === 'approved' ? 'approved' : 'queued';
  }
  if (copies.every((s) => s === 'completed')) return 'completed';
  if (has('failed')) return 'failed';
  // Completed and cancelled copies: the request did not finish everything it asked for.
  return 'cancelled';
}
