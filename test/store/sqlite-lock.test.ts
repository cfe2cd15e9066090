import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { SqliteInUseError } from '../../src/store/port.js';

const holder = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hold-sqlite.ts');

/** Starts a second bot process holding the SQLite file; resolves once it holds the lock. */
function startHolder(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}: ${stderr}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('SQLite single-process lock', () => {
  let dir: string;
  let path: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-lock-'));
    path = join(dir, 'bot.db');
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map(killed));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second bot process on the same file, naming the holder and PostgreSQL', async () => {
    const child = await startHolder(path);
    children.push(child);
    const opening = openStore(`sqlite:${path}`);
    await expect(opening).rejects.toBeInstanceOf(SqliteInUseError);
    await expect(opening).rejects.toThrow(
      new RegExp(
        `already used by process ${child.pid} .*SQLite allows one bot process — use PostgreSQL \\(DATABASE_URL=postgres://…\\)`,
      ),
    );
  });

  it('takes over the lock of a process that died without releasing it', async () => {
    const child = await startHolder(path);
    await killed(child);
    const store = await openStore(`sqlite:${path}`);
    await store.ping();
    await store.close();
  });

  it('refuses a second store in the same process and frees the file on close', async () => {
    const first = await openStore(`sqlite:${path}`);
    await expect(openStore(`sqlite:${path}`)).rejects.toBeInstanceOf(SqliteInUseError);
    await first.close();
    const second = await openStore(`sqlite:${path}`);
    await second.close();
  });

  it('treats a holder whose heartbeat stopped as gone, even if its pid is alive', async () => {
    const t = new Date('2025-01-06T09:00:00.000Z');
    const first = await openStore(`sqlite:${path}`, { clock: () => t, sqlite: { heartbeatMs: 60_000 } });
    const later = new Date(t.getTime() + 6 * 60_000 + 1);
    const second = await openStore(`sqlite:${path}`, { clock: () => later, sqlite: { heartbeatMs: 60_000 } });
    await second.close();
    await first.close();
  });
});
