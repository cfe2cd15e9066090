/**
 * Queries a Slack ack waits on. The embedded store lets one query through per turn of the event
 * loop so that long work cannot starve Slack's requests (`sqlite-dialect.ts`); the one write that
 * stands between a Slack request and its ack — recording the intent — must not queue behind that
 * very work, or a burst of filings would delay every ack by as many turns as they have queries.
 * On PostgreSQL the same write takes a connection of a small pool of its own (`postgres.ts`)
 * instead of waiting for one that filings hold.
 *
 * Both dialects ask for their connection synchronously, from inside the call that starts a query,
 * so a flag raised for that call alone marks the query. (An AsyncLocalStorage would follow the
 * query through its awaits too, but on Node 20 it turns on promise hooks for every promise of the
 * process: in bursts of acks with the filings held back, the bot's CPU per command was
 * 1.38–1.49 ms with it and 1.01–1.13 ms without, on the production bundle.)
 */
let depth = 0;

/**
 * Starts the query (or queries) that `start` begins synchronously ahead of the queue; they still
 * wait for the connection. A query begun after an await inside `start` is not urgent.
 */
export function urgently<T>(start: () => Promise<T>): Promise<T> {
  depth++;
  try {
    return start();
  } finally {
    depth--;
  }
}

/** Whether the query asking for a connection now was started by `urgently`. */
export function isUrgent(): boolean {
  return depth > 0;
}
