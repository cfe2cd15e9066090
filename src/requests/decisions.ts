import { checkApprover, tally } from '../domain/approval.js';
import type { ApprovalsConfig, Decision } from '../domain/types.js';
import { requestLabel } from '../domain/types.js';
import type { Notifier, ReplyTo } from '../messages/notifier.js';
import { escapeSlack, mention } from '../slack/blocks/format.js';
import type { CardCopy, RequestRecord, SlackRef, Store } from '../store/port.js';
import type { ApproverDirectory } from './approvers.js';
import type { IdentityCheck, IdentityDirectory } from './identities.js';

export interface DecisionDeps {
  store: Store;
  approvals: ApprovalsConfig;
  directory: Pick<ApproverDirectory, 'isApproverOf'>;
  identities: Pick<IdentityDirectory, 'check'>;
  notify: Notifier;
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
  const label = requestLabel(input.n);
  // Outside the transaction: waiting for the card's record and the Slack look-ups take time.
  const seen = await getRequestOnceCardRecorded(deps.store, input.n, input.via);
  const who = seen ? await lookUpDecider(deps, seen, input.userId) : { isApprover: false };
  return deps.store.transaction(async (tx) => {
    const notify = deps.notify.within(tx);
    const at = deps.now();
    const done = async (result: DecisionResult) => {
      await finishIntent(tx, notify, asked, result.message, at);
      return result;
    };
    const request = await tx.lockRequest(input.n);
    const copies = request ? await dmCopiesFor(tx, request, input.via) : [];
    if (
      input.via &&
      request &&
      cardNotRecordedYet(request, copies, input.userId, input.via) &&
      at.getTime() - asked.receivedAt.getTime() < CARD_PATIENCE_MS
    ) {
      // Slack shows a card the bot has not recorded yet: its post was taken over from a process
      // killed between Slack's answer and the record (after a replica's 20 s message lease), or
      // Slack answers slowly. Not a wrong button: the inbox retries the click (with backoff) until
      // the card is recorded. Refusing it lost acknowledged clicks (found by `npm run chaos`).
      throw new Error(`${label}'s approval card is not recorded yet; the click is carried out once it is`);
    }
    const refused = refusal(deps, request, input, who, copies);
    if (refused) {
      if (refused.audit) {
        await tx.appendAudit({
          at,
          actor: input.userId,
          action: 'approval.refused',
          requestNumber: input.n,
          detail: { decision: input.decision, reason: refused.message },
        });
      }
      return done({ outcome: refused.outcome, message: refused.message });
    }
    if (!request) return done({ outcome: 'refused', message: `${label} does not exist.` });

    if (request.expiresAt && request.expiresAt.getTime() <= at.getTime()) {
      await expire({ ...deps, store: tx });
      return done({ outcome: 'noop', message: `${label} expired without approval; nothing was changed.` });
    }
    if (input.decision === 'reject' && !input.reason) {
      return done({
        outcome: 'noop',
        message: `To reject ${label}, click Reject and give the reason in the form; nothing was changed.`,
      });
    }

    const { recorded } = await tx.recordDecision({
      requestNumber: input.n,
      userId: input.userId,
      decision: input.decision,
      at,
      ...(input.reason ? { reason: input.reason } : {}),
    });
    if (!recorded)
      return done({ outcome: 'noop', message: `You already decided on ${label}; it counts once.` });
    await tx.appendAudit({
      at,
      actor: input.userId,
      action: `request.${input.decision}`,
      requestNumber: input.n,
      detail: input.reason ? { reason: input.reason } : {},
    });

    const decisions = await tx.listDecisions(input.n);
    const state = tally(decisions, request.requiredApprovals);
    const channel = request.originChannel;
    if (state === 'rejected') {
      const moved = await tx.transitionRequest(input.n, {
        from: ['pending_approval'],
        to: 'rejected',
        at,
        patch: { closedBy: input.userId },
      });
      if (!moved)
        return done({ outcome: 'noop', message: `${label} was decided meanwhile; nothing was changed.` });
      await tx.appendAudit({
        at,
        actor: input.userId,
        action: 'request.rejected',
        requestNumber: input.n,
        detail: { reason: input.reason },
      });
      await notify.cardChanged(input.n, at);
      await notify.requestChanged(input.n, channel, at);
      await notify.reply(
        input.n,
        channel,
        `:no_entry: ${mention(request.requesterId)} ${label} was rejected by ${mention(input.userId)}: ${escapeSlack(input.reason ?? '')}`,
        at,
        `rejected:${input.n}`,
      );
      return done({ outcome: 'rejected', message: `You rejected ${label}.` });
    }
    if (state === 'approved') {
      const approved = await tx.approveRequest(input.n, at);
      if (!approved)
        return done({ outcome: 'noop', message: `${label} was decided meanwhile; nothing was changed.` });
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
      await notify.requestChanged(input.n, channel, at);
      await notify.reply(
        input.n,
        channel,
        `:white_check_mark: ${label} approved by ${by.map(mention).join(', ')}; copies are queued.`,
        at,
        `approved:${input.n}`,
      );
      tx.afterCommit(() => deps.onApproved(input.n));
      return done({ outcome: 'approved', message: `You approved ${label}; its copies are queued.` });
    }
    const count = new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.userId)).size;
    await notify.cardChanged(input.n, at);
    await notify.reply(
      input.n,
      channel,
      `${mention(input.userId)} approved ${label} (${count}/${request.requiredApprovals}).`,
      at,
      `approval:${input.n}:${input.userId}`,
    );
    return done({
      outcome: 'recorded',
      message: `Your approval of ${label} is recorded (${count}/${request.requiredApprovals}).`,
    });
  });
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
  deps: Pick<DecisionDeps, 'approvals'>,
  request: RequestRecord | undefined,
  input: DecisionInput,
  who: Decider,
  copies: CardCopy[],
): { outcome: 'refused' | 'noop'; message: string; audit?: true } | undefined {
  const label = requestLabel(input.n);
  if (!request) return { outcome: 'refused', message: `${label} does not exist.` };
  if (input.via && !isCardOf(request, copies, input.userId, input.via)) {
    return {
      outcome: 'refused',
      message: `That button does not belong to ${label}'s approval card; nothing was changed.`,
    };
  }
  if (request.state !== 'pending_approval') {
    return {
      outcome: 'noop',
      message: `${label} is already ${request.state.replace('_', ' ')}; nothing was changed.`,
    };
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
  deps: Pick<DecisionDeps, 'store' | 'approvals' | 'directory' | 'identities' | 'now'>,
  input: DecisionInput,
): Promise<boolean> {
  const request = await deps.store.getRequest(input.n);
  if (!request) return false;
  const who = await lookUpDecider(deps, request, input.userId);
  const copies = await dmCopiesFor(deps.store, request, input.via);
  if (refusal(deps, request, input, who, copies)) return false;
  return !(request.expiresAt && request.expiresAt.getTime() <= deps.now().getTime());
}

/**
 * Expires requests past their deadline (called on a timer and when a click finds one): each
 * expiry, its audit entry and its messages commit together.
 */
export async function expire(deps: Pick<DecisionDeps, 'store' | 'notify' | 'now'>): Promise<number> {
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
        `:hourglass: ${mention(r.requesterId)} ${requestLabel(r.n)} expired without enough approvals; nothing was copied.`,
        at,
        `expired:${r.n}`,
      );
    }
    return expired.length;
  });
}
