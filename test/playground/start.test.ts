import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** The start command with no setup: the playground answers on its page within 30 s. */
describe('npm start on a fresh machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'playground-start-'));
  let child: ChildProcess | undefined;

  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers on http://localhost:<port>/ within 30 s, writing nothing but its database', async () => {
    const started = Date.now();
    child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(process.cwd(), 'node_modules/tsx/dist/loader.mjs')).href,
        join(process.cwd(), 'src/main.ts'),
      ],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: dir, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    let url: string | undefined;
    while (!url && Date.now() - started < 30_000) {
      url = /open (http:\/\/localhost:\d+\/)/.exec(out)?.[1];
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(url, out).toBeDefined();
    expect(out.split('\n')[0]).toMatch(/PLAYGROUND/);
    let page = '';
    while (!page.includes('data-sidebar') && Date.now() - started < 30_000) {
      page = await fetch(url!).then(
        (r) => r.text(),
        () => '',
      );
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(page).toContain('data-user-switcher');
    const health = await fetch(`${url}healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${url}metrics`)).status).toBe(200);
    expect(readdirSync(dir).sort()).toEqual(['data']);
  }, 40_000);
});
