import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  App,
  type AuthorizeResult,
  type CustomRoute,
  HTTPReceiver,
  LogLevel,
  type Logger as SlackLogger,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import type { Logger } from '../observability/log.js';

export interface SlackConnection {
  botToken: string;
  /** Required in HTTP mode; requests are always verified with it (never disabled). */
  signingSecret?: string;
  /** xapp-… token: Socket Mode. */
  appToken?: string;
  /** Web API base URL override (Bolt `clientOptions.slackApiUrl`), for proxies and tests. */
  apiUrl?: string;
  port: number;
  /** HTTP mode: the address to listen on; default all interfaces. */
  host?: string;
}

export interface SlackApp {
  app: App;
  mode: 'http' | 'socket';
  /** Starts receiving; resolves with the HTTP port serving /slack/events (HTTP mode) or the custom routes. */
  start(): Promise<number>;
  /** HTTP mode, once started: the server Slack's requests arrive on (Socket Mode: undefined). */
  httpServer(): Server | undefined;
  stop(): Promise<void>;
}

/** Bolt wants its own logger interface; route it into pino so there is one log stream. */
function boltLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'bolt' });
  return {
    debug: (...msg: unknown[]) => child.debug(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => child.info(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/**
 * The bot's identity for every incoming request, from one `auth.test`. Bolt's own single-token
 * mode either calls auth.test at construction (an unhandled failure when Slack is briefly
 * unreachable at start) or, with verification off, on every request — a Web API round trip in
 * front of every ack. This asks once and remembers; a failure is forgotten, so the next request
 * asks again.
 */
export function botAuthorization(
  botToken: string,
  clientOptions: webApi.WebClientOptions,
): () => Promise<AuthorizeResult> {
  const client = new webApi.WebClient(botToken, clientOptions);
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  return async () => {
    identity ??= client.auth.test().then((r) => ({
      ...(r.bot_id ? { botId: r.bot_id } : {}),
      ...(r.user_id ? { botUserId: r.user_id } : {}),
    }));
    try {
      return { botToken, ...(await identity) };
    } catch (err) {
      identity = undefined;
      throw err;
    }
  };
}

/**
 * Builds the Bolt app in the mode the environment asks for. `/healthz` and `/metrics` are custom
 * routes of the receiver, so they are served on PORT in both modes.
 */
export function createSlackApp(conn: SlackConnection, routes: CustomRoute[], log: Logger): SlackApp {
  const logger = boltLogger(log);
  const clientOptions = {
    ...(conn.apiUrl ? { slackApiUrl: conn.apiUrl } : {}),
    // Listener calls (views.open, chat.postEphemeral) must finish inside Slack's 3 s window:
    // retry briefly, never for minutes. Channel messages go through the outbox, which has its own pacing.
    retryConfig: { retries: 2, maxTimeout: 1_000 },
  };

  if (conn.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: conn.appToken,
      logger,
      customRoutes: routes,
      // Bolt hands these client options to the Socket Mode client too: with SLACK_API_URL set, the
      // WebSocket URL is asked of that API (apps.connections.open) as every other call is.
      installerOptions: { port: conn.port, clientOptions },
    });
    const app = new App({
      receiver,
      logger,
      clientOptions,
      authorize: botAuthorization(conn.botToken, clientOptions),
      // Bolt's conversation store is a per-request middleware this bot never reads.
      convoStore: false,
    });
    return {
      app,
      mode: 'socket',
      start: async () => {
        await app.start();
        return conn.port;
      },
      httpServer: () => undefined,
      stop: async () => {
        await app.stop();
      },
    };
  }

  if (!conn.signingSecret) throw new Error('HTTP mode needs SLACK_SIGNING_SECRET');
  const receiver = new HTTPReceiver({
    signingSecret: conn.signingSecret,
    endpoints: '/slack/events',
    customRoutes: routes,
    logger,
    // The slash command must be answered within 3 s; listeners ack first and work afterwards.
    processBeforeResponse: false,
    unhandledRequestTimeoutMillis: 2_900,
  });
  const app = new App({
    receiver,
    logger,
    clientOptions,
    authorize: botAuthorization(conn.botToken, clientOptions),
    // Bolt's conversation store is a per-request middleware this bot never reads.
    convoStore: false,
  });
  let server: Server | undefined;
  return {
    app,
    mode: 'http',
    start: async () => {
      server = (await app.start(conn.host ? { port: conn.port, host: conn.host } : conn.port)) as Server;
      return (server.address() as AddressInfo).port;
    },
    httpServer: () => server,
    stop: async () => {
      if (server) await app.stop();
    },
  };
}
