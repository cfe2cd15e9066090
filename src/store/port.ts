/**
 * The persistence port: the operations the bot needs, named for what they do, not for SQL.
 * One shared kysely implementation serves SQLite (one process) and PostgreSQL (several replicas);
 * `test/store/conformance.ts` holds both adapters to the same contract.
 *
 * Time is always a parameter (`at`, `now`): the store never reads the clock, so tests and
 * benchmarks can run on a virtual clock.
 */
import type { CopyFailureCode, CopyState, Decision, RequestState, ResolvedRequest } from '../domain/types.js';

/** What an engine can do, as data: callers decide on this, never on a vendor name. */
export interface StoreCapabilities {
  kind: 'sqlite' | 'postgres';
  /** Several bot processes may share this store (limits, outbox and schedules hold globally). */
  sharedAcrossProcesses: boolean;
}

/** States a request may be filed in: DR-policy requests are approved by their policy. */
export type FiledRequestState = Extract<RequestState, 'pending_approval' | 'approved'>;

export interface SlackRef {
  channel: string;
  ts: string;
}

export interface TransferPrediction {
  kind: 'full' | 'incremental';
  /** Why, in words for the card: "first copy to this Region", "different key", … */
  reason: string;
}

export interface NewRequest {
  requesterId: string;
  originChannel: string;
  state: FiledRequestState;
  /** Set for requests filed by a DR policy. */
  policyName?: string;
  resolved: ResolvedRequest;
  crossAccount: boolean;
  requiredApprovals: number;
  /** When an unapproved request expires; null for requests filed approved. */
  expiresAt: Date | null;
  /** Pre-flight and card details (warnings, encryption outcome, predictions); stored as JSON, not interpreted. */
  details: unknown;
  at: Date;
}

export interface NewCopy {
  source: {
    snapshotId: string;
    accountId: string;
    region: string;
    volumeId: string;
    sizeGiB: number;
    encrypted: boolean;
    kmsKeyId?: string;
  };
  destination: {
    account: string; // alias
    accountId: string;
    region: string;
  };
  /** `Encrypted` / `KmsKeyId` sent to CopySnapshot (SPEC §7); undefined = not sent. */
  encrypted?: boolean;
  kmsKeyId?: string;
  transfer: TransferPrediction;
  /**
   * A hop of a two-hop copy (SPEC §5.5). An `intermediate` copies the source within its own
   * account and Region under the share key; a `final` copies that intermediate on (its `source` is
   * the original until the intermediate exists) and names the copy it waits for by its index in
   * the filing's `copies`.
   */
  hop?: { kind: 'intermediate' } | { kind: 'final'; after: number };
}

export interface AuditInput {
  at: Date;
  actor: string;
  action: string;
  requestNumber?: number;
  detail: unknown;
}

export interface FileRequestInput {
  request: NewRequest;
  copies: NewCopy[];
  /** Recorded in the same transaction; its request number is filled in. */
  audit: Omit<AuditInput, 'requestNumber' | 'at'>;
  /** The Slack intent this request is filed from: at most one request per intent. */
  intentId?: number;
}

/** A copy of a request's approval card sent by DM to one approver (SPEC §5.3). */
export interface CardCopy {
  requestNumber: number;
  userId: string;
  /** The DM channel (D…) and the message's ts. */
  channel: string;
  ts: string;
}

/** The two nudges of a request left waiting for approval (SPEC §5.3). */
export type ApprovalNudge = 'remind' | 'escalate';

