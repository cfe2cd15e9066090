/**
 * The copy engine (SPEC §6–§10): the durable follow-up steps, the dispatcher that fills copy
 * slots, the poller that follows copies in flight, and the engine whose tick drives them all.
 */
import type { AwsAccess } from '../aws/access.js';
import type { BotConfig } from '../config/schema.js';
import { Dispatcher } from '../engine/dispatcher.js';
import { Engine } from '../engine/engine.js';
import { Poller } from '../engine/poller.js';
import type { Notifier } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import { CopyEventHandler } from '../requests/copy-events.js';
import { expire } from '../requests/decisions.js';
import { nudgeWaitingRequests } from '../requests/nudges.js';
import { queueNotice } from '../requests/queue-notice.js';
import type { RequestWording } from '../requests/wording.js';
import { slackStepWording } from '../slack/wording/steps.js';
import { DRILL_STEP, drillHandler } from '../steps/drill.js';
import { DELETE_INTERMEDIATE_STEP, deleteIntermediateHandler } from '../steps/intermediate.js';
import { LOCK_STEP, lockHandler } from '../steps/lock.js';
import { RETENTION_STEP, retentionHandler } from '../steps/retention.js';
import { StepRunner } from '../steps/runner.js';
import { UNSHARE_STEP, unshareHandler } from '../steps/unshare.js';
import type { SlotLimits, Store } from '../store/port.js';

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

export interface CopyEngineDeps {
  store: Store;
  aws: AwsAccess;
  config: BotConfig;
  notify: Notifier;
  wording: RequestWording;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  owner: string;
  pollIntervalMs: number;
  drillPollMs?: number;
  /** Recorded Slack intents left unfinished: carried out on the engine's tick. */
  resumeIntents: (atStart: boolean) => Promise<number>;
}

export interface CopyEngine {
  steps: StepRunner;
  dispatcher: Dispatcher;
  engine: Engine;
  /** The processes whose leases still count (steps, intents). */
  liveOwners: () => Promise<readonly string[]>;
  /** A durable step was written: run it once committed. */
  stepsAdded: () => void;
  /** Copies of request `n` became startable: fill free slots now, then tell those that must wait. */
  copiesStartable: (n: number) => void;
}

export function createCopyEngine(d: CopyEngineDeps): CopyEngine {
  const { store, config, notify, wording, log, metrics, now, owner, pollIntervalMs } = d;
  const { accounts } = config;
  const gateway = d.aws.gateway;
  // Three missed ticks (at least 30 s): a replica that is merely slow is not taken over.
  const replicaStaleMs = Math.max(30_000, 3 * pollIntervalMs);
  // Whose leases still count: on a store no other process uses, only this process's (the process
  // lock makes any other holder a dead one); else the replicas that heart-beat lately.
  const liveOwners = async (): Promise<readonly string[]> =>
    store.capabilities.sharedAcrossProcesses
      ? [...(await store.liveReplicas(new Date(now().getTime() - replicaStaleMs)))]
      : [owner];

  // Step and dispatcher passes never reject (they log and retry next tick): nothing is discarded.
  const stepsAdded = () => void steps.kick();
  const steps = new StepRunner({
    store,
    owner,
    now,
    liveOwners,
    log: log.child({ component: 'steps' }),
    handlers: {
      [UNSHARE_STEP]: unshareHandler({
        store,
        aws: gateway,
        accounts,
        notify,
        wording: slackStepWording,
        now,
        stepsAdded,
      }),
      [DELETE_INTERMEDIATE_STEP]: deleteIntermediateHandler({
        store,
        aws: gateway,
        accounts,
        notify,
        wording: slackStepWording,
        now,
      }),
      [LOCK_STEP]: lockHandler({ store, aws: gateway, accounts, notify, wording: slackStepWording, now }),
      [RETENTION_STEP]: retentionHandler({
        store,
        aws: gateway,
        accounts,
        policies: config.drPolicies,
        notify,
        wording: slackStepWording,
        now,
      }),
      [DRILL_STEP]: drillHandler({
        store,
        aws: gateway,
        accounts,
        policies: config.drPolicies,
        wording: slackStepWording,
        now,
        ...(d.drillPollMs !== undefined ? { pollMs: d.drillPollMs } : {}),
      }),
    },
  });
  // A copy ended and freed its slot: fill it at once (the dispatcher is made just below).
  const slotFreed = () => void dispatcher.kick();
  const events = new CopyEventHandler({
    store,
    accounts,
    notify,
    wording,
    log,
    metrics,
    now,
    slotFreed,
    stepsAdded,
    drPolicies: config.drPolicies,
  });
  const limits = slotLimits(config);
  const dispatcher = new Dispatcher({
    store,
    aws: gateway,
    accounts,
    limits,
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
    aws: gateway,
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
      await expire({ store, notify, wording, now });
      await nudgeWaitingRequests({ store, approvals: config.approvals, notify, wording, now });
    },
    steps,
    inbox: { resume: d.resumeIntents },
    owner,
    replicaStaleMs,
    orphanAfterMs: 10 * 60_000,
  });
  const copiesStartable = (n: number) => {
    void dispatcher
      .kick()
      .then(() => queueNotice({ store, notify, wording, now, limits }, n))
      .catch((err: unknown) => log.error({ err, request: n }, 'filling slots after an approval failed'));
  };
  return { steps, dispatcher, engine, liveOwners, stepsAdded, copiesStartable };
}
