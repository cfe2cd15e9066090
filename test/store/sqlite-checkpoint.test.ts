import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startCheckpointer } from '../../src/store/sqlite-checkpoint.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'store-checkpoint-'));
  dirs.push(dir);
  return dir;
}

const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

describe('SQLite WAL checkpoints', () => {
  it('copy what the bot wrote into the database file in the background, before SQLite would itself', async () => {
    const path = join(scratch(), 'bot.db');
    const store = await openSqliteStore(path, { checkpointIntervalMs: 25, clock: () => new Date() });
    try {
      await store.migrate();
      const migrated = size(path);
      // About 1 MB: a quarter of what makes SQLite checkpoint inside a commit (1,000 pages of 4 kB).
      const payload = 'x'.repeat(10_000);
      for (let i = 0; i < 100; i++) {
        await store.recordIntent({
          dedupeKey: `t${i}`,
          kind: 'command',
          userId: 'U1',
          payload,
          at: new Date(),
        });
      }
      const deadline = Date.now() + 5_000;
      while (size(path) < migrated + 800_000 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect(size(path)).toBeGreaterThanOrEqual(migrated + 800_000);
    } finally {
      await store.close();
    }
  });

  it('tell the caller when the worker cannot go on, so SQLite can checkpoint itself again', async () => {
    const failure = new Promise<Error>((resolve) => {
      startCheckpointer(join(scratch(), 'missing.db'), { intervalMs: 10, onFailure: resolve });
    });
    await expect(failure).resolves.toBeInstanceOf(Error);
  });

  it('keep the process alive until the worker has closed its connection, when the store is closed last', () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'open-and-close-sqlite.ts');
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, join(scratch(), 'bot.db')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    // Before the fix the worker's exit was awaited while it was unref'd: the script ended with
    // code 13 (an unsettled top-level await) before `closed` was printed.
    expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: 'closed' });
  });
});