export interface RequestRecord {
  n: number;
  requesterId: string;
  originChannel: string;
  state: RequestState;
  policyName: string | null;
  resolved: ResolvedRequest;
  crossAccount: boolean;
  requiredApprovals: number;
  expiresAt: Date | null;
  details: unknown;
  requestMessage: SlackRef | null;
  approvalCard: SlackRef | null;
  approvedAt: Date | null;
  closedBy: string | null;
  /** When the approval reminder was sent (SPEC §5.3), once. */
  remindedAt: Date | null;
  /** When the request was escalated to `escalateTo`, whose members may approve it from then on. */
  escalatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CopyRecord {
  id: number;
  requestNumber: number;
  source: NewCopy['source'];
  destination: NewCopy['destination'];
  encrypted: boolean | null;
  kmsKeyId: string | null;
  transfer: TransferPrediction;
  state: CopyState;
  queuedAt: Date | null;
  claimedAt: Date | null;
  claimOwner: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  newSnapshotId: string | null;
  /** Encryption of the new snapshot as AWS reported it at completion. */
  result: { encrypted: boolean | null; kmsKeyId: string | null };
  progress: number | null;
  failure: { code: CopyFailureCode; message: string } | null;
  /** How many times a slot was claimed for this copy. */
  attempts: number;
  /** A hop of a two-hop copy (SPEC §5.5), or null for a direct copy. */
  hop: 'intermediate' | 'final' | null;
  /** A final hop: the intermediate copy it waits for and copies. */
  afterCopyId: number | null;
  /** A final hop: the original source, named by its provenance tags. */
  originSnapshotId: string | null;
  updatedAt: Date;
  /** When its last CopySnapshot got no definite answer (null once started): see Dispatcher. */
  unansweredAt: Date | null;
}

export interface RequestPatch {
  details?: unknown;
  requiredApprovals?: number;
  expiresAt?: Date | null;
  /** Who closed it (rejected, cancelled); shown on the card. */
  closedBy?: string;
}

export interface TransitionInput {
  from: RequestState[];
  to: RequestState;
  at: Date;
  patch?: RequestPatch;
}

export interface DecisionRecord {
  requestNumber: number;
  userId: string;
  decision: Decision;
  at: Date;
  /** Why, as the approver said (a rejection's reason). */
  reason?: string;
}

export interface CancelResult {
  /** False when the request does not exist or was already closed. */
  found: boolean;
  cancelled: CopyRecord[];
  /** Copies already starting or copying: AWS has them, they run to the end. */
  inFlight: CopyRecord[];
  request: RequestRecord | null;
}

export interface CopyChange {
  copy: CopyRecord;
  request: RequestRecord;
  /** The request's aggregate state moved with this change (worth a thread reply). */
  requestStateChanged: boolean;
}

import type { SlotLimits } from '../domain/types.js';

export type { SlotLimits };

export interface ClaimInput {
  limits: SlotLimits;
  now: Date;
  owner: string;
  /** At most this many copies in this call (across all destinations, taken round-robin). */
  max?: number;
  /**
   * Holds older than this are ignored: a destination where the bot has no copy of its own in
   * flight would otherwise never see the completion that releases it.
   */
  holdExpiryMs?: number;
}

export interface RequeueInput {
  at: Date;
  /** Hold the destination until one of the bot's own copies there completes (ResourceLimitExceeded). */
  holdDestination: boolean;
  reason: string;
  /** AWS refused for certain (quota, throttling): no copy exists, the lost-answer wait is cleared. */
  definite?: boolean;
}

export interface DestinationKey {
  accountId: string;
  region: string;
}

export interface InFlightGroup extends DestinationKey {
  account: string;
  copies: CopyRecord[];
}

export interface DestinationQueue extends DestinationKey {
  account: string;
  queued: number;
  inFlight: number;
  oldestQueuedAt: Date | null;
  held: { since: Date; reason: string } | null;
  /** 1-based places in the queue, first come first served. */
  positions: Array<{ copyId: number; requestNumber: number; position: number }>;
}

export interface CopyFilter {
  states?: CopyState[];
  requestNumber?: number;
  policyName?: string;
  destAccountId?: string;
  destRegion?: string;
  updatedSince?: Date;
  limit?: number;
}

export interface AuditRecord {
  id: number;
  at: Date;
  actor: string;
  action: string;
  requestNumber: number | null;
  detail: unknown;
}

export interface NewMessage {
  channel: string;
  /** Messages with the same key are sent strictly in order; null = no ordering constraint. */
  threadKey: string | null;
  /** What the sender does with it: 'post', 'reply', 'update', 'ephemeral', 'dm', 'home', … */
  kind: string;
  payload: unknown;
  at: Date;
  /** A second enqueue with the same key is ignored (Slack retries, replayed events). */
  dedupeKey?: string;
  /**
   * For messages rendered at send time (an update of the request message, the App Home): skipped
   * when one of the same kind already waits in the same thread and is not being sent yet — that
   * one will show this change too.
   */
  coalesce?: boolean;
}

export interface OutboxMessage {
  id: number;
  channel: string;
  threadKey: string | null;
  kind: string;
  payload: unknown;
  createdAt: Date;
  notBefore: Date;
  attempts: number;
  lastError: string | null;
}

export interface ClaimIntentsInput {
  owner: string;
  now: Date;
  leaseMs: number;
  limit: number;
  /** At start on a store no other process uses: every lease is a dead process's. */
  ignoreLeases?: boolean;
  /** Processes alive now: a lease held by any other is a dead process's, taken over at once. */
  liveOwners?: readonly string[];
  /** Intents the claiming process is carrying out right now: never claimed a second time. */
  exclude?: readonly number[];
}

export interface ClaimMessagesInput {
  now: Date;
  owner: string;
  leaseMs: number;
  limit: number;
  /**
   * Slack's per-channel rate (about one message per second), held across replicas: at most one
   * message per channel per claim, and none for a channel with a message sent within this interval
   * or being sent right now by anyone.
   */
  channelIntervalMs?: number;
}

/** A Slack command, click or form submission, recorded before its ack (SPEC §10). */
export interface NewIntent {
  /** Slack's identity of the interaction (its trigger ID): a replayed delivery is recorded once. */
  dedupeKey: string;
  kind: string;
  userId: string;
  payload: unknown;
  at: Date;
  /**
   * Recorded already leased to the process that carries it out right after the ack: one write
   * before the ack instead of a record and then a claim. Unset: recorded for anyone to take up.
   */
  lease?: { owner: string; until: Date };
}

export type RecordedIntent = { id: number; fresh: true; intent: IntentRecord } | { id: number; fresh: false };

export interface IntentRecord {
  id: number;
  kind: string;
  userId: string;
  payload: unknown;
  receivedAt: Date;
  attempts: number;
}

/** Follow-up AWS work (unshare, lock, delete, drill clean-up), carried out by any live process. */
export interface NewStep {
  kind: string;
  payload: unknown;
  at: Date;
  requestNumber?: number;
  /** A second step with the same key is not added (the same consequence written twice). */
  dedupeKey?: string;
}

export interface StepRecord {
  id: number;
  kind: string;
  payload: unknown;
  requestNumber: number | null;
  attempts: number;
  lastError: string | null;
  reportedAt: Date | null;
  createdAt: Date;
}

export interface ShareKey {
  sourceRegion: string;
  snapshotId: string;
  destAccountId: string;
}

export interface ShareRecord extends ShareKey {
  sourceAccountId: string;
  /** True when the bot added the share itself (and so may remove it); false: it existed before. */
  owned: boolean;
  /** Bumped every time the share is recorded anew, so each generation's removal is its own step. */
  generation: number;
  sharedAt: Date;
  removedAt: Date | null;
  /** Set while the bot removes the share: a copy that needs it waits until the removal is done. */
  removalStartedAt: Date | null;
}

/** A policy copy that retention deleted (SPEC §9). */
export interface RetentionDeletion {
  snapshotId: string;
  copyId: number;
  policyName: string;
  destAccountId: string;
  destRegion: string;
  at: Date;
}

export type DrillState = 'running' | 'succeeded' | 'failed';

export interface NewDrill {
  policyName: string;
  slot: Date;
  availabilityZone: string;
  at: Date;
}

/** One restore drill: the newest completed copy restored into a volume, timed, and deleted again. */
export interface DrillRecord {
  id: number;
  policyName: string;
  slot: Date;
  state: DrillState;
  snapshotId: string | null;
  destAccountId: string | null;
  destRegion: string | null;
  availabilityZone: string;
  volumeId: string | null;
  startedAt: Date;
  availableAt: Date | null;
  /** From CreateVolume to `available`. */
  minutes: number | null;
  /** Why it failed, in plain words. */
  failure: string | null;
  /** Set once the volume is gone (or was never made): the next drill of the policy may start. */
  finishedAt: Date | null;
}

export interface DrillPatch {
  state?: DrillState;
  snapshotId?: string;
  destAccountId?: string;
  destRegion?: string;
  volumeId?: string;
  availableAt?: Date;
  minutes?: number;
  failure?: string;
  finishedAt?: Date;
}

export interface Store {
  readonly capabilities: StoreCapabilities;
  /**
   * Runs `fn` in one write transaction: everything it does through the store it is given commits
   * together or not at all (a state change, its audit entry, its Slack messages, its steps). Only
   * that store may be used inside: on SQLite the outer one waits for this very transaction.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` once what was written so far is committed: at once outside a transaction, after the
   * commit inside one (and never if it rolls back). For waking the outbox, the steps, the dispatcher.
   */
  afterCommit(fn: () => void): void;
  migrate(): Promise<void>;
  /** Resolves when the database answers (for /healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;

  // Requests
  fileRequest(input: FileRequestInput): Promise<{ request: RequestRecord; copies: CopyRecord[] }>;
  getRequest(n: number): Promise<RequestRecord | undefined>;
  /** Inside a transaction: reads the request and holds its row until commit (requests before copies). */
  lockRequest(n: number): Promise<RequestRecord | undefined>;
  getCopies(n: number): Promise<CopyRecord[]>;
  getCopy(copyId: number): Promise<CopyRecord | undefined>;
  listRequests(filter: {
    requesterId?: string;
    states?: RequestState[];
    limit: number;
  }): Promise<RequestRecord[]>;
  setRequestMessage(n: number, ref: SlackRef): Promise<void>;
  setApprovalCard(n: number, ref: SlackRef): Promise<void>;
  /** Records (or, for a repost, replaces) an approver's DM copy of the card. */
  recordCardCopy(copy: CardCopy, at: Date): Promise<void>;
  listCardCopies(n: number): Promise<CardCopy[]>;
  /**
   * Compare-and-set: true only for the caller that moved it. Moving to rejected, expired or
   * cancelled also cancels its copies that have not started.
   */
  transitionRequest(n: number, t: TransitionInput): Promise<boolean>;

