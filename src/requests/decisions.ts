import { checkApprover, isExpired, tally } from '../domain/approval.js';
import type { ApprovalsConfig, Decision } from '../domain/types.js';
import { requestLabel } from '../domain/types.js';
import type { Notifier, ReplyTo } from '../messages/notifier.js';
import type { CardCopy, DecisionRecord, RequestRecord, SlackRef, Store } from '../store/port.js';
import type { ApproverDirectory } from './approvers.js';
import type { IdentityCheck, IdentityDirectory } from './identities.js';
import type { RequestWording } from './wording.js';

export interface DecisionDeps {
  store: Store;
  approvals: ApprovalsConfig;
  directory: Pick<ApproverDirectory, 'isApproverOf'>;
  identities: Pick<IdentityDirectory, 'check'>;
  notify: Notifier;
  /** What is said, in the words of the chat it is said in. */
  wording: RequestWording;
  now: () => Date;
  /** An approval freed copies for the queue: fill slots now, not at the next tick. */
  onApproved: (n: number) => void;
}

export interface DecisionInput {
  n: number;
  userId: string;
  decision: Decision;
  /** The card the click came from; a click on anything but the request's own card is refused. */
  via?: SlackRef;
  /** Why (the reject form's `reject_reason`); a rejection needs one. */
  reason?: string;
}

/** `refused` and `noop` carry the ephemeral text for the clicker; nothing changed. */
export type DecisionResult =
  | { outcome: 'refused'; message: string }
  | { outcome: 'noop'; message: string }
  | { outcome: 'recorded' | 'approved' | 'rejected'; message: string };

/**
 * How long a click waits for the bot to record where its card landed. The outbox records a card's
 * ts when Slack answers chat.postMessage, and the approver may see the card (and click) first.
 */
const CARD_RECORD_WAIT_MS = 5_000;
const CARD_RECORD_POLL_MS = 100;
/** How long a click on a card not recorded yet is retried before it is judged as it stands. */
const CARD_PATIENCE_MS = 2 * 60_000;

async function getRequestOnceCardRecorded(store: Store, n: number, via: SlackRef | undefined) {
  const deadline = Date.now() + CARD_RECORD_WAIT_MS;
  let request = await store.getRequest(n);
  while (via && request && request.approvalCard === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, CARD_RECORD_POLL_MS));
    request = await store.getRequest(n);
  }
  return request;
}

/** The intent a decision or cancel answers: its answer and its completion commit with its consequences. */
export interface Asked {
  id: number;
  receivedAt: Date;
  reply: ReplyTo;
}

/** Answers the intent and marks it done, inside the transaction of its consequences. */
export async function finishIntent(
  tx: Store,
  notify: Notifier,
  asked: Asked,
  text: string,
  at: Date,
  blocks?: unknown[],
): Promise<void> {
  await notify.answer(asked.reply, text, {
    at,
    receivedAt: asked.receivedAt,
    intentId: asked.id,
    ...(blocks ? { blocks } : {}),
  });
  await tx.completeIntent(asked.id, at);
}

/**
 * An approver's click (SPEC §5.3). The bot decides on its own data: the button only names the
 * request, and the database makes a double click or a Slack retry count once. The decision, the
 * state change it causes, their audit entries, the card and thread messages and the answer to the
 * clicker are one transaction, under the request's row lock: two approvers clicking at once are
 * counted one after the other, and a cancel racing them ends in exactly one of the two.
 */
export async function decide(
  deps: DecisionDeps,
  asked: Asked,
  input: DecisionInput,
): Promise<DecisionResult> {
  // Outside the transaction: waiting for the card's record and the Slack look-ups take time.
  const seen = await getRequestOnceCardRecorded(deps.store, input.n, input.via);
  const who = seen ? await lookUpDecider(deps, seen, input.userId) : { isApprover: false };
  return deps.store.transaction(async (tx) => {
    const deciding: Deciding = { deps, tx, notify: deps.notify.within(tx), at: deps.now(), input };
    const result = await decideLocked(deciding, asked, who);
    await finishIntent(tx, deciding.notify, asked, result.message, deciding.at);
    return result;
  });
}

