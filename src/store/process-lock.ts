/**
 * One bot process per SQLite file. SQLite would let two processes share the file, but the slot
 * limits, outbox order and once-per-slot schedules would then only hold per process, so a
 * second process is refused loudly (STYLE: "refuse to start a second process on SQLite").
 *
 * The lock is a row in the database itself, taken inside BEGIN IMMEDIATE, so checking for a
 * holder and taking over a stale lock are one atomic step (a pid file needs a read-then-replace
 * that two restarting processes can race). The holder is identified by host, pid and process
 * start time, and keeps a heartbeat:
 * - a holder on this host whose pid is gone is stale at once, so a restart after a crash is not blocked;
 * - the same pid with another start time is a previous life of a reused pid (pid 1 in a restarted container);
 * - a holder that stopped heart-beating for `staleAfterMs` is stale wherever it ran (another host,
 *   another pid namespace sharing the volume, or a pid since reused by an unrelated process).
 */
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { type Db, type EngineProfile, inWriteTransaction } from './engine.js';
import { SqliteInUseError } from './port.js';

export interface ProcessLockOptions {
  /** Infrastructure time for the heartbeat (the domain's time is always passed in). */
  clock: () => Date;
  heartbeatMs?: number;
  staleAfterMs?: number;
  /** Heartbeat failures and a lock taken over by another process while this one stalled. */
  onLockError?: (error: Error) => void;
}

export interface ProcessLock {
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  hostname: string;
  started_ms: number;
  token: string;
  heartbeat_at: string;
}

const PROCESS_STARTED_MS = Math.round(performance.timeOrigin);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; only ESRCH means it is gone.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function holderIsLive(h: Holder, now: Date, staleAfterMs: number): boolean {
  const heartbeatFresh = now.getTime() - Date.parse(h.heartbeat_at) < staleAfterMs;
  if (!heartbeatFresh) return false;
  if (h.hostname !== hostname()) return true;
  if (h.pid === process.pid) return Number(h.started_ms) === PROCESS_STARTED_MS;
  return pidAlive(Number(h.pid));
}

export async function acquireProcessLock(
  db: Db,
  engine: EngineProfile,
  path: string,
  opts: ProcessLockOptions,
): Promise<ProcessLock> {
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const staleAfterMs = opts.staleAfterMs ?? 6 * heartbeatMs;
  const token = `${process.pid}-${PROCESS_STARTED_MS}-${Math.random().toString(36).slice(2)}`;
  const me = { pid: process.pid, hostname: hostname(), started_ms: PROCESS_STARTED_MS, token };
  const reportError =
    opts.onLockError ?? ((error: Error) => console.error(`sqlite process lock on ${path}: ${error.message}`));

  await inWriteTransaction(db, engine, null, async (trx) => {
    // Not a migration: the lock must be held before migrations run, and lives outside the schema's history.
    await sql`create table if not exists process_lock (
      id integer primary key check (id = 1),
      pid integer not null,
      hostname text not null,
      started_ms integer not null,
      token text not null,
      heartbeat_at text not null
    )`.execute(trx);
    const current =
      await sql<Holder>`select pid, hostname, started_ms, token, heartbeat_at from process_lock where id = 1`.execute(
        trx,
      );
    const holder = current.rows[0];
    if (holder !== undefined && holderIsLive(holder, opts.clock(), staleAfterMs)) {
      throw new SqliteInUseError(path, { pid: Number(holder.pid), hostname: holder.hostname });
    }
    const at = opts.clock().toISOString();
    await sql`insert into process_lock (id, pid, hostname, started_ms, token, heartbeat_at)
      values (1, ${me.pid}, ${me.hostname}, ${me.started_ms}, ${me.token}, ${at})
      on conflict (id) do update set pid = excluded.pid, hostname = excluded.hostname,
        started_ms = excluded.started_ms, token = excluded.token, heartbeat_at = excluded.heartbeat_at`.execute(
      trx,
    );
  });

  const beat = async () => {
    const result =
      await sql`update process_lock set heartbeat_at = ${opts.clock().toISOString()} where id = 1 and token = ${token}`.execute(
        db,
      );
    if (Number(result.numAffectedRows ?? 0n) === 0) {
      reportError(new Error('another process took over the lock after this one stopped heart-beating'));
    }
  };
  const timer = setInterval(() => {
    beat().catch((error: unknown) => reportError(error instanceof Error ? error : new Error(String(error))));
  }, heartbeatMs);
  // The heartbeat alone must not keep a finished process alive.
  timer.unref();

  return {
    release: async () => {
      clearInterval(timer);
      await sql`delete from process_lock where id = 1 and token = ${token}`.execute(db);
    },
  };
}
