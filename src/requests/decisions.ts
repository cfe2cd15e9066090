import { checkApprover, tally } from '../domain/approval.js';
import type { ApprovalsConfig, Decision } from '../domain/types.js';
import { requestLabel } from '../domain/types.js';
import { mention } from '../slack/blocks/format.js';
import type { Notifier } from '../slack/outbox-messages.js';
import type { SlackRef, Store } from '../store/port.js';
import type { ApproverDirectory } from './approvers.js';

export interface DecisionDeps {
  store: Store;
  approvals: ApprovalsConfig;
  directory: Pick<ApproverDirectory, 'isApprover'>;
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

async function getRequestOnceCardRecorded(store: Store, n: number, via: SlackRef | undefined) {
  const deadline = Date.now() + CARD_RECORD_WAIT_MS;
  let request = await store.getRequest(n);
  while (via && request && request.approvalCard === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, CARD_RECORD_POLL_MS));
    request = await store.getRequest(n);
  }
  return request;
}

/**
 * An approver's click (SPEC §5.3). The bot decides on its own data: the button only names the
 * request, and the database makes a double click or a Slack retry count once.
 */
export async function decide(deps: DecisionDeps, input: DecisionInput): Promise<DecisionResult> {
  const { store, notify } = deps;
  const label = requestLabel(input.n);
  const request = await getRequestOnceCardRecorded(store, input.n, input.via);
  if (!request) return { outcome: 'refused', message: `${label} does not exist.` };
  if (
    input.via &&
    (request.approvalCard?.channel !== input.via.channel || request.approvalCard?.ts !== input.via.ts)
  ) {
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
    isApprover: await deps.directory.isApprover(input.userId),
    allowSelfApproval: deps.approvals.allowSelfApproval,
  });
  if (!verdict.ok) {
    await store.appendAudit({
      at: deps.now(),
      actor: input.userId,
      action: 'approval.refused',
      requestNumber: input.n,
      detail: { decision: input.decision, reason: verdict.reason },
    });
    return { outcome: 'refused', message: verdict.reason };
  }

  const at = deps.now();
  if (request.expiresAt && request.expiresAt.getTime() <= at.getTime()) {
    await expire(deps);
    return { outcome: 'noop', message: `${label} expired without approval; nothing was changed.` };
  }

  const { recorded } = await store.recordDecision({
    requestNumber: input.n,
    userId: input.userId,
    decision: input.decision,
    at,
  });
  if (!recorded) return { outcome: 'noop', message: `You already decided on ${label}; it counts once.` };
  await store.appendAudit({
    at,
    actor: input.userId,
    action: `request.${input.decision}`,
    requestNumber: input.n,
    detail: {},
  });

  const decisions = await store.listDecisions(input.n);
  const state = tally(decisions, request.requiredApprovals);
  const channel = request.originChannel;
  if (state === 'rejected') {
    const moved = await store.transitionRequest(input.n, {
      from: ['pending_approval'],
      to: 'rejected',
      at,
      patch: { closedBy: input.userId },
    });
    if (!moved) return { outcome: 'noop', message: `${label} was decided meanwhile; nothing was changed.` };
    await store.appendAudit({
      at,
      actor: input.userId,
      action: 'request.rejected',
      requestNumber: input.n,
      detail: {},
    });
    await Promise.all([
      notify.cardChanged(input.n, at),
      notify.requestChanged(input.n, channel, at),
      notify.reply(
        input.n,
        channel,
        `:no_entry: ${mention(request.requesterId)} ${label} was rejected by ${mention(input.userId)}.`,
        at,
        `rejected:${input.n}`,
      ),
    ]);
    return { outcome: 'rejected', message: `You rejected ${label}.` };
  }
  if (state === 'approved') {
    const approved = await store.approveRequest(input.n, at);
    if (!approved)
      return { outcome: 'noop', message: `${label} was decided meanwhile; nothing was changed.` };
    const by = decisions.filter((d) => d.decision === 'approve').map((d) => d.userId);
    await store.appendAudit({
      at,
      actor: input.userId,
      action: 'request.approved',
      requestNumber: input.n,
      detail: { approvers: by },
    });
    await Promise.all([
      notify.cardChanged(input.n, at),
      notify.requestChanged(input.n, channel, at),
      notify.reply(
        input.n,
        channel,
        `:white_check_mark: ${label} approved by ${by.map(mention).join(', ')}; copies are queued.`,
        at,
        `approved:${input.n}`,
      ),
    ]);
    deps.onApproved(input.n);
    return { outcome: 'approved', message: `You approved ${label}; its copies are queued.` };
  }
  const count = new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.userId)).size;
  await Promise.all([
    notify.cardChanged(input.n, at),
    notify.reply(
      input.n,
      channel,
      `${mention(input.userId)} approved ${label} (${count}/${request.requiredApprovals}).`,
      at,
      `approval:${input.n}:${input.userId}`,
    ),
  ]);
  return {
    outcome: 'recorded',
    message: `Your approval of ${label} is recorded (${count}/${request.requiredApprovals}).`,
  };
}

/** Expires requests past their deadline (called on a timer and when a click finds one). */
export async function expire(deps: Pick<DecisionDeps, 'store' | 'notify' | 'now'>): Promise<number> {
  const at = deps.now();
  const expired = await deps.store.expireRequests(at);
  for (const r of expired) {
    await deps.store.appendAudit({
      at,
      actor: 'bot',
      action: 'request.expired',
      requestNumber: r.n,
      detail: {},
    });
    await Promise.all([
      deps.notify.cardChanged(r.n, at),
      deps.notify.requestChanged(r.n, r.originChannel, at),
      deps.notify.reply(
        r.n,
        r.originChannel,
        `:hourglass: ${mention(r.requesterId)} ${requestLabel(r.n)} expired without enough approvals; nothing was copied.`,
        at,
        `expired:${r.n}`,
      ),
    ]);
  }
  return expired.length;
}