/** One click being decided, inside its transaction. */
interface Deciding {
  deps: DecisionDeps;
  tx: Store;
  notify: Notifier;
  at: Date;
  input: DecisionInput;
}

/** Under the request's lock: refuses the click, finds it changes nothing, or records and counts it. */
async function decideLocked(c: Deciding, asked: Asked, who: Decider): Promise<DecisionResult> {
  const { deps, tx, input } = c;
  const say = deps.wording;
  const request = await tx.lockRequest(input.n);
  const copies = request ? await dmCopiesFor(tx, request, input.via) : [];
  if (
    input.via &&
    request &&
    cardNotRecordedYet(request, copies, input.userId, input.via) &&
    c.at.getTime() - asked.receivedAt.getTime() < CARD_PATIENCE_MS
  ) {
    // Slack shows a card the bot has not recorded yet: its post was taken over from a process
    // killed between Slack's answer and the record (after a replica's 20 s message lease), or
    // Slack answers slowly. Not a wrong button: the inbox retries the click (with backoff) until
    // the card is recorded. Refusing it lost acknowledged clicks (found by `npm run chaos`).
    throw new Error(
      `${requestLabel(input.n)}'s approval card is not recorded yet; the click is carried out once it is`,
    );
  }
  const refused = refusal(deps, request, input, who, copies);
  if (refused) {
    if (refused.audit) await auditRefusal(c, refused.message);
    return { outcome: refused.outcome, message: refused.message };
  }
  if (!request) return { outcome: 'refused', message: say.noSuchRequest(input.n) };
  const unchanged = await changesNothing(c, request);
  if (unchanged) return unchanged;
  if (!(await recordDecision(c))) return { outcome: 'noop', message: say.alreadyDecided(input.n) };

  const decisions = await tx.listDecisions(input.n);
  const state = tally(decisions, request.requiredApprovals);
  if (state === 'rejected') return reject(c, request);
  if (state === 'approved') return approve(c, request, decisions);
  return countApproval(c, request, decisions);
}

async function auditRefusal({ tx, at, input }: Deciding, reason: string): Promise<void> {
  await tx.appendAudit({
    at,
    actor: input.userId,
    action: 'approval.refused',
    requestNumber: input.n,
    detail: { decision: input.decision, reason },
  });
}

/** A click on an expired request (it is expired now), or a rejection without its reason. */
async function changesNothing(c: Deciding, request: RequestRecord): Promise<DecisionResult | undefined> {
  const { deps, tx, at, input } = c;
  if (isExpired(request.expiresAt, at)) {
    await expire({ ...deps, store: tx });
    return { outcome: 'noop', message: deps.wording.expiredUnapproved(input.n) };
  }
  if (input.decision === 'reject' && !input.reason) {
    return { outcome: 'noop', message: deps.wording.rejectNeedsReason(input.n) };
  }
  return undefined;
}

/** Records the click and its audit entry; false when this approver had decided already. */
async function recordDecision({ tx, at, input }: Deciding): Promise<boolean> {
  const { recorded } = await tx.recordDecision({
    requestNumber: input.n,
    userId: input.userId,
    decision: input.decision,
    at,
    ...(input.reason ? { reason: input.reason } : {}),
  });
  if (!recorded) return false;
  await tx.appendAudit({
    at,
    actor: input.userId,
    action: `request.${input.decision}`,
    requestNumber: input.n,
    detail: input.reason ? { reason: input.reason } : {},
  });
  return true;
}

