/**
 * Which queued copies may start now (SPEC §6), as a pure function over what the claim transaction
 * read: never more than its limit in flight per destination, first come first served within a
 * destination, and round-robin across destinations so one large request cannot starve others.
 * The one definition of these rules: the store's claim runs it inside its transaction.
 */
import type { SlotLimits } from './types.js';

export interface QueuedCopy {
  id: number;
  account: string; // alias
  accountId: string;
  region: string;
  queuedAt: string; // ISO, compared as text
}

export interface DestinationLoad {
  accountId: string;
  region: string;
  inFlight: number;
}

export const destinationKey = (accountId: string, region: string): string => `${accountId}/${region}`;

export function slotLimit(limits: SlotLimits, account: string, accountId: string, region: string): number {
  const override = limits.overrides.find(
    (o) => o.region === region && (o.account === account || o.account === accountId),
  );
  return override?.limit ?? limits.default;
}

/**
 * @param queued    queued copies, any order
 * @param inFlight  copies in `starting|copying` per destination
 * @param held      destination keys to skip
 * @returns ids to claim, in the order they were picked
 */
export function pickStartable(
  queued: readonly QueuedCopy[],
  inFlight: readonly DestinationLoad[],
  held: ReadonlySet<string>,
  limits: SlotLimits,
  max = Number.POSITIVE_INFINITY,
): number[] {
  const load = new Map(inFlight.map((d) => [destinationKey(d.accountId, d.region), d.inFlight]));
  const lines = new Map<string, { free: number; copies: QueuedCopy[] }>();
  const fcfs = [...queued].sort((a, b) =>
    a.queuedAt < b.queuedAt ? -1 : a.queuedAt > b.queuedAt ? 1 : a.id - b.id,
  );
  for (const c of fcfs) {
    const key = destinationKey(c.accountId, c.region);
    if (held.has(key)) continue;
    let line = lines.get(key);
    if (line === undefined) {
      const free = slotLimit(limits, c.account, c.accountId, c.region) - (load.get(key) ?? 0);
      line = { free, copies: [] };
      lines.set(key, line);
    }
    if (line.copies.length < line.free) line.copies.push(c);
  }
  // Map iteration follows insertion, i.e. destinations ordered by their oldest queued copy.
  const picked: number[] = [];
  for (let round = 0; picked.length < max; round++) {
    let took = false;
    for (const line of lines.values()) {
      const c = line.copies[round];
      if (c === undefined) continue;
      picked.push(c.id);
      took = true;
      if (picked.length >= max) break;
    }
    if (!took) break;
  }
  return picked;
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
