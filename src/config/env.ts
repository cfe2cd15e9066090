import { randomBytes } from 'node:crypto';
import { type DatabaseTarget, parseDatabaseUrl } from '../store/open.js';
import { ConfigError, type ConfigProblem } from './errors.js';

/** Where the README explains every variable; named in every environment error. */
export const ENV_README_SECTION = 'README → Configuration → Environment';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Socket Mode when an app-level token is given, otherwise Bolt's HTTP receiver (SPEC §2). */
export type SlackConnection =
  | { mode: 'socket'; appToken: string; signingSecret?: string }
  | { mode: 'http'; signingSecret: string };

export type SlackEnv = SlackConnection & {
  botToken: string;
  /** Web API base URL override (Bolt `clientOptions.slackApiUrl`), for proxies and tests. */
  apiUrl?: string;
};

export interface Env {
  slack: SlackEnv;
  port: number;
  /** As given (or the default); `database` is the parsed form. */
  databaseUrl: string;
  database: DatabaseTarget;
  configPath: string;
  /** `simulated`: sandbox mode against the built-in AWS simulator. */
  aws: 'real' | 'simulated';
  /**
   * The playground (SPEC §11): a built-in local Slack instead of a Slack app. `slack` then holds
   * the local Slack's credentials, generated at start; `main` points `apiUrl` at it.
   */
  playground?: { host: string };
  logLevel: LogLevel;
}

export const ENV_DEFAULTS = {
  port: 3000,
  databaseUrl: 'sqlite:./data/snapshot-copy.db',
  configPath: './snapshot-copy.yml',
  logLevel: 'info' as LogLevel,
};

/**
 * Reads and validates the process environment (SPEC §2). Throws one `ConfigError` naming every
 * missing or invalid variable. Values of secrets are never echoed in messages.
 */
export function readEnv(env: Readonly<Record<string, string | undefined>> = process.env): Env {
  const problems: ConfigProblem[] = [];
  const problem: Problem = (path, message) => problems.push({ path, message });
  const get = variableReader(env);

  const slackText = get('SNAPSHOT_COPY_SLACK');
  if (slackText !== undefined && slackText !== 'local' && slackText !== 'slack') {
    problem('SNAPSHOT_COPY_SLACK', `must be unset, "local" (the playground) or "slack", got "${slackText}"`);
  }
  if (slackText !== 'slack' && wantsPlayground(env, slackText)) return readPlaygroundEnv(env, get, problems);

  // Each reader adds its own problems: the error lists them in the order read here.
  const slack = readSlackEnv(get, problem);
  const port = readPort(get, problem);
  const databaseUrl = get('DATABASE_URL') ?? ENV_DEFAULTS.databaseUrl;
  const database = readDatabase(databaseUrl, problem);
  const aws = readAwsMode(get, problem);
  const logLevel = readLogLevel(get, problem);

  if (problems.length > 0 || slack === undefined || database === undefined || logLevel === undefined) {
    throw new ConfigError(
      `The environment is incomplete or invalid (${plural(problems.length, 'problem')}):`,
      problems,
      `See ${ENV_README_SECTION}.`,
    );
  }
  return {
    slack,
    port,
    databaseUrl,
    database,
    configPath: get('SNAPSHOT_COPY_CONFIG') ?? ENV_DEFAULTS.configPath,
    aws,
    logLevel,
  };
}

type Get = (name: string) => string | undefined;
type Problem = (path: string, message: string) => void;

/** An empty variable (`FOO=` in a compose file) means "not set", not "set to nothing". */
function variableReader(env: Readonly<Record<string, string | undefined>>): Get {
  return (name) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
}

/** The Slack variables; undefined when they do not make a usable connection (a problem says why). */
function readSlackEnv(get: Get, problem: Problem): SlackEnv | undefined {
  const botToken = get('SLACK_BOT_TOKEN');
  if (botToken === undefined) {
    problem(
      'SLACK_BOT_TOKEN',
      "missing: the bot token (xoxb-…) from the Slack app's OAuth & Permissions page",
    );
  } else if (!botToken.startsWith('xoxb-')) {
    problem('SLACK_BOT_TOKEN', 'must be a bot token starting with xoxb-');
  }

  const appToken = get('SLACK_APP_TOKEN');
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    problem('SLACK_APP_TOKEN', 'must be an app-level token starting with xapp- (unset it to use HTTP mode)');
  }

  const signingSecret = get('SLACK_SIGNING_SECRET');
  if (appToken === undefined && signingSecret === undefined) {
    problem(
      'SLACK_SIGNING_SECRET',
      'missing: required in HTTP mode (SLACK_APP_TOKEN is not set) to verify requests from Slack; ' +
        'or set SLACK_APP_TOKEN (xapp-…) to use Socket Mode',
    );
  }

  const apiUrl = get('SLACK_API_URL');
  if (apiUrl !== undefined && !isHttpUrl(apiUrl)) {
    problem('SLACK_API_URL', 'must be an http(s) URL, e.g. https://slack.com/api/');
  }

  const connection = slackConnection(appToken, signingSecret);
  if (botToken === undefined || connection === undefined) return undefined;
  return { ...connection, botToken, ...(apiUrl !== undefined ? { apiUrl } : {}) };
}

