import { describe, expect, it } from 'vitest';
import { readEnv, wantsPlayground } from '../../src/config/env.js';

describe('when the playground starts (SPEC §2)', () => {
  it.each([
    [{}, true],
    [{ NODE_ENV: 'development' }, true],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, false],
    [{ SLACK_APP_TOKEN: 'xapp-1' }, false],
    [{ SLACK_SIGNING_SECRET: 's' }, false],
    [{ NODE_ENV: 'production' }, false],
    [{ NODE_ENV: 'production', SNAPSHOT_COPY_SLACK: 'local' }, true],
    [{ SNAPSHOT_COPY_SLACK: 'slack' }, false],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SNAPSHOT_COPY_SLACK: 'local' }, true],
  ])('%j → playground %s', (env, expected) => {
    expect(wantsPlayground(env)).toBe(expected);
  });

  it('is never started when SLACK_BOT_TOKEN is set: missing Slack variables are an error', () => {
    expect(() => readEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('is never started with NODE_ENV=production: the usual error names the Slack variables', () => {
    expect(() => readEnv({ NODE_ENV: 'production' })).toThrow(/SLACK_BOT_TOKEN/);
  });

  it('defaults to the AWS simulator and loopback in the playground', () => {
    const env = readEnv({});
    expect(env.playground).toEqual({ host: '127.0.0.1' });
    expect(env.aws).toBe('simulated');
    expect(readEnv({ PLAYGROUND_HOST: '0.0.0.0' }).playground).toEqual({ host: '0.0.0.0' });
    expect(readEnv({ SNAPSHOT_COPY_AWS: 'sdk' }).aws).toBe('real');
  });

  it('refuses an unknown SNAPSHOT_COPY_SLACK', () => {
    expect(() => readEnv({ SNAPSHOT_COPY_SLACK: 'maybe' })).toThrow(/SNAPSHOT_COPY_SLACK/);
  });
});
