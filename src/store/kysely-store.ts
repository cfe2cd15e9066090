/** The one `Store` implementation, over kysely; adapters differ only in their `EngineProfile`. */
import { sql } from 'kysely';
import { appendAudit, listAudit } from './audit.js';
import { listCardCopies, recordCardCopy } from './card-copies.js';
import {
  claimStartableCopies,
  completeCopy,
  failCopy,
  findPreviousCopies,
  getCopy,
  listCopies,
  listInFlightCopies,
  listStartingCopies,
  markCopyAttempt,
  markCopyStarted,
  queueSnapshot,
  recordProgress,
  releaseHold,
  requeueCopy,
} from './copies.js';
import {
  getDrill,
  latestDrills,
  listRetentionDeletions,
  recordRetentionDeletion,
  startDrill,
  updateDrill,
} from './dr.js';
import { type Db, type EngineProfile, inWriteTransaction, joined } from './engine.js';
import {
  claimUnfinishedIntents,
  completeIntent,
  intentRecorder,
  recordIntents,
  releaseIntent,
  renewIntentLease,
} from './intents.js';
import { runMigrations } from './migrations/runner.js';
import {
  claimNextMessages,
  countUnsent,
  enqueueMessage,
  failMessage,
  markMessageSent,
  releaseMessageLeases,
  retryMessageLater,
} from './outbox.js';
import type { NewIntent, RecordedIntent, Store } from './port.js';
import {
  approveRequest,
  type Ctx,
  cancelRequest,
  claimApprovalNudges,
  expireRequests,
  fileRequest,
  findRequestByIntent,
  getCopies,
  getRequest,
  listDecisions,
  listRequests,
  lockRequest,
  recordDecision,
  setSlackRef,
  transitionRequest,
} from './requests.js';
import { claimScheduleSlot, heartbeat, liveReplicas } from './schedules.js';
import {
  beginShareRemoval,
  countCopiesNeedingShare,
  getShare,
  markShareRemoved,
  recordShare,
} from './shares.js';
import { addStep, claimSteps, completeStep, countOpenSteps, postponeStep, retryStepLater } from './steps.js';

export interface KyselyStoreOptions {
  /** Runs before the connection is destroyed (e.g. release the SQLite process lock). */
  beforeClose?: () => Promise<void>;
}