  // Approvals
  recordDecision(d: DecisionRecord): Promise<{ recorded: boolean }>;
  listDecisions(n: number): Promise<DecisionRecord[]>;
  /** pending_approval → approved, its waiting copies → queued; undefined if it was not pending. */
  approveRequest(n: number, at: Date): Promise<RequestRecord | undefined>;
  cancelRequest(n: number, at: Date, by: string): Promise<CancelResult>;
  /** Expires pending requests whose expiresAt has passed; returns them. */
  expireRequests(now: Date): Promise<RequestRecord[]>;
  /**
   * Claims the reminder (or escalation) of pending, unexpired requests filed at or before
   * `filedBy` that have not had it yet, marking it sent at `at`; returns the claimed requests. A
   * guarded update: of replicas sweeping at once, each request is returned to exactly one.
   */
  claimApprovalNudges(kind: ApprovalNudge, filedBy: Date, at: Date): Promise<RequestRecord[]>;

  // Copies and slots (SPEC §6)
  claimStartableCopies(input: ClaimInput): Promise<CopyRecord[]>;
  markCopyStarted(copyId: number, input: { snapshotId: string; at: Date }): Promise<CopyChange | undefined>;
  /** starting → queued with its original queuedAt, so it keeps its place. */
  requeueCopy(copyId: number, input: RequeueInput): Promise<CopyChange | undefined>;
  releaseHold(accountId: string, region: string): Promise<void>;
  /** A CopySnapshot is about to be sent: the lost-answer wait counts from `at`. */
  markCopyAttempt(copyId: number, at: Date): Promise<void>;
  /** True when the percentage changed (worth a chat.update). */
  recordProgress(copyId: number, input: { progress: number; at: Date }): Promise<boolean>;
  /** copying → completed; also releases a hold on its destination. */
  completeCopy(
    copyId: number,
    input: { at: Date; encrypted?: boolean; kmsKeyId?: string },
  ): Promise<CopyChange | undefined>;
  /** queued, starting or copying → failed. */
  failCopy(
    copyId: number,
    input: { code: CopyFailureCode; message: string; at: Date },
  ): Promise<CopyChange | undefined>;
  /** Copies AWS is working on (state copying), grouped by destination for one DescribeSnapshots each. */
  listInFlightCopies(): Promise<InFlightGroup[]>;
  /** Copies claimed but not confirmed started: after a crash, find them again by provenance tags. */
  listStartingCopies(): Promise<CopyRecord[]>;
  queueSnapshot(): Promise<DestinationQueue[]>;
  /** Copies of a volume into a destination, newest first; completed ones unless `states` says otherwise. */
  findPreviousCopies(q: {
    volumeId: string;
    destAccountId: string;
    destRegion: string;
    states?: CopyState[];
  }): Promise<CopyRecord[]>;
  /** Newest change first; for reports and the App Home. */
  listCopies(filter: CopyFilter): Promise<CopyRecord[]>;

