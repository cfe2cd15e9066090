import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type CustomRoute, webApi } from '@slack/bolt';
import { type AwsAccess, createAwsAccess } from './aws/access.js';
import type { CredentialProvider } from './aws/credentials.js';
import { type Env, envSummary } from './config/env.js';
import type { BotConfig } from './config/schema.js';
import { Dispatcher } from './engine/dispatcher.js';
import { Engine } from './engine/engine.js';
import { Poller } from './engine/poller.js';
import { Inbox } from './inbox/inbox.js';
import type { Logger } from './observability/log.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { startSchedules } from './reports/scheduler.js';
import { ReportService } from './reports/service.js';
import { ApproverDirectory } from './requests/approvers.js';
import { filingAws } from './requests/aws-reads.js';
import { cardRecipients } from './requests/card-recipients.js';
import { CopyEventHandler } from './requests/copy-events.js';
import { expire } from './requests/decisions.js';
import { IdentityDirectory } from './requests/identities.js';
import { handleIntent } from './requests/intents.js';
import { nudgeWaitingRequests } from './requests/nudges.js';
import { Presenter } from './requests/present.js';
import { queueNotice } from './requests/queue-notice.js';
import { RequestService } from './requests/service.js';
import { AckFirst } from './slack/ack-first.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { registerActions } from './slack/listeners/actions.js';
import { registerCommands } from './slack/listeners/commands.js';
import { registerEvents, registerRejectForm, registerViews } from './slack/listeners/views.js';
import { OutboxSender } from './slack/outbox.js';
import { Notifier } from './slack/outbox-messages.js';
import { healthRoutes } from './slack/routes.js';
import { webClientPort } from './slack/web.js';
import { DRILL_STEP, drillHandler } from './steps/drill.js';
import { DELETE_INTERMEDIATE_STEP, deleteIntermediateHandler } from './steps/intermediate.js';
import { LOCK_STEP, lockHandler } from './steps/lock.js';
import { RETENTION_STEP, retentionHandler } from './steps/retention.js';
import { StepRunner } from './steps/runner.js';
import { UNSHARE_STEP, unshareHandler } from './steps/unshare.js';
import { openStore } from './store/open.js';
import type { SlotLimits, Store } from './store/port.js';

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

export function slotLimits(config: BotConfig): SlotLimits {
  return {
    default: config.limits.concurrentCopies,
    overrides: config.limits.overrides.map((o) => ({
      account: o.account,
      region: o.region,
      limit: o.concurrentCopies,
    })),
  };
}

