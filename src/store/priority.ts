/**
 * Queries a Slack ack waits on. The embedded store lets one query through per turn of the event
 * loop so that long work cannot starve Slack's requests (`sqlite-dialect.ts`); the one write that
 * stands between a Slack request and its ack — recording the intent — must not queue behind that
 * very work, or a burst of filings would delay every ack by as many turns as they have queries.
 * On PostgreSQL the same write takes a connection of a small pool of its own (`postgres.ts`)
 * instead of waiting for one that filings hold.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const lane = new AsyncLocalStorage<true>();

/** Runs `fn` with its queries let through ahead of the queue (they still wait for the connection). */
export function urgently<T>(fn: () => Promise<T>): Promise<T> {
  return lane.run(true, fn);
}

export function isUrgent(): boolean {
  return lane.getStore() === true;
}
