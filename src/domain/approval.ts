/**
 * Who may approve a request, how many approvals it needs, and when it expires (SPEC §5.3).
 * The bot decides on its own data: the Slack click only says who clicked.
 */
import type { ApprovalRule, ApprovalsConfig, Decision, LockMode } from './types.js';

export interface ApprovalFacts {
  crossAccount: boolean;
  /** Account aliases, as in the config's rules. */
  sourceAccount: string;
  destinationAccount: string;
  /** The lock asked for, if any: `when: { lock: compliance }` asks more for locks nobody can undo. */
  lock?: LockMode;
  /**
   * The request's one-off cost estimate in USD (transfer + time-based fee, not monthly storage),
   * known once the sources are looked up at filing; before that, a cost rule does not match.
   */
  estimatedCostUsd?: number;
}

export function ruleMatches(rule: ApprovalRule, facts: ApprovalFacts): boolean {
  const { crossAccount, sourceAccount, destinationAccount, lock, estimatedCostOverUsd } = rule.when;
  return (
    (lock === undefined || lock === facts.lock) &&
    (estimatedCostOverUsd === undefined ||
      (facts.estimatedCostUsd !== undefined && facts.estimatedCostUsd > estimatedCostOverUsd)) &&
    (crossAccount === undefined || crossAccount === facts.crossAccount) &&
    (sourceAccount === undefined || sourceAccount === facts.sourceAccount) &&
    (destinationAccount === undefined || destinationAccount === facts.destinationAccount)
  );
}

/** Rules only raise the base requirement; of the matching rules the strictest wins. */
export function requiredApprovals(config: ApprovalsConfig, facts: ApprovalFacts): number {
  return config.rules
    .filter((rule) => ruleMatches(rule, facts))
    .reduce((required, rule) => Math.max(required, rule.required ?? 0), config.required);
}

/** Describes a rule as the config writes it, for an answer that names it: `approvals.rules[1] (crossAccount: true)`. */
export function describeRule(rule: ApprovalRule, index: number): string {
  const when = Object.entries(rule.when)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
  return `approvals.rules[${index}]${when ? ` (${when})` : ''}`;
}

/** The first matching rule that asks for a reason, when the request gives none (SPEC §5.3). */
export function missingReasonProblem(
  config: Pick<ApprovalsConfig, 'rules'>,
  facts: ApprovalFacts,
  reason: string | undefined,
): string | undefined {
  if (reason !== undefined && reason.trim() !== '') return undefined;
  const index = config.rules.findIndex((rule) => rule.requireReason === true && ruleMatches(rule, facts));
  const rule = config.rules[index];
  if (rule === undefined) return undefined;
  return `${describeRule(rule, index)} requires a reason for this request: add \`reason "<why the copy is needed>"\``;
}

export interface ApproverCheck {
  userId: string;
  requesterId: string;
  /** Listed in `approvals.approvers`, directly or through a user group (resolved by the caller). */
  isApprover: boolean;
  allowSelfApproval: boolean;
}

export type ApproverVerdict = { ok: true } | { ok: false; reason: string };

/** A refusal's reason is the ephemeral message the clicker sees. */
export function checkApprover(check: ApproverCheck): ApproverVerdict {
  if (!check.isApprover) {
    return { ok: false, reason: 'Only configured approvers can approve or reject snapshot copies.' };
  }
  if (check.userId === check.requesterId && !check.allowSelfApproval) {
    return {
      ok: false,
      reason:
        'You filed this request, so another approver has to decide on it. ' +
        'To withdraw it, use `/snapshot-copy cancel`.',
    };
  }
  return { ok: true };
}

export interface RecordedDecision {
  userId: string;
  decision: Decision;
  at: Date;
}

export type TallyState = 'pending' | 'approved' | 'rejected';

/**
 * Decisions in time order; each approver counts once, with their first decision (double clicks and
 * Slack retries never count twice). The first reject rejects; `required` distinct approvals
 * approve; whatever comes after the outcome changes nothing.
 */
export function tally(decisions: readonly RecordedDecision[], required: number): TallyState {
  const ordered = [...decisions].sort((a, b) => a.at.getTime() - b.at.getTime());
  const counted = new Set<string>();
  let approvals = 0;
  for (const { userId, decision } of ordered) {
    if (counted.has(userId)) continue;
    counted.add(userId);
    if (decision === 'reject') return 'rejected';
    approvals++;
    if (approvals >= required) return 'approved';
  }
  return 'pending';
}

const HOUR_MS = 3_600_000;

export function expiresAt(createdAt: Date, hours: number): Date {
  return new Date(createdAt.getTime() + hours * HOUR_MS);
}

/** A request past its expiry may no longer be approved; one without (a DR policy's) never expires. */
export function isExpired(expiry: Date | null | undefined, now: Date): boolean {
  return expiry != null && now.getTime() >= expiry.getTime();
}

/**
 * Whom a reminder names (SPEC §5.3): the configured approvers (user groups as groups), and the
 * escalated ones once the request was escalated, less the requester (unless they may approve
 * their own) and those who already approved.
 */
export function mayStillApprove(
  config: Pick<ApprovalsConfig, 'approvers' | 'escalateTo' | 'allowSelfApproval'>,
  request: { requesterId: string; approvedBy: string[]; escalated: boolean },
): string[] {
  const listed = [...config.approvers, ...(request.escalated ? (config.escalateTo ?? []) : [])];
  return [...new Set(listed)].filter(
    (id) => !request.approvedBy.includes(id) && (config.allowSelfApproval || id !== request.requesterId),
  );
}