export function createKyselyStore(
  db: Db,
  engine: EngineProfile,
  opts: KyselyStoreOptions = {},
  /** Inside a transaction: what waits for its commit. */
  onCommit?: Array<() => void>,
): Store {
  const ctx: Ctx = { db, engine };
  let closed: Promise<void> | undefined;
  // Outside a transaction the intents of a burst share one insert; inside one, each is its own.
  let recordIntent: ((i: NewIntent) => Promise<RecordedIntent>) | undefined;
  const self: Store = {
    capabilities: engine.capabilities,
    transaction: async (fn) => {
      if (engine.inTransaction) return fn(self);
      const waiting: Array<() => void> = [];
      const result = await inWriteTransaction(db, engine, null, (trx) => {
        // A retried transaction starts again with nothing waiting for its commit.
        waiting.length = 0;
        return fn(createKyselyStore(trx, joined(engine), {}, waiting));
      });
      for (const f of waiting) f();
      return result;
    },
    afterCommit: (fn) => {
      if (onCommit) onCommit.push(fn);
      else fn();
    },
    migrate: async () => {
      await runMigrations(db, engine);
    },
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => {
      closed ??= (async () => {
        try {
          await opts.beforeClose?.();
        } finally {
          await db.destroy();
        }
      })();
      return closed;
    },

    fileRequest: (input) => fileRequest(ctx, input),
    getRequest: (n) => getRequest(ctx, n),
    lockRequest: (n) => lockRequest(ctx, n),
    getCopies: (n) => getCopies(ctx, n),
    getCopy: (id) => getCopy(ctx, id),
    listRequests: (filter) => listRequests(ctx, filter),
    setRequestMessage: (n, ref) => setSlackRef(ctx, n, 'request', ref),
    setApprovalCard: (n, ref) => setSlackRef(ctx, n, 'card', ref),
    recordCardCopy: (copy, at) => recordCardCopy(ctx, copy, at),
    listCardCopies: (n) => listCardCopies(ctx, n),
    transitionRequest: (n, t) => transitionRequest(ctx, n, t),

    recordDecision: (d) => recordDecision(ctx, d),
    listDecisions: (n) => listDecisions(ctx, n),
    approveRequest: (n, at) => approveRequest(ctx, n, at),
    cancelRequest: (n, at, by) => cancelRequest(ctx, n, at, by),
    expireRequests: (now) => expireRequests(ctx, now),
    claimApprovalNudges: (kind, filedBy, at) => claimApprovalNudges(ctx, kind, filedBy, at),

    claimStartableCopies: (input) => claimStartableCopies(ctx, input),
    markCopyStarted: (id, input) => markCopyStarted(ctx, id, input),
    requeueCopy: (id, input) => requeueCopy(ctx, id, input),
    releaseHold: (accountId, region) => releaseHold(ctx, accountId, region),
    markCopyAttempt: (id, at) => markCopyAttempt(ctx, id, at),
    recordProgress: (id, input) => recordProgress(ctx, id, input),
    completeCopy: (id, input) => completeCopy(ctx, id, input),
    failCopy: (id, input) => failCopy(ctx, id, input),
    listInFlightCopies: () => listInFlightCopies(ctx),
    listStartingCopies: () => listStartingCopies(ctx),
    queueSnapshot: () => queueSnapshot(ctx),
    findPreviousCopies: (q) => findPreviousCopies(ctx, q),
    listCopies: (f) => listCopies(ctx, f),

    appendAudit: (e) => appendAudit(ctx, e),
    listAudit: (f) => listAudit(ctx, f),

    enqueueMessage: (m) => enqueueMessage(ctx, m),
    claimNextMessages: (input) => claimNextMessages(ctx, input),
    markMessageSent: (id, input) => markMessageSent(ctx, id, input),
    retryMessageLater: (id, input) => retryMessageLater(ctx, id, input),
    failMessage: (id, input) => failMessage(ctx, id, input),
    releaseMessageLeases: (only) => releaseMessageLeases(ctx, only),
    countUnsent: () => countUnsent(ctx),

    recordIntent: async (i) => {
      if (engine.inTransaction) return (await recordIntents(ctx, [i]))[0]!;
      recordIntent ??= intentRecorder(ctx);
      return recordIntent(i);
    },
    claimUnfinishedIntents: (input) => claimUnfinishedIntents(ctx, input),
    completeIntent: (id, at) => completeIntent(ctx, id, at),
    releaseIntent: (id, input) => releaseIntent(ctx, id, input),
    renewIntentLease: (id, input) => renewIntentLease(ctx, id, input),
    findRequestByIntent: (id) => findRequestByIntent(ctx, id),

    addStep: (s) => addStep(ctx, s),
    claimSteps: (input) => claimSteps(ctx, input),
    completeStep: (id, at) => completeStep(ctx, id, at),
    retryStepLater: (id, input) => retryStepLater(ctx, id, input),
    postponeStep: (id, notBefore) => postponeStep(ctx, id, notBefore),
    countOpenSteps: () => countOpenSteps(ctx),
    recordRetentionDeletion: (d) => recordRetentionDeletion(ctx, d),
    listRetentionDeletions: (f) => listRetentionDeletions(ctx, f),
    startDrill: (d) => startDrill(ctx, d),
    getDrill: (id) => getDrill(ctx, id),
    updateDrill: (id, patch) => updateDrill(ctx, id, patch),
    latestDrills: () => latestDrills(ctx),

    getShare: (key) => getShare(ctx, key),
    recordShare: (share) => recordShare(ctx, share),
    markShareRemoved: (key) => markShareRemoved(ctx, key),
    beginShareRemoval: (key) => beginShareRemoval(ctx, key),
    countCopiesNeedingShare: (key) => countCopiesNeedingShare(ctx, key),

    claimScheduleSlot: (input) => claimScheduleSlot(ctx, input),
    heartbeat: (input) => heartbeat(ctx, input),
    liveReplicas: (since) => liveReplicas(ctx, since),
  };
  return self;
}