  // Audit (append-only: no update or delete here, and the database refuses them)
  appendAudit(entry: AuditInput): Promise<AuditRecord>;
  listAudit(filter: { requestNumber?: number; limit?: number }): Promise<AuditRecord[]>;

  // Slack outbox (SPEC §8)
  enqueueMessage(m: NewMessage): Promise<{ id: number; enqueued: boolean }>;
  /** The oldest unsent message of each thread that is due and not leased, leased to `owner`. */
  claimNextMessages(input: ClaimMessagesInput): Promise<OutboxMessage[]>;
  markMessageSent(id: number, input: { at: Date; result: unknown }): Promise<boolean>;
  retryMessageLater(id: number, input: { notBefore: Date; error: string }): Promise<void>;
  /**
   * Frees every lease on unsent messages. Only for a store no other process uses (SQLite, whose
   * lock proves every other owner is dead): a killed sender's leases would otherwise hold its
   * threads — and with channel pacing, their channels — until they expire. With `only`: just
   * these messages of that owner (a sender giving back what it could not finish), on any store.
   */
  releaseMessageLeases(only?: { owner: string; ids: number[] }): Promise<number>;
  /** Gives up on a message Slack will never accept (e.g. channel_not_found) so its thread moves on. */
  failMessage(id: number, input: { at: Date; error: string }): Promise<void>;
  countUnsent(): Promise<number>;

