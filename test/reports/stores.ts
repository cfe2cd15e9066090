/**
 * Stores for the scheduler tests: two handles on one PostgreSQL schema when TEST_DATABASE_URL is
 * set (two replicas), otherwise one SQLite store shared by both "replicas" (SQLite allows one
 * process, so that is how two schedulers meet it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';

export interface ReplicaStores {
  a: Store;
  b: Store;
  close(): Promise<void>;
}

export async function openReplicaStores(): Promise<ReplicaStores> {
  const url = process.env['TEST_DATABASE_URL'];
  if (url !== undefined) {
    const schema = `reports_test_${randomBytes(6).toString('hex')}`;
    const a = await openStore(url, { postgres: { schema, poolSize: 2 } });
    const b = await openStore(url, { postgres: { schema, poolSize: 2 } });
    await Promise.all([a.migrate(), b.migrate()]);
    return {
      a,
      b,
      async close() {
        await Promise.all([a.close(), b.close()]);
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'r-'));
  const store = await openStore(`sqlite:${join(dir, 't.db')}`, {});
  await store.migrate();
  return {
    a: store,
    b: store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One SQLite store of its own. */
export async function openSqliteStore(): Promise<{ store: Store; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'r-'));
  const store = await openStore(`sqlite:${join(dir, 't.db')}`, {});
  await store.migrate();
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
