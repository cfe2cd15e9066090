import { webApi } from '@slack/bolt';
import type { Env } from '../config/env.js';
import type { SlackConnection } from '../slack/app.js';
import { type SlackWeb, webClientPort } from '../slack/web.js';

/** The Web API client's own logger, silenced: the outbox logs every failure itself, once, with context. */
const SILENT = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => 'error' as never,
  setName() {},
};

/**
 * The Web API client of the outbox and the look-ups. The outbox owns pacing and 429s, so the
 * client hands rate limits back instead of sleeping on them, never retries by itself, and is
 * bounded so a send always ends within its outbox lease.
 */
export function outboxWebClient(env: Env): SlackWeb {
  return webClientPort(
    new webApi.WebClient(env.slack.botToken, {
      ...(env.slack.apiUrl ? { slackApiUrl: env.slack.apiUrl } : {}),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: 10_000,
      logger: SILENT,
    }),
  );
}

/** How the Slack app receives Slack: Socket Mode with an app token, else signed HTTP on PORT. */
export function slackAppOptions(env: Env, host: string | undefined): SlackConnection {
  return {
    botToken: env.slack.botToken,
    ...(env.slack.signingSecret ? { signingSecret: env.slack.signingSecret } : {}),
    ...(env.slack.mode === 'socket' ? { appToken: env.slack.appToken } : {}),
    ...(env.slack.apiUrl ? { apiUrl: env.slack.apiUrl } : {}),
    port: env.port,
    ...(host ? { host } : {}),
  };
}
