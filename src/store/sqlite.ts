/** SQLite adapter: embedded, nothing to install, one bot process (see process-lock.ts). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { EngineProfile } from './engine.js';
import { createKyselyStore } from './kysely-store.js';
import type { Store } from './port.js';
import { acquireProcessLock, type ProcessLockOptions } from './process-lock.js';
import type { Database } from './schema.js';
import { type Checkpointer, startCheckpointer } from './sqlite-checkpoint.js';
import { FairSqliteDialect } from './sqlite-dialect.js';

export const sqliteEngine: EngineProfile = {
  capabilities: { kind: 'sqlite', sharedAcrossProcesses: false },
  setupStatements: [],
  identityColumn: 'integer primary key autoincrement',
  // IMMEDIATE takes the write lock up front, which serialises every writer: no claim needs more.
  beginWrite: 'begin immediate',
  lockStatement: () => null,
  rowLocks: false,
  isRetryable: () => false,
  appendOnlyGuard: (table) => [
    `create trigger ${table}_no_update before update on ${table} begin select raise(abort, '${table} is append-only'); end`,
    `create trigger ${table}_no_delete before delete on ${table} begin select raise(abort, '${table} is append-only'); end`,
  ],
};

export interface SqliteStoreOptions extends ProcessLockOptions {
  /** How long a writer waits for another connection's write lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Time between WAL checkpoints (sqlite-checkpoint.ts); default 1 s. */
  checkpointIntervalMs?: number;
}

export async function openSqliteStore(path: string, opts: SqliteStoreOptions): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  database.pragma('foreign_keys = ON');
  // WAL + NORMAL: durable across process crashes (what §10 needs); only an OS crash can lose the last commit.
  database.pragma('synchronous = NORMAL');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection; the operating system
  // caches the file anyway, and the bot's hot rows (queues, outbox heads) fit in far less.
  database.pragma('cache_size = -4000');
  const db = new Kysely<Database>({ dialect: new FairSqliteDialect(database) });
  let lock: Awaited<ReturnType<typeof acquireProcessLock>>;
  try {
    lock = await acquireProcessLock(db, sqliteEngine, path, opts);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const checkpointer = path === ':memory:' ? undefined : checkpointInBackground(database, path, opts);
  return createKyselyStore(db, sqliteEngine, {
    beforeClose: async () => {
      await checkpointer?.stop();
      await lock.release();
    },
  });
}

/** No commit of the bot's own checkpoints the WAL; a worker does (sqlite-checkpoint.ts). */
function checkpointInBackground(
  database: BetterSqlite3.Database,
  path: string,
  opts: SqliteStoreOptions,
): Checkpointer {
  database.pragma('wal_autocheckpoint = 0');
  return startCheckpointer(path, {
    ...(opts.checkpointIntervalMs !== undefined ? { intervalMs: opts.checkpointIntervalMs } : {}),
    onFailure: (error) => {
      // SQLite's own checkpoints again: stalls now and then rather than a WAL that grows for good.
      database.pragma('wal_autocheckpoint = 1000');
      console.error(
        `sqlite: background checkpoints stopped (${error.message}); SQLite checkpoints itself again`,
      );
    },
  });
}
