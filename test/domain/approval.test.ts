import { describe, expect, it } from 'vitest';
import {
  checkApprover,
  describeRule,
  expiresAt,
  isExpired,
  mayStillApprove,
  type RecordedDecision,
  requiredApprovals,
  tally,
} from '../../src/domain/approval.js';
import type { ApprovalsConfig } from '../../src/domain/types.js';

const config = (rules: ApprovalsConfig['rules'], required = 1): ApprovalsConfig => ({
  approvers: ['U1', 'S1'],
  required,
  allowSelfApproval: false,
  expireAfterHours: 24,
  rules,
});
const sameAccount = { crossAccount: false, sourceAccount: 'prod', destinationAccount: 'prod' };
const toAudit = { crossAccount: true, sourceAccount: 'prod', destinationAccount: 'audit' };

describe('requiredApprovals', () => {
  it.each([
    { name: 'without rules the base requirement holds', rules: [], facts: toAudit, required: 1 },
    {
      name: 'a matching crossAccount rule raises it',
      rules: [{ when: { crossAccount: true }, required: 2 }],
      facts: toAudit,
      required: 2,
    },
    {
      name: 'a rule that does not match leaves the base',
      rules: [{ when: { crossAccount: true }, required: 2 }],
      facts: sameAccount,
      required: 1,
    },
    {
      name: 'the strictest matching rule wins',
      rules: [
        { when: { crossAccount: true }, required: 2 },
        { when: { destinationAccount: 'audit' }, required: 3 },
        { when: { sourceAccount: 'prod' }, required: 2 },
      ],
      facts: toAudit,
      required: 3,
    },
    {
      name: 'a rule matches only when all its conditions do',
      rules: [{ when: { crossAccount: true, sourceAccount: 'staging' }, required: 4 }],
      facts: toAudit,
      required: 1,
    },
    {
      name: 'a rule never lowers the base requirement',
      rules: [{ when: { crossAccount: true }, required: 1 }],
      facts: toAudit,
      required: 2,
      base: 2,
    },
    {
      name: 'a rule with no conditions applies to every request',
      rules: [{ when: {}, required: 2 }],
      facts: sameAccount,
      required: 2,
    },
    {
      name: 'a cost rule matches an estimate over its amount',
      rules: [{ when: { estimatedCostOverUsd: 100 }, required: 2 }],
      facts: { ...sameAccount, estimatedCostUsd: 100.01 },
      required: 2,
    },
    {
      name: 'a cost rule does not match an estimate of exactly its amount',
      rules: [{ when: { estimatedCostOverUsd: 100 }, required: 2 }],
      facts: { ...sameAccount, estimatedCostUsd: 100 },
      required: 1,
    },
    {
      name: 'a cost rule does not match before the estimate is known',
      rules: [{ when: { estimatedCostOverUsd: 0 }, required: 2 }],
      facts: sameAccount,
      required: 1,
    },
    {
      name: 'a cost rule combined with another condition needs both',
      rules: [{ when: { estimatedCostOverUsd: 10, crossAccount: true }, required: 3 }],
      facts: { ...sameAccount, estimatedCostUsd: 50 },
      required: 1,
    },
  ])('$name', ({ rules, facts, required, base }) => {
    expect(requiredApprovals(config(rules, base ?? 1), facts)).toBe(required);
  });
});

describe('describeRule', () => {
  it('names a cost rule as the config writes it', () => {
    expect(describeRule({ when: { estimatedCostOverUsd: 100 }, required: 2 }, 1)).toBe(
      'approvals.rules[1] (estimatedCostOverUsd: 100)',
    );
  });
});

describe('checkApprover', () => {
  it.each([
    {
      name: 'an approver may approve a request of someone else',
      userId: 'U1',
      isApprover: true,
      allowSelf: false,
      ok: true,
    },
    { name: 'a non-approver is refused', userId: 'U9', isApprover: false, allowSelf: false, ok: false },
    {
      name: 'the requester is refused by default',
      userId: 'U0',
      isApprover: true,
      allowSelf: false,
      ok: false,
    },
    {
      name: 'the requester may approve when self-approval is allowed',
      userId: 'U0',
      isApprover: true,
      allowSelf: true,
      ok: true,
    },
    {
      name: 'a requester who is not an approver is refused even with self-approval',
      userId: 'U0',
      isApprover: false,
      allowSelf: true,
      ok: false,
    },
  ])('$name', ({ userId, isApprover, allowSelf, ok }) => {
    const verdict = checkApprover({ userId, requesterId: 'U0', isApprover, allowSelfApproval: allowSelf });
    expect(verdict.ok).toBe(ok);
  });

  it.each([
    {
      userId: 'U9',
      isApprover: false,
      reason: 'Only configured approvers can approve or reject snapshot copies.',
    },
    {
      userId: 'U0',
      isApprover: true,
      reason: 'You filed this request, so another approver has to decide on it.',
    },
  ])('refuses $userId with a reason the clicker can read', ({ userId, isApprover, reason }) => {
    const verdict = checkApprover({ userId, requesterId: 'U0', isApprover, allowSelfApproval: false });
    expect(verdict.ok === false && verdict.reason).toContain(reason);
  });
});

