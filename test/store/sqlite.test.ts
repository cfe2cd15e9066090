import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
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

describe('SQLite store: the intent a Slack ack waits on', () => {
  it('is recorded ahead of queued work, not after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
    const store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
    try {
      await store.migrate();
      // A burst of earlier work: 200 queries queued, one let through per turn of the event loop.
      let done = 0;
      const queued = Array.from({ length: 200 }, () => store.listAudit({}).then(() => done++));
      await store.recordIntent({
        dedupeKey: 'command:trigger-1',
        kind: 'status',
        userId: 'U0REQUESTER',
        payload: {},
        at: new Date(),
      });
      expect(done).toBeLessThan(20);
      await Promise.all(queued);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