  // Intents (the inbox of what Slack was told is accepted)
  /**
   * Records an intent; `fresh` is false when the same delivery was recorded before (left as it
   * was). A fresh one comes back as a claim would read it (its payload as stored, JSON).
   */
  recordIntent(i: NewIntent): Promise<RecordedIntent>;
  /** Unfinished intents whose lease has lapsed (or none), oldest first, leased to `owner`. */
  claimUnfinishedIntents(input: ClaimIntentsInput): Promise<IntentRecord[]>;
  /**
   * Keeps `owner`'s lease of an intent it is still carrying out; false when the intent is done or
   * no longer `owner`'s (another process took it over).
   */
  renewIntentLease(id: number, input: { owner: string; until: Date }): Promise<boolean>;
  /** Done: call it in the transaction that wrote the intent's consequences. */
  completeIntent(id: number, at: Date): Promise<void>;
  /** Handing it back after an error; it is tried again once the lease lapses. */
  releaseIntent(id: number, input: { error: string; retryAt: Date }): Promise<void>;
  findRequestByIntent(intentId: number): Promise<RequestRecord | undefined>;

  // Durable steps
  addStep(s: NewStep): Promise<{ id: number; added: boolean }>;
  /** `liveOwners`: as for intents, a lease held by a process not among them is taken over at once. */
  claimSteps(input: {
    owner: string;
    now: Date;
    leaseMs: number;
    limit: number;
    liveOwners?: readonly string[];
  }): Promise<StepRecord[]>;
  completeStep(id: number, at: Date): Promise<void>;
  retryStepLater(id: number, input: { notBefore: Date; error: string; reported?: Date }): Promise<void>;
  /** The step is waiting for AWS, not failing: it runs again at `notBefore`, its attempts reset. */
  postponeStep(id: number, notBefore: Date): Promise<void>;
  countOpenSteps(): Promise<number>;

