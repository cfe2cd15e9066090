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
