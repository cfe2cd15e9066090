/**
 * Which queued copies may start (SPEC §6): per destination account and Region, first come first
 * served, never above the limit; destinations are independent, so one large request cannot starve
 * the others; a destination held back after ResourceLimitExceeded starts nothing.
 */
import type { LimitsConfig } from './types.js';

/** The key of a destination in `inFlightByDestination` and `heldDestinations`. */
export function destinationKey(account: string, region: string): string {
  return `${account}/${region}`;
}

export function limitFor(limits: LimitsConfig, account: string, region: string): number {
  const override = limits.overrides.find((o) => o.account === account && o.region === region);
  return override?.concurrentCopies ?? limits.concurrentCopies;
}

export interface QueuedCopy {
  copyId: string;
  destAccount: string;
  destRegion: string;
  queuedAt: Date;
}

export interface SlotState {
  queued: readonly QueuedCopy[];
  /** Copies in flight (starting, copying) per destinationKey(account, region). */
  inFlightByDestination: ReadonlyMap<string, number>;
  heldDestinations: ReadonlySet<string>;
  limitFor: (account: string, region: string) => number;
}

/** Queue order: oldest first; the copy ID breaks ties so every replica sees the same order. */
function byQueueOrder(a: QueuedCopy, b: QueuedCopy): number {
  return (
    a.queuedAt.getTime() - b.queuedAt.getTime() || (a.copyId < b.copyId ? -1 : a.copyId > b.copyId ? 1 : 0)
  );
}

function queuesByDestination(queued: readonly QueuedCopy[]): Map<string, QueuedCopy[]> {
  const queues = new Map<string, QueuedCopy[]>();
  for (const copy of [...queued].sort(byQueueOrder)) {
    const key = destinationKey(copy.destAccount, copy.destRegion);
    const queue = queues.get(key);
    if (queue) queue.push(copy);
    else queues.set(key, [copy]);
  }
  return queues;
}

/** The copy IDs to start now, oldest first. */
export function selectStartable(state: SlotState): string[] {
  const startable: QueuedCopy[] = [];
  for (const [key, queue] of queuesByDestination(state.queued)) {
    if (state.heldDestinations.has(key)) continue;
    const first = queue[0] as QueuedCopy;
    const free =
      state.limitFor(first.destAccount, first.destRegion) - (state.inFlightByDestination.get(key) ?? 0);
    startable.push(...queue.slice(0, Math.max(0, free)));
  }
  return startable.sort(byQueueOrder).map((c) => c.copyId);
}

/** Each queued copy's 1-based position in its destination's queue. */
export function queuePositions(queued: readonly QueuedCopy[]): Map<string, number> {
  const positions = new Map<string, number>();
  for (const queue of queuesByDestination(queued).values()) {
    for (const [index, copy] of queue.entries()) positions.set(copy.copyId, index + 1);
  }
  return positions;
}

/**
 * Rough wait before a queued copy starts, in ms: the slots free now take the first copies; after
 * that every `limit` copies ahead wait about one typical copy duration.
 */
export function estimateStart(
  position: number,
  limit: number,
  inFlight: number,
  typicalDurationMs: number,
): number {
  const free = Math.max(0, limit - inFlight);
  if (position <= free) return 0;
  if (limit <= 0) return Number.POSITIVE_INFINITY;
  return Math.ceil((position - free) / limit) * typicalDurationMs;
}