async function reject(c: Deciding, request: RequestRecord): Promise<DecisionResult> {
  const { deps, tx, notify, at, input } = c;
  const say = deps.wording;
  const moved = await tx.transitionRequest(input.n, {
    from: ['pending_approval'],
    to: 'rejected',
    at,
    patch: { closedBy: input.userId },
  });
  if (!moved) return { outcome: 'noop', message: say.decidedMeanwhile(input.n) };
  await tx.appendAudit({
    at,
    actor: input.userId,
    action: 'request.rejected',
    requestNumber: input.n,
    detail: { reason: input.reason },
  });
  await notify.cardChanged(input.n, at);
  await notify.requestChanged(input.n, request.originChannel, at);
  await notify.reply(
    input.n,
    request.originChannel,
    say.rejected({
      n: input.n,
      requesterId: request.requesterId,
      by: input.userId,
      reason: input.reason ?? '',
    }),
    at,
    `rejected:${input.n}`,
  );
  return { outcome: 'rejected', message: say.youRejected(input.n) };
}

async function approve(
  c: Deciding,
  request: RequestRecord,
  decisions: DecisionRecord[],
): Promise<DecisionResult> {
  const { deps, tx, notify, at, input } = c;
  const say = deps.wording;
  const approved = await tx.approveRequest(input.n, at);
  if (!approved) return { outcome: 'noop', message: say.decidedMeanwhile(input.n) };
  const by = decisions.filter((d) => d.decision === 'approve').map((d) => d.userId);
  await tx.appendAudit({
    at,
    actor: input.userId,
    action: 'request.approved',
    requestNumber: input.n,
    detail: {
      approvers: by,
      ...(request.resolved.reason ? { requestReason: request.resolved.reason } : {}),
    },
  });
  await notify.cardChanged(input.n, at);
  await notify.requestChanged(input.n, request.originChannel, at);
  await notify.reply(
    input.n,
    request.originChannel,
    say.approved({ n: input.n, by }),
    at,
    `approved:${input.n}`,
  );
  tx.afterCommit(() => deps.onApproved(input.n));
  return { outcome: 'approved', message: say.youApproved(input.n) };
}

/** An approval that does not yet make up the number required. */
async function countApproval(
  { deps, notify, at, input }: Deciding,
  request: RequestRecord,
  decisions: DecisionRecord[],
): Promise<DecisionResult> {
  const say = deps.wording;
  const approvals = new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.userId)).size;
  const required = request.requiredApprovals;
  await notify.cardChanged(input.n, at);
  await notify.reply(
    input.n,
    request.originChannel,
    say.approvalCounted({ n: input.n, by: input.userId, approvals, required }),
    at,
    `approval:${input.n}:${input.userId}`,
  );
  return { outcome: 'recorded', message: say.yourApprovalRecorded({ n: input.n, approvals, required }) };
}

interface Decider {
  isApprover: boolean;
  /** Looked up for listed approvers only: users.info about anybody else would change nothing. */
  identity?: IdentityCheck;
}

async function lookUpDecider(
  deps: Pick<DecisionDeps, 'directory' | 'identities'>,
  request: RequestRecord,
  userId: string,
): Promise<Decider> {
  // Read before the request's lock: an escalation committed meanwhile counts from the next click.
  const isApprover = await deps.directory.isApproverOf(request, userId);
  return isApprover ? { isApprover, identity: await deps.identities.check(userId) } : { isApprover };
}

/**
 * Why this click on this request does not count, or undefined when the clicker may decide.
 * `audit`: a refusal of the person (kept on the record), not of a stale or foreign button.
 */
function refusal(
  deps: Pick<DecisionDeps, 'approvals' | 'wording'>,
  request: RequestRecord | undefined,
  input: DecisionInput,
  who: Decider,
  copies: CardCopy[],
): { outcome: 'refused' | 'noop'; message: string; audit?: true } | undefined {
  const say = deps.wording;
  if (!request) return { outcome: 'refused', message: say.noSuchRequest(input.n) };
  if (input.via && !isCardOf(request, copies, input.userId, input.via)) {
    return { outcome: 'refused', message: say.notThisCard(input.n) };
  }
  if (request.state !== 'pending_approval') {
    return { outcome: 'noop', message: say.alreadyClosed(input.n, request.state) };
  }
  const verdict = checkApprover({
    userId: input.userId,
    requesterId: request.requesterId,
    isApprover: who.isApprover,
    allowSelfApproval: deps.approvals.allowSelfApproval,
  });
  if (!verdict.ok) return { outcome: 'refused', message: verdict.reason, audit: true };
  if (who.identity && !who.identity.ok)
    return { outcome: 'refused', message: who.identity.reason, audit: true };
  return undefined;
}

