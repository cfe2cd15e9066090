import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { runStoreConformance } from './conformance.js';

describe('SQLite store', () => {
  runStoreConformance(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
    const path = join(dir, 'bot.db');
    const store = await openStore(`sqlite:${path}`);
    await store.migrate();
    return {
      store,
      // One bot process per SQLite file: no peer; concurrency goes through the one store.
      exec: async (statement) => {
        const raw = new BetterSqlite3(path);
        try {
          raw.exec(statement);
        } finally {
          raw.close();
        }
      },
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