/** Wires config → store → AWS → engine → Slack and starts them. Used by main and by integration tests. */
export async function startBot(o: BotOptions): Promise<RunningBot> {
  const { env, config, log } = o;
  const now = o.now ?? (() => new Date());
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const accounts = config.accounts;

  const store = await openStore(env.databaseUrl, {});
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  const metrics = createMetrics();
  const aws = createAwsAccess({
    stsRegion: accounts[0]?.regions[0] ?? 'us-east-1',
    now,
    ...(o.awsEndpoint ? { endpoint: o.awsEndpoint } : {}),
    ...(o.awsCredentials ? { ownCredentials: o.awsCredentials } : {}),
  });

  const slack = createSlackApp(
    {
      botToken: env.slack.botToken,
      ...(env.slack.signingSecret ? { signingSecret: env.slack.signingSecret } : {}),
      ...(env.slack.mode === 'socket' ? { appToken: env.slack.appToken } : {}),
      ...(env.slack.apiUrl ? { apiUrl: env.slack.apiUrl } : {}),
      port: env.port,
      ...(o.host ? { host: o.host } : {}),
    },
    [...healthRoutes({ ping: () => store.ping(), registry: metrics.registry }), ...(o.extraRoutes ?? [])],
    log,
  );
  // The outbox owns pacing and 429s: its client must hand rate limits back instead of sleeping on them.
  const web = webClientPort(
    new webApi.WebClient(env.slack.botToken, {
      ...(env.slack.apiUrl ? { slackApiUrl: env.slack.apiUrl } : {}),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      // Bounded so a send always ends within its outbox lease.
      timeout: 10_000,
      logger: {
        debug() {},
        info() {},
        warn() {},
        error() {},
        setLevel() {},
        getLevel: () => 'error' as never,
        setName() {},
      },
    }),
  );
  const directory = new ApproverDirectory(config.approvals.approvers, web, config.approvals.escalateTo);
  const identities = new IdentityDirectory(web);
  const presenter = new Presenter({ store, accounts, directory, now });
  const dmCards = config.approvals.notify?.includes('dm') ?? false;
  // The outbox wakes on every enqueue; it is created just below and only kicked once running.
  const notify = new Notifier(store, config.slack.approvalsChannel, () => outbox.kick(), dmCards);
  const outbox = new OutboxSender({
    store,
    web,
    render: presenter,
    log: log.child({ component: 'outbox' }),
    now,
    owner,
    // On SQLite the process lock proves a previous sender is dead: its leases need not expire first.
    releaseLeasesAtStart: !store.capabilities.sharedAcrossProcesses,
    ...(o.slackChannelIntervalMs !== undefined ? { channelIntervalMs: o.slackChannelIntervalMs } : {}),
    ...(dmCards
      ? {
          cardDms: {
            recipients: (request) =>
              cardRecipients({ store, approvals: config.approvals, directory, identities }, request),
            enqueue: (n, userId, at) => notify.cardDm(n, userId, at),
          },
        }
      : {}),
  });

  const pollIntervalMs = o.pollIntervalMs ?? config.polling.intervalSeconds * 1000;
  let dispatcher: Dispatcher | undefined;
  // Dispatcher and step passes never reject (they log and retry next tick): nothing is discarded.
  const kick = () => void dispatcher?.kick();
  // Three missed ticks (at least 30 s): a replica that is merely slow is not taken over.
  const replicaStaleMs = Math.max(30_000, 3 * pollIntervalMs);
  // Whose leases still count: on a store no other process uses, only this process's (the process
  // lock makes any other holder a dead one); else the replicas that heart-beat lately.
  const liveOwners = async (): Promise<readonly string[]> =>
    store.capabilities.sharedAcrossProcesses
      ? [...(await store.liveReplicas(new Date(now().getTime() - replicaStaleMs)))]
      : [owner];
  const steps = new StepRunner({
    store,
    owner,
    now,
    liveOwners,
    log: log.child({ component: 'steps' }),
    handlers: {
      [UNSHARE_STEP]: unshareHandler({
        store,
        aws: aws.gateway,
        accounts,
        notify,
        now,
        stepsAdded: () => void steps.kick(),
      }),
      [DELETE_INTERMEDIATE_STEP]: deleteIntermediateHandler({
        store,
        aws: aws.gateway,
        accounts,
        notify,
        now,
      }),
      [LOCK_STEP]: lockHandler({ store, aws: aws.gateway, accounts, notify, now }),
      [RETENTION_STEP]: retentionHandler({
        store,
        aws: aws.gateway,
        accounts,
        policies: config.drPolicies,
        notify,
        now,
      }),
      [DRILL_STEP]: drillHandler({
        store,
        aws: aws.gateway,
        accounts,
        policies: config.drPolicies,
        now,
        ...(o.drillPollMs !== undefined ? { pollMs: o.drillPollMs } : {}),
      }),
    },
  });
  const stepsAdded = () => void steps.kick();
  const events = new CopyEventHandler({
    store,
    accounts,
    notify,
    log,
    metrics,
    now,
    slotFreed: kick,
    stepsAdded,
    drPolicies: config.drPolicies,
  });
  dispatcher = new Dispatcher({
    store,
    aws: aws.gateway,
    accounts,
    limits: slotLimits(config),
    events,
    log: log.child({ component: 'dispatcher' }),
    metrics,
    now,
    owner,
    holdExpiryMs: Math.max(60_000, 2 * pollIntervalMs),
    lookupSettleMs: Math.max(15_000, pollIntervalMs),
  });
  const poller = new Poller({
    store,
    aws: aws.gateway,
    accounts,
    events,
    log: log.child({ component: 'poller' }),
    metrics,
    now,
  });
  const engine = new Engine({
    store,
    dispatcher,
    poller,
    log: log.child({ component: 'engine' }),
    metrics,
    now,
    pollIntervalMs,
    sweep: async () => {
      await expire({ store, notify, now });
      await nudgeWaitingRequests({ store, approvals: config.approvals, notify, now });
    },
    steps,
    inbox: { resume: (atStart) => inbox.resume(atStart) },
    owner,
    replicaStaleMs,
    orphanAfterMs: 10 * 60_000,
  });

  const d = dispatcher;
  // Copies became startable (an approval, a DR-policy run): fill free slots now, then tell the
  // copies that must wait their place in the queue.
  const kickDispatcher = (n: number) => {
    void d
      .kick()
      .then(() => queueNotice({ store, notify, now, limits: slotLimits(config) }, n))
      .catch((err: unknown) => log.error({ err, request: n }, 'filling slots after an approval failed'));
  };
  const ackFirst = new AckFirst();
  let reports: ReportService | undefined;
  const service = new RequestService({
    store,
    aws: filingAws(aws.gateway),
    accounts,
    approvals: config.approvals,
    pricing: config.pricing,
    approvalsChannel: config.slack.approvalsChannel,
    directory,
    identities,
    notify,
    presenter,
    now,
    kickDispatcher,
    acksFirst: () => ackFirst.quiet(),
    report: () =>
      reports ? reports.reportNow() : Promise.resolve({ text: 'The DR report is starting up.' }),
    stepsAdded,
  });
  const inbox = new Inbox({
    store,
    owner,
    now,
    liveOwners,
    log: log.child({ component: 'inbox' }),
    handle: (intent) => handleIntent(service, intent),
  });
  reports = new ReportService({
    config,
    store,
    gateway: aws.gateway,
    aws: filingAws(aws.gateway),
    notify,
    kick: kickDispatcher,
    now,
    log: log.child({ component: 'reports' }),
    stepsAdded,
  });

  registerCommands(slack.app, { service, inbox, log, metrics });
  registerActions(slack.app, { service, inbox, log, metrics });
  registerViews(slack.app, { service, inbox, log, metrics });
  registerRejectForm(slack.app, { inbox, log, metrics });
  registerEvents(slack.app, { notify, now });
  slack.app.error(async (err) => {
    log.error({ err }, 'unhandled error in a Slack listener');
  });

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
    runReport: (channel, slot) => reports.postReport(channel, slot),
    runPolicy: (policy, slot) => reports.runPolicy(policy, slot),
    runDrill: (policy, slot) => reports.runDrill(policy, slot),
    log: log.child({ component: 'schedules' }),
  });
  // What was started where; envSummary masks the database password and leaves every secret out.
  const { database, configPath, logLevel } = envSummary(env);
  log.info(
    {
      port,
      mode: slack.mode,
      store: store.capabilities.kind,
      aws: o.awsEndpoint ? 'endpoint override' : 'sdk default',
      database,
      configPath,
      logLevel,
    },
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
