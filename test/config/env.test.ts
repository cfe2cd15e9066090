import { describe, expect, it } from 'vitest';
import { envSummary, readEnv } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';

const HTTP_ENV = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'shh-secret' };

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    readEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('readEnv', () => {
  it('defaults everything optional in HTTP mode', () => {
    expect(readEnv(HTTP_ENV)).toEqual({
      slack: { mode: 'http', botToken: 'xoxb-1-abc', signingSecret: 'shh-secret' },
      port: 3000,
      databaseUrl: 'sqlite:./data/snapshot-copy.db',
      database: { kind: 'sqlite', path: './data/snapshot-copy.db' },
      configPath: './snapshot-copy.yml',
      aws: 'real',
      logLevel: 'info',
    });
  });

  it('uses Socket Mode when an app token is set, without needing a signing secret', () => {
    const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A' });
    expect(env.slack).toEqual({ mode: 'socket', botToken: 'xoxb-1', appToken: 'xapp-1-A' });
  });

  it('reads every variable', () => {
    const env = readEnv({
      ...HTTP_ENV,
      SLACK_API_URL: 'http://127.0.0.1:4000/api/',
      PORT: '0',
      DATABASE_URL: 'postgres://bot:pw@db:5432/snapshots',
      SNAPSHOT_COPY_CONFIG: '/etc/bot.yml',
      SNAPSHOT_COPY_AWS: 'simulated',
      LOG_LEVEL: 'DEBUG',
    });
    expect(env.slack.apiUrl).toBe('http://127.0.0.1:4000/api/');
    expect(env.port).toBe(0);
    expect(env.database).toEqual({ kind: 'postgres', url: 'postgres://bot:pw@db:5432/snapshots' });
    expect(env.configPath).toBe('/etc/bot.yml');
    expect(env.aws).toBe('simulated');
    expect(env.logLevel).toBe('debug');
  });

  it('treats empty variables as unset', () => {
    expect(readEnv({ ...HTTP_ENV, PORT: '', SLACK_APP_TOKEN: '' }).slack.mode).toBe('http');
  });

  it('names every missing variable at once and points at the README', () => {
    let caught: unknown;
    try {
      // NODE_ENV=production: without it, no Slack variable at all starts the playground (SPEC §2).
      readEnv({ NODE_ENV: 'production' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.problems).toEqual([
      "SLACK_BOT_TOKEN: missing: the bot token (xoxb-…) from the Slack app's OAuth & Permissions page",
      'SLACK_SIGNING_SECRET: missing: required in HTTP mode (SLACK_APP_TOKEN is not set) to verify requests from Slack; or set SLACK_APP_TOKEN (xapp-…) to use Socket Mode',
    ]);
    expect(error.message).toMatch(/^The environment is incomplete or invalid \(2 problems\):\n/);
    expect(error.message).toContain('See README → Configuration → Environment.');
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xoxp-user' }, 'SLACK_BOT_TOKEN: must be a bot token starting with xoxb-'],
    [
      { SLACK_APP_TOKEN: 'xoxb-wrong' },
      'SLACK_APP_TOKEN: must be an app-level token starting with xapp- (unset it to use HTTP mode)',
    ],
    [
      { SLACK_API_URL: 'slack.com/api' },
      'SLACK_API_URL: must be an http(s) URL, e.g. https://slack.com/api/',
    ],
    [{ PORT: 'eighty' }, 'PORT: must be a port number 0–65535, got "eighty"'],
    [{ PORT: '70000' }, 'PORT: must be a port number 0–65535, got "70000"'],
    [
      { DATABASE_URL: 'mysql://db' },
      'DATABASE_URL: "mysql://db" is not supported: use sqlite:<path> (e.g. sqlite:./data/snapshot-copy.db) or postgres://user:password@host:5432/database',
    ],
    [
      { DATABASE_URL: 'postgres://bot:hunter2@' },
      'DATABASE_URL: "postgres://bot:***@" is not a valid URL: use sqlite:<path> (e.g. sqlite:./data/snapshot-copy.db) or postgres://user:password@host:5432/database',
    ],
    [
      { SNAPSHOT_COPY_AWS: 'fake' },
      'SNAPSHOT_COPY_AWS: must be unset or "sdk" (real AWS), or "simulated", got "fake"',
    ],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
  ])('rejects %j', (override, expected) => {
    expect(problemsOf({ ...HTTP_ENV, ...override })).toEqual([expected]);
  });

  it('never echoes a secret in its messages', () => {
    const error = (() => {
      try {
        readEnv({ SLACK_BOT_TOKEN: 'xoxp-very-secret-token', SLACK_APP_TOKEN: 'xoxa-another-secret' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected readEnv to fail');
    })();
    expect(error.message).not.toContain('very-secret');
    expect(error.message).not.toContain('another-secret');
  });

  it('accepts sqlite URLs with absolute paths', () => {
    expect(readEnv({ ...HTTP_ENV, DATABASE_URL: 'sqlite:///var/lib/bot.db' }).database).toEqual({
      kind: 'sqlite',
      path: '/var/lib/bot.db',
    });
  });

  it('summarises the environment for logs without secrets', () => {
    const env = readEnv({ ...HTTP_ENV, DATABASE_URL: 'postgres://bot:hunter2@db:5432/snapshots' });
    const summary = envSummary(env);
    expect(summary).toEqual({
      slackMode: 'http',
      port: 3000,
      database: 'postgres://bot:***@db:5432/snapshots',
      configPath: './snapshot-copy.yml',
      aws: 'real',
      logLevel: 'info',
    });
    expect(JSON.stringify(summary)).not.toMatch(/xoxb|shh-secret|hunter2/);
  });
});
