import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/runner.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import { runStoreConformance } from './conformance.js';

const url = process.env['TEST_DATABASE_URL'];

if (url === undefined) {
  describe('PostgreSQL store', () => {
    it.skip('needs TEST_DATABASE_URL=postgres://… (e.g. postgres://postgres@127.0.0.1:5432/test)', () => {});
  });
} else {
  describe('PostgreSQL migrations', () => {
    it('migrates a new schema once when two processes start at once', async () => {
      const schema = `store_test_${randomBytes(6).toString('hex')}`;
      const stores = await Promise.all(
        [1, 2, 3].map(() => openStore(url, { postgres: { schema, poolSize: 2 } })),
      );
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await Promise.all(stores.map((s) => s.migrate()));
        // Each migration exactly once, although three processes migrated at the same moment.
        const applied = await admin.query(`select id from ${schema}.schema_migrations order by id`);
        expect(applied.rows).toEqual(MIGRATIONS.map((m) => ({ id: m.id })));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      }
    });
  });

  describe('PostgreSQL store', () => {
    runStoreConformance(async () => {
      // A random schema per case: other test files and CI jobs may share this database.
      const schema = `store_test_${randomBytes(6).toString('hex')}`;
      const open = () => openStore(url, { postgres: { schema, poolSize: 4 } });
      const store = await open();
      await store.migrate();
      const peers: Store[] = [];
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      return {
        store,
        openPeer: async () => {
          const peer = await open();
          peers.push(peer);
          return peer;
        },
        exec: async (statement) => {
          await admin.query(`set search_path to ${schema}`);
          await admin.query(statement);
        },
        close: async () => {
          await Promise.all([store.close(), ...peers.map((p) => p.close())]);
          await admin.query(`drop schema if exists ${schema} cascade`);
          await admin.end();
        },
      };
    });
  });
}
