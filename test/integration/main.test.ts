import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackApiStandIn } from '../support/slack-api.js';
import { SlackSender } from '../support/slack-signed.js';

const BOT_TOKEN = 'xoxb-111-222-secretbottoken';
const SIGNING_SECRET = 'signing-secret-never-logged';

/**
 * The production bundle, built as `npm run build` builds it, into a scratch folder inside
 * node_modules (so its external dependencies resolve as they do from dist/).
 */
const BUNDLE = join(process.cwd(), 'node_modules', '.cache', `scb-build-${process.pid}`);

/** Runs the bot as its own process, exactly as `npm start` runs it: `node main.js` from the bundle. */
function runMain(
  env: Record<string, string>,
  home: string,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  // Every path the bot writes is in the test's directory.
  const child = spawn(process.execPath, [join(BUNDLE, 'main.js')], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      DATABASE_URL: `sqlite:${join(home, 'default.db')}`,
      SNAPSHOT_COPY_CONFIG: join(home, 'none.yml'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitForPort(output: () => string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /"port":(\d+),"mode"/.exec(output());
    if (m) return Number(m[1]);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the bot did not start:\n${output()}`);
}

describe('starting the bot', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scb-main-'));
    execFileSync(process.execPath, ['scripts/build.mjs', BUNDLE], { stdio: 'inherit' });
  }, 60_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(BUNDLE, { recursive: true, force: true });
  });

  it('names every missing variable and the README section, without a stack trace', async () => {
    // Production: a missing Slack app is an error, never the playground (SPEC §2).
    const run = runMain({ SLACK_SIGNING_SECRET: '', NODE_ENV: 'production' }, dir);
    const code = await run.exited;
    const out = run.output();
    expect(code).not.toBe(0);
    expect(out).toContain('SLACK_BOT_TOKEN');
    expect(out).toContain('SLACK_SIGNING_SECRET');
    expect(out).toContain('README → Configuration → Environment');
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('lists every problem of an invalid config file by its path and exits', async () => {
    const config = join(dir, 'bad.yml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      config,
      'slack: { approvalsChannel: C0APPROVALS }\naccounts:\n  - { alias: prod, id: "111", regions: [us-east-1] }\n  - { alias: prod, id: "222222222222", regions: [mars-1] }\napprovals: { approvers: [U1] }\n',
    );
    const run = runMain(
      {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SNAPSHOT_COPY_CONFIG: config,
        DATABASE_URL: `sqlite:${join(dir, 'bad.db')}`,
      },
      dir,
    );
    expect(await run.exited).not.toBe(0);
    const out = run.output();
    expect(out).toContain('accounts[0].id: must be 12 digits');
    expect(out).toContain('accounts[1].regions[0]');
    expect(out).not.toMatch(/\n\s+at /);
  });

  describe('in sandbox mode over HTTP', () => {
    let slack: SlackApiStandIn;
    let run: ReturnType<typeof runMain>;
    let base: string;
    beforeAll(async () => {
      slack = await new SlackApiStandIn().start();
      run = runMain(
        {
          SNAPSHOT_COPY_AWS: 'simulated',
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.url,
          PORT: '0',
          LOG_LEVEL: 'debug',
          DATABASE_URL: `sqlite:${join(dir, 'sandbox.db')}`,
          SNAPSHOT_COPY_CONFIG: join(dir, 'snapshot-copy.yml'),
        },
        dir,
      );
      base = `http://127.0.0.1:${await waitForPort(run.output)}`;
    }, 30_000);
    afterAll(async () => {
      run.child.kill('SIGTERM');
      await run.exited;
      await slack.close();
    });

    it('writes the demo configuration for the operator to edit', () => {
      expect(readFileSync(join(dir, 'snapshot-copy.yml'), 'utf8')).toContain('approvalsChannel');
    });

    it('serves /healthz and /metrics', async () => {
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('snapshot_copy_copies_in_flight');
    });

    it('answers a signed /snapshot-copy help with the usage, ephemeral', async () => {
      const res = await new SlackSender(base, SIGNING_SECRET, () => slack.responseUrl()).command('help');
      expect(res.status).toBe(200);
      const body = res.json() as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain('/snapshot-copy status');
    });

    it('refuses a forged request with 401 and a stale one', async () => {
      const forged = await new SlackSender(base, 'not-the-secret').command('help');
      expect(forged.status).toBe(401);
      const stale = await new SlackSender(base, SIGNING_SECRET).post('command=%2Fsnapshot-copy&text=help', {
        timestamp: Math.floor(Date.now() / 1000) - 600,
      });
      expect(stale.status).toBe(401);
    });

    it('never writes the tokens or the signing secret to its logs', () => {
      expect(run.output()).not.toContain(BOT_TOKEN);
      expect(run.output()).not.toContain(SIGNING_SECRET);
      expect(run.output()).toContain('"level":"debug"');
    });
  });
});