  // Shares of source snapshots with destination accounts (SPEC §5.5)
  getShare(key: ShareKey): Promise<ShareRecord | undefined>;
  /** Records a share that is in effect from now: new, or anew after it was removed. */
  recordShare(share: ShareKey & { sourceAccountId: string; owned: boolean; at: Date }): Promise<ShareRecord>;
  markShareRemoved(key: ShareKey & { generation: number; at: Date }): Promise<boolean>;
  /**
   * Begins removing this generation of an owned share, unless a copy of the bot needs it (checked
   * in the same transaction). A removal begun already goes on: AWS may have applied it. False: keep it.
   */
  beginShareRemoval(key: ShareKey & { generation: number; at: Date }): Promise<boolean>;
  /** Copies of the bot (queued, starting or copying) that still need this share. */
  countCopiesNeedingShare(key: ShareKey): Promise<number>;

  // Retention and restore drills (SPEC §9)
  /** False when it was recorded already. */
  recordRetentionDeletion(d: RetentionDeletion): Promise<boolean>;
  listRetentionDeletions(f: { policyName: string; since?: Date }): Promise<RetentionDeletion[]>;
  /** Undefined when the slot ran already or the policy has an unfinished drill (on any replica). */
  startDrill(d: NewDrill): Promise<DrillRecord | undefined>;
  getDrill(id: number): Promise<DrillRecord | undefined>;
  updateDrill(id: number, patch: DrillPatch): Promise<void>;
  /** The newest drill result (succeeded or failed) of each policy. */
  latestDrills(): Promise<DrillRecord[]>;

  // Schedules
  /** True for exactly one caller per (name, slot), across replicas. */
  claimScheduleSlot(input: { name: string; slot: Date; owner: string; at: Date }): Promise<boolean>;

  // Replicas
  /** This process is alive (called every engine tick). */
  heartbeat(input: { owner: string; at: Date }): Promise<void>;
  /** Owners that have been heard from since then. */
  liveReplicas(since: Date): Promise<Set<string>>;
}

export class StoreUrlError extends Error {
  override readonly name = 'StoreUrlError';
}

export class SqliteInUseError extends Error {
  override readonly name = 'SqliteInUseError';
  constructor(
    readonly path: string,
    readonly holder: { pid: number; hostname: string },
  ) {
    super(
      `${path} is already used by process ${holder.pid} on ${holder.hostname}; SQLite allows one bot process — ` +
        'use PostgreSQL (DATABASE_URL=postgres://…) for several replicas',
    );
  }
}