/** Socket Mode when an app-level token is given; HTTP mode needs the signing secret. */
function slackConnection(appToken?: string, signingSecret?: string): SlackConnection | undefined {
  if (appToken !== undefined)
    return { mode: 'socket', appToken, ...(signingSecret !== undefined ? { signingSecret } : {}) };
  return signingSecret !== undefined ? { mode: 'http', signingSecret } : undefined;
}

function readPort(get: Get, problem: Problem): number {
  const portText = get('PORT');
  if (portText === undefined) return ENV_DEFAULTS.port;
  // 0 is allowed: the OS picks a free port, which tests rely on.
  if (/^\d+$/.test(portText) && Number(portText) <= 65535) return Number(portText);
  problem('PORT', `must be a port number 0–65535, got "${portText}"`);
  return ENV_DEFAULTS.port;
}

function readDatabase(databaseUrl: string, problem: Problem): DatabaseTarget | undefined {
  try {
    return parseDatabaseUrl(databaseUrl);
  } catch (error) {
    // The store's parser decides what DATABASE_URL may be; its message never echoes a password.
    problem(
      'DATABASE_URL',
      error instanceof Error ? error.message.replace(/^DATABASE_URL /, '') : String(error),
    );
    return undefined;
  }
}

function readAwsMode(get: Get, problem: Problem): Env['aws'] {
  const awsText = get('SNAPSHOT_COPY_AWS');
  if (awsText !== undefined && awsText !== 'simulated' && awsText !== 'sdk') {
    problem('SNAPSHOT_COPY_AWS', `must be unset or "sdk" (real AWS), or "simulated", got "${awsText}"`);
  }
  return awsText === 'simulated' ? 'simulated' : 'real';
}

function readLogLevel(get: Get, problem: Problem): LogLevel | undefined {
  const logLevelText = get('LOG_LEVEL')?.toLowerCase() ?? ENV_DEFAULTS.logLevel;
  const logLevel = LOG_LEVELS.find((level) => level === logLevelText);
  if (logLevel === undefined) {
    problem('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelText}"`);
  }
  return logLevel;
}

/**
 * SPEC §2: the playground runs when forced (`SNAPSHOT_COPY_SLACK=local`, also in production), or
 * when no Slack variable is set at all outside production. A production bot never falls back.
 */
export function wantsPlayground(
  env: Readonly<Record<string, string | undefined>>,
  slack = env.SNAPSHOT_COPY_SLACK?.trim(),
): boolean {
  if (slack === 'local') return true;
  if (slack === 'slack') return false;
  const set = (name: string) => (env[name]?.trim() ?? '') !== '';
  if (set('SLACK_BOT_TOKEN') || set('SLACK_APP_TOKEN') || set('SLACK_SIGNING_SECRET')) return false;
  return env.NODE_ENV?.trim() !== 'production';
}

function readPlaygroundEnv(
  env: Readonly<Record<string, string | undefined>>,
  get: Get,
  problems: ConfigProblem[],
): Env {
  // Everything but Slack is read as in the other modes; AWS defaults to the simulator here.
  const rest = readEnv({
    ...env,
    SNAPSHOT_COPY_SLACK: 'slack',
    SLACK_BOT_TOKEN: PLAYGROUND_BOT_TOKEN,
    SLACK_SIGNING_SECRET: 'placeholder',
    SLACK_APP_TOKEN: '',
    SLACK_API_URL: '',
  });
  if (problems.length > 0) {
    throw new ConfigError(
      'The environment is incomplete or invalid:',
      problems,
      `See ${ENV_README_SECTION}.`,
    );
  }
  const awsText = get('SNAPSHOT_COPY_AWS');
  return {
    ...rest,
    // Generated per run: the local Slack signs with it, so no request from elsewhere verifies.
    slack: { mode: 'http', botToken: PLAYGROUND_BOT_TOKEN, signingSecret: randomBytes(24).toString('hex') },
    aws: awsText === 'sdk' ? 'real' : 'simulated',
    playground: { host: get('PLAYGROUND_HOST') ?? '127.0.0.1' },
  };
}

export const PLAYGROUND_BOT_TOKEN = 'xoxb-playground-local-slack';

function isHttpUrl(value: string): boolean {
  return /^https?:\/\//.test(value) && isParsableUrl(value);
}

function isParsableUrl(value: string): boolean {
  return URL.canParse(value);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What may be logged about the environment at start: no tokens, no signing secret, and the
 * database password masked (SPEC §10: secrets never appear in logs).
 */
export function envSummary(env: Env): Record<string, string | number> {
  return {
    slackMode: env.slack.mode,
    ...(env.slack.apiUrl !== undefined ? { slackApiUrl: env.slack.apiUrl } : {}),
    port: env.port,
    database: env.database.kind === 'sqlite' ? `sqlite:${env.database.path}` : maskPassword(env.database.url),
    configPath: env.configPath,
    aws: env.aws,
    logLevel: env.logLevel,
  };
}

function maskPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