describe('tally', () => {
  const d = (userId: string, decision: 'approve' | 'reject', minute: number): RecordedDecision => ({
    userId,
    decision,
    at: new Date(Date.UTC(2024, 0, 1, 0, minute)),
  });
  it.each([
    { name: 'no decisions are pending', decisions: [], required: 1, state: 'pending' },
    {
      name: 'one approval of one required approves',
      decisions: [d('U1', 'approve', 1)],
      required: 1,
      state: 'approved',
    },
    {
      name: 'one approval of two required is pending',
      decisions: [d('U1', 'approve', 1)],
      required: 2,
      state: 'pending',
    },
    {
      name: 'a double click counts once',
      decisions: [d('U1', 'approve', 1), d('U1', 'approve', 2)],
      required: 2,
      state: 'pending',
    },
    {
      name: 'two distinct approvers approve',
      decisions: [d('U1', 'approve', 1), d('U2', 'approve', 2)],
      required: 2,
      state: 'approved',
    },
    { name: 'a reject rejects', decisions: [d('U1', 'reject', 1)], required: 1, state: 'rejected' },
    {
      name: 'a reject before enough approvals rejects',
      decisions: [d('U1', 'approve', 1), d('U2', 'reject', 2), d('U3', 'approve', 3)],
      required: 2,
      state: 'rejected',
    },
    {
      name: 'a reject after the request was approved changes nothing',
      decisions: [d('U2', 'reject', 5), d('U1', 'approve', 1)],
      required: 1,
      state: 'approved',
    },
    {
      name: "an approver's first decision counts, not a later change of mind",
      decisions: [d('U1', 'approve', 1), d('U1', 'reject', 2)],
      required: 2,
      state: 'pending',
    },
  ])('$name', ({ decisions, required, state }) => {
    expect(tally(decisions, required)).toBe(state);
  });
});

describe('expiry', () => {
  const created = new Date('2024-01-01T00:00:00Z');
  it('expires the given number of hours after filing', () => {
    expect(expiresAt(created, 24).toISOString()).toBe('2024-01-02T00:00:00.000Z');
  });
  it.each([
    { name: 'is not expired a moment before the deadline', now: '2024-01-01T23:59:59.999Z', expired: false },
    { name: 'is expired at the deadline', now: '2024-01-02T00:00:00.000Z', expired: true },
    { name: 'is expired after the deadline', now: '2024-01-03T00:00:00.000Z', expired: true },
  ])('$name', ({ now, expired }) => {
    expect(isExpired(expiresAt(created, 24), new Date(now))).toBe(expired);
  });
  it('never expires a request without an expiry (a DR policy files approved)', () => {
    expect(isExpired(null, new Date('2999-01-01T00:00:00Z'))).toBe(false);
  });
});

describe('mayStillApprove (whom a reminder names)', () => {
  const approvals = {
    approvers: ['U1', 'U2', 'S1', 'U0REQ'],
    escalateTo: ['S9', 'U2'],
    allowSelfApproval: false,
  };

  it('names the configured approvers who have not approved, never the requester', () => {
    expect(
      mayStillApprove(approvals, { requesterId: 'U0REQ', approvedBy: ['U1'], escalated: false }),
    ).toEqual(['U2', 'S1']);
  });

  it('adds the escalated approvers once the request was escalated, each once', () => {
    expect(mayStillApprove(approvals, { requesterId: 'U0REQ', approvedBy: [], escalated: true })).toEqual([
      'U1',
      'U2',
      'S1',
      'S9',
    ]);
  });

  it('names the requester when self-approval is allowed', () => {
    const self = { ...approvals, allowSelfApproval: true };
    expect(mayStillApprove(self, { requesterId: 'U0REQ', approvedBy: [], escalated: false })).toContain(
      'U0REQ',
    );
  });
});
