/**
 * WAL checkpoints off the event loop. better-sqlite3 is synchronous, and SQLite's automatic
 * checkpoint runs inside whichever commit fills the WAL past 1,000 pages: that commit copies the
 * WAL into the database and syncs it, blocking every Slack ack behind it for tens of milliseconds
 * (measured here: 1 commit in 200 took over 5 ms, the worst 60 ms; `npm run bench`, ack). The
 * bot's connection turns the automatic checkpoint off, and a worker thread with a connection of
 * its own checkpoints PASSIVE-ly every second: it never waits for the writer nor blocks it, and
 * the WAL, once copied, is reused from its start instead of growing.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  /** Stops the worker (its connection closes); call before the bot's own connection closes. */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** Time between checkpoints; default 1 s. */
  intervalMs?: number;
  /** The worker failed: the caller turns the automatic checkpoint back on, so the WAL never grows unbounded. */
  onFailure: (error: Error) => void;
}

/**
 * The worker's code. Inline (eval) rather than a file of its own, so the production bundle and the
 * TypeScript sources run it alike; better-sqlite3 is loaded from the path the bot resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
parentPort.on('message', (m) => {
  if (m === 'stop') { db.close(); parentPort.close(); return; }
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage(result);
});
`;

export function startCheckpointer(path: string, o: CheckpointerOptions): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver } });
  let stopping = false;
  let busy = false;
  // One checkpoint at a time: a slow disk must not queue them up.
  worker.on('message', () => {
    busy = false;
  });
  const timer = setInterval(() => {
    if (busy || stopping) return;
    busy = true;
    worker.postMessage('checkpoint');
  }, o.intervalMs ?? 1_000);
  timer.unref();
  worker.unref();
  const failed = (error: unknown) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    o.onFailure(asError(error));
  };
  worker.on('error', failed);
  worker.on('exit', (code) => failed(new Error(`the checkpoint worker exited (code ${code})`)));
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Unref'd, the worker would not keep the process alive until it has closed its connection:
      // a script whose last step closes the store exited with an unsettled await (code 13).
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}

/** What a worker throws reaches this thread as a structured clone: an SqliteError arrives as `{ code }`. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const e = error as { message?: unknown; code?: unknown } | null;
  return new Error([e?.message, e?.code].filter((x) => typeof x === 'string').join(': ') || String(error));
}
