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
import { DRILL_STEP, drillHandler } from '../steps/drill.js';
import { DELETE_INTERMEDIATE_STEP, deleteIntermediateHandler } from '../steps/intermediate.js';
import { LOCK_STEP, lockHandler } from '../steps/lock.js';
import { RETENTION_STEP, retentionHandler } from '../steps/retention.js';
import { StepRunner } from '../steps/runner.js';
import { UNSHARE_STEP, unshareHandler } from '../steps/unshare.js';
import type { SlotLimits, Store } from '../store/port.js';
import type { Wording } from './messaging.js';

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
  wording: Wording;
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
  const { store, config, notify, log, metrics, now, owner, pollIntervalMs } = d;
  const { accounts } = config;
  const wording = d.wording.requests;
  const gateway = d.aws.gateway;
  // Three missed ticks (at least 30 s): a replica that is merely slow is not taken over.
  const replicaStaleMs = Math.max(30_000, 3 * pollIntervalMs);
  const liveOwners = liveOwnersOf(store, { now, owner, replicaStaleMs });

  // Step and dispatcher passes never reject (they log and retry next tick): nothing is discarded.
  const stepsAdded = () => void steps.kick();
  const steps = new StepRunner({
    store,
    owner,
    now,
    liveOwners,
    log: log.child({ component: 'steps' }),
    handlers: stepHandlers(d, stepsAdded),
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
  const engine = engineOf(d, { dispatcher, events, steps, replicaStaleMs });
  const copiesStartable = (n: number) => {
    void dispatcher
      .kick()
      .then(() => queueNotice({ store, notify, wording, now, limits }, n))
      .catch((err: unknown) => log.error({ err, request: n }, 'filling slots after an approval failed'));
  };
  return { steps, dispatcher, engine, liveOwners, stepsAdded, copiesStartable };
}

/** The durable follow-up steps (SPEC §10), each by the name the store keeps it under. */
function stepHandlers(d: CopyEngineDeps, stepsAdded: () => void) {
  const { store, config, notify, now } = d;
  const common = { store, aws: d.aws.gateway, accounts: config.accounts, wording: d.wording.steps, now };
  return {
    [UNSHARE_STEP]: unshareHandler({ ...common, notify, stepsAdded }),
    [DELETE_INTERMEDIATE_STEP]: deleteIntermediateHandler({ ...common, notify }),
    [LOCK_STEP]: lockHandler({ ...common, notify }),
    [RETENTION_STEP]: retentionHandler({ ...common, policies: config.drPolicies, notify }),
    [DRILL_STEP]: drillHandler({
      ...common,
      policies: config.drPolicies,
      ...(d.drillPollMs !== undefined ? { pollMs: d.drillPollMs } : {}),
    }),
  };
}

/**
 * Whose leases still count: on a store no other process uses, only this process's (the process
 * lock makes any other holder a dead one); else the replicas that heart-beat lately.
 */
function liveOwnersOf(
  store: Store,
  o: { now: () => Date; owner: string; replicaStaleMs: number },
): () => Promise<readonly string[]> {
  return async () =>
    store.capabilities.sharedAcrossProcesses
      ? [...(await store.liveReplicas(new Date(o.now().getTime() - o.replicaStaleMs)))]
      : [o.owner];
}

/** The engine whose tick polls copies in flight, fills slots, sweeps waiting requests and resumes work. */
function engineOf(
  d: CopyEngineDeps,
  parts: { dispatcher: Dispatcher; events: CopyEventHandler; steps: StepRunner; replicaStaleMs: number },
): Engine {
  const { store, config, notify, log, metrics, now, owner, pollIntervalMs } = d;
  const wording = d.wording.requests;
  return new Engine({
    store,
    dispatcher: parts.dispatcher,
    poller: new Poller({
      store,
      aws: d.aws.gateway,
      accounts: config.accounts,
      events: parts.events,
      log: log.child({ component: 'poller' }),
      metrics,
      now,
    }),
    log: log.child({ component: 'engine' }),
    metrics,
    now,
    pollIntervalMs,
    sweep: async () => {
      await expire({ store, notify, wording, now });
      await nudgeWaitingRequests({ store, approvals: config.approvals, notify, wording, now });
    },
    steps: parts.steps,
    inbox: { resume: d.resumeIntents },
    owner,
    replicaStaleMs: parts.replicaStaleMs,
    orphanAfterMs: 10 * 60_000,
  });
}