/** The card's DM copies, read only for a click that did not come from the channel's card. */
async function dmCopiesFor(
  store: Pick<Store, 'listCardCopies'>,
  request: RequestRecord,
  via: SlackRef | undefined,
): Promise<CardCopy[]> {
  const card = request.approvalCard;
  if (!via || (card?.channel === via.channel && card.ts === via.ts)) return [];
  return store.listCardCopies(request.n);
}

/**
 * A click counts from the request's card in the approvals channel, or from the clicker's own DM
 * copy of it. In their DM any message of the card counts: a DM post retried after a lost answer
 * leaves two, and only the newer is recorded.
 */
function isCardOf(request: RequestRecord, copies: CardCopy[], userId: string, via: SlackRef): boolean {
  const card = request.approvalCard;
  if (card?.channel === via.channel && card.ts === via.ts) return true;
  return copies.some((c) => c.userId === userId && c.channel === via.channel);
}

/**
 * The click came from a card whose post Slack answered but the bot has not recorded yet: the
 * channel's card before its record, or a DM (D…) copy for the clicker not recorded yet.
 */
function cardNotRecordedYet(
  request: RequestRecord,
  copies: CardCopy[],
  userId: string,
  via: SlackRef,
): boolean {
  if (request.approvalCard === null) return true;
  return via.channel.startsWith('D') && !copies.some((c) => c.userId === userId);
}

/**
 * Whether a Reject click may open the reason form: the same checks as the decision itself, made
 * on a read (no lock, nothing written), as the form must open within Slack's 3 s. The submitted
 * form is decided again under the request's lock.
 */
export async function mayDecide(
  deps: Pick<DecisionDeps, 'store' | 'approvals' | 'directory' | 'identities' | 'wording' | 'now'>,
  input: DecisionInput,
): Promise<boolean> {
  const request = await deps.store.getRequest(input.n);
  if (!request) return false;
  const who = await lookUpDecider(deps, request, input.userId);
  const copies = await dmCopiesFor(deps.store, request, input.via);
  // A card Slack shows a moment before the bot has recorded it: the form opens, and its
  // submission waits for the record as a click does. Refused here, the approver was told "not
  // this card" (found by the resilience suite under load).
  const unrecorded = input.via !== undefined && cardNotRecordedYet(request, copies, input.userId, input.via);
  if (refusal(deps, request, unrecorded ? { ...input, via: undefined } : input, who, copies)) return false;
  return !isExpired(request.expiresAt, deps.now());
}

/**
 * Expires requests past their deadline (called on a timer and when a click finds one): each
 * expiry, its audit entry and its messages commit together.
 */
export async function expire(
  deps: Pick<DecisionDeps, 'store' | 'notify' | 'wording' | 'now'>,
): Promise<number> {
  return deps.store.transaction(async (tx) => {
    const notify = deps.notify.within(tx);
    const at = deps.now();
    const expired = await tx.expireRequests(at);
    for (const r of expired) {
      await tx.appendAudit({ at, actor: 'bot', action: 'request.expired', requestNumber: r.n, detail: {} });
      await notify.cardChanged(r.n, at);
      await notify.requestChanged(r.n, r.originChannel, at);
      await notify.reply(
        r.n,
        r.originChannel,
        deps.wording.expired({ n: r.n, requesterId: r.requesterId }),
        at,
        `expired:${r.n}`,
      );
    }
    return expired.length;
  });
}
