import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBot, startBot } from '../../src/bot.js';
import { readEnv } from '../../src/config/env.js';
import { parseConfigText } from '../../src/config/load.js';
import type { BotConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/observability/log.js';
import {
  demoConfigYaml,
  demoWorld,
  SANDBOX_IDENTITY,
  type SimulatorHandle,
  type SimulatorOptions,
  startSimulator,
} from '../../src/simulator/index.js';
import type { WorldSpec } from '../../src/simulator/spec.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import { SlackSender } from '../support/slack-signed.js';

export const SIGNING_SECRET = 'test-signing-secret';
export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER1';
export const APPROVER2 = 'U0APPROVER2';
export const APPROVALS_CHANNEL = 'C0APPROVALS';
export const OPS_CHANNEL = 'C0OPS';

/** The demo config, made strict for tests: a separate requester and approvers, no self-approval. */
export function testConfigYaml(edit: (yaml: string) => string = (y) => y): string {
  const yaml = demoConfigYaml()
    .replace('approvers: [U0APPROVER1]', `approvers: [${APPROVER}, ${APPROVER2}, S0DRTEAM]`)
    .replace('allowSelfApproval: true', 'allowSelfApproval: false')
    .replace(/polling:\n {2}intervalSeconds: \d+/, 'polling:\n  intervalSeconds: 30');
  return edit(yaml);
}

export interface HarnessOptions {
  world?: WorldSpec;
  configYaml?: string;
  simulator?: Partial<SimulatorOptions>;
  pollIntervalMs?: number;
  databaseUrl?: string;
  /** The bot's clock (the simulator keeps real time): tests of expiry and schedules move it. */
  now?: () => Date;
  /** More environment for the bot (SLACK_APP_TOKEN: Socket Mode). */
  env?: Record<string, string>;
  /** Runs once the Slack stand-in is up and before the bot starts (Socket Mode connects at start). */
  beforeBot?: (slack: SlackApiStandIn) => Promise<void>;
  /** How often a restore drill looks at its volume. */
  drillPollMs?: number;
}

export interface Harness {
  sim: SimulatorHandle;
  slack: SlackApiStandIn;
  bot: RunningBot;
  config: BotConfig;
  send: SlackSender;
  dir: string;
  /**
   * Starts another bot on the same database, Slack stand-in and simulator (a restart, or a second
   * replica on PostgreSQL); the caller stops it, or makes it `bot` for `close` to stop.
   */
  startReplica(): Promise<RunningBot>;
  close(): Promise<void>;
}

/**
 * The bot as it meets real AWS and Slack: the simulator runs as its own HTTP server; the bot is
 * started with SNAPSHOT_COPY_AWS unset, static credentials and the standard AWS_ENDPOINT_URL_*
 * variables (the SDK reads them itself); Slack reaches it through signed HTTP requests and its Web
 * API calls go to the stand-in through SLACK_API_URL.
 */
export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const sim = await startSimulator({
    world: o.world ?? demoWorld(),
    copyDuration: ({ incremental }) => (incremental ? 300 : 800),
    keyFailureDelayMs: 300,
    ...o.simulator,
  });
  const slack = await new SlackApiStandIn().start();
  const dir = mkdtempSync(join(tmpdir(), 'scb-it-'));
  delete process.env.SNAPSHOT_COPY_AWS;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, sim.endpointEnv(), {
    AWS_ACCESS_KEY_ID: SANDBOX_IDENTITY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SANDBOX_IDENTITY.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  const env = readEnv({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    DATABASE_URL: o.databaseUrl ?? `sqlite:${join(dir, 'bot.db')}`,
    SNAPSHOT_COPY_CONFIG: join(dir, 'unused.yml'),
    LOG_LEVEL: 'silent',
    ...o.env,
  });
  const config = parseConfigText(o.configYaml ?? testConfigYaml(), 'test config');
  slack.userGroups.set('S0DRTEAM', ['U0GROUPMEMBER']);
  await o.beforeBot?.(slack);
  const start = () =>
    startBot({
      env,
      config,
      log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      pollIntervalMs: o.pollIntervalMs ?? 150,
      slackChannelIntervalMs: 0,
      ...(o.now ? { now: o.now } : {}),
      ...(o.drillPollMs !== undefined ? { drillPollMs: o.drillPollMs } : {}),
    });
  const bot = await start();
  const send = new SlackSender(`http://127.0.0.1:${bot.port}`, SIGNING_SECRET, () => slack.responseUrl());
  const harness: Harness = {
    sim,
    slack,
    bot,
    config,
    send,
    dir,
    startReplica: start,
    async close() {
      await harness.bot.stop();
      await sim.close();
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Polls until `check` returns a value (not undefined/false), or fails with `what`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
