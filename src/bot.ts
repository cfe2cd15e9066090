import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CustomRoute } from '@slack/bolt';
import { type AwsAccess, createAwsAccess } from './aws/access.js';
import type { CredentialProvider } from './aws/credentials.js';
import { type Env, envSummary } from './config/env.js';
import type { BotConfig } from './config/schema.js';
import type { Dispatcher } from './engine/dispatcher.js';
import type { Engine } from './engine/engine.js';
import type { Inbox } from './inbox/inbox.js';
import type { Logger } from './observability/log.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { startSchedules } from './reports/scheduler.js';
import type { ReportService } from './reports/service.js';
import { AckFirst } from './slack/ack-first.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import type { OutboxSender } from './slack/outbox.js';
import { healthRoutes } from './slack/routes.js';
import type { StepRunner } from './steps/runner.js';
import { openStore } from './store/open.js';
import type { Store } from './store/port.js';
import { createCopyEngine } from './wiring/copy-engine.js';
import { registerListeners } from './wiring/listeners.js';
import { createMessaging } from './wiring/messaging.js';
import { createRequests, scheduledWork } from './wiring/requests.js';
import { outboxWebClient, slackAppOptions } from './wiring/slack-client.js';

export interface BotOptions {
  env: Env;
  config: BotConfig;
  log: Logger;
  /** The bot's own AWS identity; default: the SDK's standard credential chain. */
  awsCredentials?: CredentialProvider;
  /** One endpoint for EC2, KMS and STS (sandbox mode); unset: the SDK's AWS_ENDPOINT_URL_* handling. */
  awsEndpoint?: string;
  now?: () => Date;
  /** Overrides `polling.intervalSeconds` (tests). */
  pollIntervalMs?: number;
  /** Pacing of Slack messages per channel; default 1 s (Slack's limit). */
  slackChannelIntervalMs?: number;
  /** More routes on PORT beside /healthz and /metrics (the playground's page). */
  extraRoutes?: CustomRoute[];
  /** Address to listen on; default all interfaces (the playground: loopback). */
  host?: string;
  /** How often a restore drill looks at its volume; default 15 s (tests). */
  drillPollMs?: number;
}

export interface RunningBot {
  port: number;
  store: Store;
  metrics: Metrics;
  engine: Engine;
  dispatcher: Dispatcher;
  outbox: OutboxSender;
  reports: ReportService;
  inbox: Inbox;
  steps: StepRunner;
  slack: SlackApp;
  aws: AwsAccess;
  stop(): Promise<void>;
}

/** What was started where; envSummary masks the database password and leaves every secret out. */
function startedFields(
  env: Env,
  o: { port: number; mode: string; store: Store; awsEndpoint: string | undefined },
): Record<string, unknown> {
  const { database, configPath, logLevel } = envSummary(env);
  return {
    port: o.port,
    mode: o.mode,
    store: o.store.capabilities.kind,
    aws: o.awsEndpoint ? 'endpoint override' : 'sdk default',
    database,
    configPath,
    logLevel,
  };
}

/** The store, migrated; closed again when the migration fails (a clear error, no open handle). */
async function openMigratedStore(databaseUrl: string): Promise<Store> {
  const store = await openStore(databaseUrl, {});
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * Wires config → store → AWS → messaging → copy engine → requests → Slack and starts them. Used
 * by main and by integration tests. Each part is built by its factory (`src/wiring/`) from the
 * ports it needs, in dependency order; the returned handle stops them in reverse.
 */
export async function startBot(o: BotOptions): Promise<RunningBot> {
  const now = o.now ?? (() => new Date());
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const store = await openMigratedStore(o.env.databaseUrl);
  const parts = assemble(o, { store, now, owner });
  return start(o, parts, { store, now, owner });
}

interface Basics {
  store: Store;
  now: () => Date;
  owner: string;
}

function assemble(o: BotOptions, { store, now, owner }: Basics) {
  const { env, config, log } = o;
  const metrics = createMetrics();
  const aws = createAwsAccess({
    stsRegion: config.accounts[0]?.regions[0] ?? 'us-east-1',
    now,
    ...(o.awsEndpoint ? { endpoint: o.awsEndpoint } : {}),
    ...(o.awsCredentials ? { ownCredentials: o.awsCredentials } : {}),
  });
  const slack = createSlackApp(
    slackAppOptions(env, o.host),
    [...healthRoutes({ ping: () => store.ping(), registry: metrics.registry }), ...(o.extraRoutes ?? [])],
    log,
  );
  // Follow-up work (intents, outbox claims, filings) lets the acks of a burst of Slack requests go first.
  const ackFirst = new AckFirst();
  const messaging = createMessaging({
    store,
    web: outboxWebClient(env),
    config,
    log,
    now,
    owner,
    acksFirst: () => ackFirst.quiet(),
    ...(o.slackChannelIntervalMs !== undefined ? { channelIntervalMs: o.slackChannelIntervalMs } : {}),
  });
  const copies = createCopyEngine({
    store,
    aws,
    config,
    notify: messaging.notify,
    wording: messaging.wording,
    log,
    metrics,
    now,
    owner,
    pollIntervalMs: o.pollIntervalMs ?? config.polling.intervalSeconds * 1000,
    ...(o.drillPollMs !== undefined ? { drillPollMs: o.drillPollMs } : {}),
    // The inbox is made just below, before the engine starts.
    resumeIntents: (atStart) => requests.inbox.resume(atStart),
  });
  const requests = createRequests({ store, aws, config, messaging, copies, ackFirst, log, now, owner });
  registerListeners(slack.app, { ...requests, notify: messaging.notify, log, metrics, now });
  return { metrics, aws, slack, messaging, copies, ackFirst, requests };
}

async function start(
  o: BotOptions,
  { metrics, aws, slack, messaging, copies, ackFirst, requests }: ReturnType<typeof assemble>,
  { store, now, owner }: Basics,
): Promise<RunningBot> {
  const { config, log } = o;
  const { outbox } = messaging;
  const { engine, dispatcher, steps } = copies;
  const { inbox, reports } = requests;
  const port = await slack.start();
  const server = slack.httpServer();
  if (server) ackFirst.watch(server);
  outbox.start();
  await engine.start();
  const schedules = startSchedules({
    config,
    store,
    owner,
    now,
    log: log.child({ component: 'schedules' }),
    ...scheduledWork(reports),
  });
  log.info(
    startedFields(o.env, { port, mode: slack.mode, store, awsEndpoint: o.awsEndpoint }),
    'snapshot-copy-bot started',
  );
  return {
    port,
    store,
    metrics,
    engine,
    dispatcher,
    outbox,
    reports,
    inbox,
    steps,
    slack,
    aws,
    // Outside in: no new Slack work, then what is running finishes, then the connections close.
    async stop() {
      await schedules.stop();
      await slack.stop();
      await inbox.idle();
      await engine.stop();
      await steps.idle();
      await outbox.stop();
      aws.destroy();
      await store.close();
    },
  };
}
