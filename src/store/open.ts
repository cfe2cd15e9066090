/** `DATABASE_URL` → a `Store` (SPEC §2). Migrations are the caller's next step: `store.migrate()`. */

import { type Store, StoreUrlError } from './port.js';
import { openPostgresStore, type PostgresStoreOptions } from './postgres.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';

export const DEFAULT_SQLITE_PATH = './data/snapshot-copy.db';
export const DEFAULT_DATABASE_URL = `sqlite:${DEFAULT_SQLITE_PATH}`;

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface OpenStoreOptions {
  /** Clock for the SQLite process-lock heartbeat only; default: the system clock. */
  clock?: () => Date;
  sqlite?: Omit<SqliteStoreOptions, 'clock'>;
  postgres?: PostgresStoreOptions;
}

/** The URL with its password masked, safe to put in an error or a log line. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@');
}

const USAGE =
  'use sqlite:<path> (e.g. sqlite:./data/snapshot-copy.db) or postgres://user:password@host:5432/database';

export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  const url = databaseUrl.trim();
  if (/^sqlite:/i.test(url)) {
    // sqlite:./rel, sqlite:/abs, sqlite:///abs and sqlite://./rel all name a file path.
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    return { kind: 'sqlite', path: path === '' ? DEFAULT_SQLITE_PATH : path };
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      new URL(url);
    } catch {
      // The parser's own message would echo the URL, password included.
      throw new StoreUrlError(`DATABASE_URL "${redactDatabaseUrl(url)}" is not a valid URL: ${USAGE}`);
    }
    return { kind: 'postgres', url };
  }
  throw new StoreUrlError(
    url === ''
      ? `DATABASE_URL is empty: ${USAGE}`
      : `DATABASE_URL "${redactDatabaseUrl(url)}" is not supported: ${USAGE}`,
  );
}

export async function openStore(databaseUrl: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'postgres') return openPostgresStore(target.url, opts.postgres);
  return openSqliteStore(target.path, { ...opts.sqlite, clock: opts.clock ?? (() => new Date()) });
}
