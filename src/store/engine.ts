/**
 * What differs between SQLite and PostgreSQL, described as data (in the manner of pg-boss's
 * backend profiles). Everything else in `src/store` is one implementation over kysely.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { StoreCapabilities } from './port.js';
import type { Database } from './schema.js';

/** Critical sections that must be serialised across every process sharing the database. */
export type LockName = 'migrate' | 'claim-slots' | 'claim-messages';

export interface EngineProfile {
  readonly capabilities: StoreCapabilities;
  /** Run before migrating, inside the migration lock (e.g. create the configured schema). */
  readonly setupStatements: readonly string[];
  /** Column definition of an auto-assigned integer primary key (request numbers, ids). */
  readonly identityColumn: string;
  /** Statement that opens a write transaction. */
  readonly beginWrite: string;
  /** Statement that serialises a critical section inside the open transaction, or null when
   * `beginWrite` already serialises all writers. */
  lockStatement(lock: LockName): RawBuilder<unknown> | null;
  /** DDL that makes a table refuse UPDATE and DELETE. */
  appendOnlyGuard(table: string): string[];
  /**
   * Row locks (`SELECT … FOR UPDATE`) are needed to order writers: true on PostgreSQL, false where
   * `beginWrite` already serialises every writer (SQLite).
   */
  readonly rowLocks: boolean;
  /** Set on the profile handed to code running inside an open transaction: nested calls join it. */
  readonly inTransaction?: boolean;
  /** Errors after which the whole transaction may simply run again (deadlock, serialization). */
  isRetryable(error: unknown): boolean;
}

export type Db = Kysely<Database>;

/**
 * Runs `fn` in a write transaction on one pinned connection, optionally inside a named critical
 * section. Hand-rolled (rather than `db.transaction()`) because SQLite needs `BEGIN IMMEDIATE`:
 * a deferred transaction that reads then writes can fail with SQLITE_BUSY instead of waiting.
 */
export async function inWriteTransaction<T>(
  db: Db,
  engine: EngineProfile,
  lock: LockName | null,
  fn: (trx: Db) => Promise<T>,
): Promise<T> {
  if (engine.inTransaction) {
    // Joining the caller's transaction: its BEGIN already holds the connection.
    const lockSql = lock === null ? null : engine.lockStatement(lock);
    if (lockSql !== null) await lockSql.execute(db);
    return fn(db);
  }
  // A deadlock PostgreSQL broke by aborting this transaction is not the user's problem: the whole
  // transaction runs again (it saw nothing it committed). Lock order (requests before copies, in
  // ascending number) makes this rare; this makes it invisible.
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(db, engine, lock, fn);
    } catch (error) {
      if (attempt >= MAX_TRANSACTION_ATTEMPTS || !engine.isRetryable(error)) throw error;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}

const MAX_TRANSACTION_ATTEMPTS = 5;

/** The profile for code running inside an open transaction on `conn`. */
export function joined(engine: EngineProfile): EngineProfile {
  return { ...engine, inTransaction: true };
}

/** Locks the rows of these requests for the rest of the transaction, in ascending order (one lock order). */
export async function lockRequests(trx: Db, engine: EngineProfile, ns: number[]): Promise<void> {
  if (!engine.rowLocks || ns.length === 0) return;
  await trx
    .selectFrom('requests')
    .select('n')
    .where(
      'n',
      'in',
      [...new Set(ns)].sort((a, b) => a - b),
    )
    .orderBy('n')
    .forUpdate()
    .execute();
}

async function runOnce<T>(
  db: Db,
  engine: EngineProfile,
  lock: LockName | null,
  fn: (trx: Db) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql.raw(engine.beginWrite).execute(conn);
    try {
      const lockSql = lock === null ? null : engine.lockStatement(lock);
      if (lockSql !== null) await lockSql.execute(conn);
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      try {
        await sql`rollback`.execute(conn);
      } catch (rollbackError) {
        throw new AggregateError([error, rollbackError], 'transaction failed and its rollback failed too');
      }
      throw error;
    }
  });
}
