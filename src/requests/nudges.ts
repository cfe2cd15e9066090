/**
 * Reminders and escalation of requests left waiting for approval (SPEC §5.3). Called by the
 * engine's sweep on every replica: the store hands each nudge to one sweeper (a guarded update),
 * and the claim, its audit entry and its message commit together, so each is sent once, also
 * across a restart.
 */
import { mayStillApprove } from '../domain/approval.js';
import type { ApprovalsConfig } from '../domain/types.js';
import type { Notifier } from '../messages/notifier.js';
import type { ApprovalNudge, RequestRecord, Store } from '../store/port.js';
import type { RequestWording } from './wording.js';

export interface NudgeDeps {
  store: Store;
  approvals: ApprovalsConfig;
  notify: Notifier;
  /** What is said, in the words of the chat it is said in. */
  wording: RequestWording;
  now: () => Date;
}

const HOUR_MS = 3_600_000;

/** Sends the reminders and escalations that are due; returns how many. */
export async function nudgeWaitingRequests(deps: NudgeDeps): Promise<number> {
  const { remindAfterHours, escalateAfterHours, escalateTo = [] } = deps.approvals;
  let sent = 0;
  if (remindAfterHours !== undefined) sent += await sendDue(deps, 'remind', remindAfterHours);
  if (escalateAfterHours !== undefined && escalateTo.length > 0) {
    sent += await sendDue(deps, 'escalate', escalateAfterHours);
  }
  return sent;
}

async function sendDue(deps: NudgeDeps, kind: ApprovalNudge, hours: number): Promise<number> {
  return deps.store.transaction(async (tx) => {
    const notify = deps.notify.within(tx);
    const at = deps.now();
    const due = await tx.claimApprovalNudges(kind, new Date(at.getTime() - hours * HOUR_MS), at);
    for (const request of due) {
      const approved = (await tx.listDecisions(request.n))
        .filter((d) => d.decision === 'approve')
        .map((d) => d.userId);
      // What it has waited, not the threshold: after a bot outage the first sweep is late.
      const waitedHours = (at.getTime() - request.createdAt.getTime()) / HOUR_MS;
      const nudge = nudgeOf(deps, kind, request, { hours, waitedHours }, approved);
      await tx.appendAudit({
        at,
        actor: 'bot',
        action: nudge.action,
        requestNumber: request.n,
        detail: nudge.detail,
      });
      await notify.cardReply(request.n, nudge.text, at, nudge.dedupeKey);
      // The card says it was escalated; the App Home of the escalated approvers lists it, and
      // with DM cards they get theirs (those who had one are not sent another).
      if (kind === 'escalate') {
        await notify.cardChanged(request.n, at);
        await notify.cardDms(request.n, at, 'escalated');
      }
    }
    return due.length;
  });
}

function nudgeOf(
  { approvals, wording }: Pick<NudgeDeps, 'approvals' | 'wording'>,
  kind: ApprovalNudge,
  request: RequestRecord,
  { hours, waitedHours }: { hours: number; waitedHours: number },
  approved: string[],
): { text: string; action: string; detail: Record<string, unknown>; dedupeKey: string } {
  if (kind === 'escalate') {
    const to = approvals.escalateTo ?? [];
    return {
      text: wording.escalation({ n: request.n, waitedHours, escalateTo: to }),
      action: 'approval.escalated',
      detail: { escalateTo: to, afterHours: hours },
      dedupeKey: `escalated:${request.n}`,
    };
  }
  const who = mayStillApprove(approvals, {
    requesterId: request.requesterId,
    approvedBy: approved,
    escalated: request.escalatedAt !== null,
  });
  return {
    text: wording.reminder({
      n: request.n,
      requesterId: request.requesterId,
      waitedHours,
      approvals: approved.length,
      required: request.requiredApprovals,
      mayApprove: who,
    }),
    action: 'approval.reminded',
    detail: { mayApprove: who, afterHours: hours },
    dedupeKey: `reminded:${request.n}`,
  };
}
