import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackUserFacts } from '../../src/domain/identity.js';
import type { ApprovalsConfig } from '../../src/domain/types.js';
import { ApproverDirectory } from '../../src/requests/approvers.js';
import {
  type DecisionDeps,
  type DecisionInput,
  decide,
  expire,
  mayDecide,
} from '../../src/requests/decisions.js';
import { IdentityDirectory } from '../../src/requests/identities.js';
import { slackRequestWording as say } from '../../src/slack/wording/requests.js';
import { filing, T0 } from '../store/fixtures/builders.js';
import {
  APPROVALS_CHANNEL,
  approvalsConfig,
  type Harness,
  ORIGIN,
  openHarness,
  REQUESTER,
} from './support.js';

const CARD = { channel: APPROVALS_CHANNEL, ts: '1736154000.000100' };
const APPROVER1 = 'U0APPROVER1';
const APPROVER2 = 'U0APPROVER2';
/** A member of the approver group S0DRTEAM. */
const GROUP_MEMBER = 'U0DRMEMBER';
const GUEST = 'U0GUEST';
const WORKSPACE = { teamId: 'T0HOME' };

let h: Harness;
let kicked: number[];

beforeEach(async () => {
  h = await openHarness();
  h.setHoursAfterFiling(1);
  kicked = [];
});

afterEach(async () => {
  await h.close();
});

function deps(approvals: ApprovalsConfig = approvalsConfig()): DecisionDeps {
  const users: Record<string, SlackUserFacts> = { [GUEST]: { teamId: WORKSPACE.teamId, isRestricted: true } };
  return {
    store: h.store,
    approvals,
    directory: new ApproverDirectory(
      approvals.approvers,
      { usergroupMembers: async (group) => (group === 'S0DRTEAM' ? [GROUP_MEMBER] : []) },
      approvals.escalateTo,
      () => h.now().getTime(),
    ),
    identities: new IdentityDirectory({
      userInfo: async (userId) => users[userId] ?? { teamId: WORKSPACE.teamId },
      workspace: async () => WORKSPACE,
    }),
    notify: h.notify,
    wording: say,
    now: h.now,
    onApproved: (n) => kicked.push(n),
  };
}

/** Files R-1 waiting for `requiredApprovals`, its card recorded in the approvals channel. */
async function fileRequest(requiredApprovals = 1): Promise<void> {
  await h.store.fileRequest(filing({ requiredApprovals, requesterId: REQUESTER, originChannel: ORIGIN }));
  await h.store.setApprovalCard(1, CARD);
}

/** A click on R-1's card, as the inbox carries it out. */
async function click(userId: string, over: Partial<DecisionInput> = {}, d = deps()) {
  return decide(d, await h.click(userId), { n: 1, userId, decision: 'approve', via: CARD, ...over });
}

/** The ephemeral answer the clicker sees in the approvals channel. */
const answer = (userId: string, text: string) => ({
  channel: APPROVALS_CHANNEL,
  threadKey: `ephemeral:${APPROVALS_CHANNEL}:${userId}`,
  kind: 'ephemeral',
  payload: { type: 'ephemeral', userId, text },
});
const cardUpdate = {
  channel: APPROVALS_CHANNEL,
  threadKey: 'card:R-1',
  kind: 'card.update',
  payload: { type: 'card.update', n: 1 },
};
const requestUpdate = {
  channel: ORIGIN,
  threadKey: 'R-1',
  kind: 'request.update',
  payload: { type: 'request.update', n: 1 },
};
const threadReply = (text: string) => ({
  channel: ORIGIN,
  threadKey: 'R-1',
  kind: 'request.reply',
  payload: { type: 'request.reply', n: 1, text },
});

/** R-1's audit entries after its filing, as [actor, action, detail]. */
async function auditAfterFiling() {
  const entries = await h.store.listAudit({ requestNumber: 1 });
  return entries.filter((a) => a.action !== 'request.filed').map((a) => [a.actor, a.action, a.detail]);
}

const state = async () => (await h.store.getRequest(1))?.state;
const copyStates = async () => (await h.store.getCopies(1)).map((c) => c.state);

describe('decide: an approval', () => {
  it('short of the number required is counted and told, and the request keeps waiting', async () => {
    await fileRequest(2);
    const result = await click(APPROVER1);

    expect(result).toEqual({
      outcome: 'recorded',
      message: 'Your approval of R-1 is recorded (1/2).',
    });
    expect(await state()).toBe('pending_approval');
    expect(await copyStates()).toEqual(['waiting']);
    expect(await auditAfterFiling()).toEqual([[APPROVER1, 'request.approve', {}]]);
    expect(await h.drainOutbox()).toEqual([
      cardUpdate,
      threadReply('<@U0APPROVER1> approved R-1 (1/2).'),
      answer(APPROVER1, say.yourApprovalRecorded({ n: 1, approvals: 1, required: 2 })),
    ]);
    expect(kicked).toEqual([]);
  });

  it('that makes up the number required approves the request: its copies are queued and the dispatcher is woken', async () => {
    await fileRequest(2);
    await click(APPROVER1);
    await h.drainOutbox();
    // A member of an approver user group counts as an approver.
    const result = await click(GROUP_MEMBER);

    expect(result).toEqual({ outcome: 'approved', message: say.youApproved(1) });
    const request = await h.store.getRequest(1);
    expect(request).toMatchObject({ state: 'approved', approvedAt: h.now() });
    expect(await copyStates()).toEqual(['queued']);
    expect(kicked).toEqual([1]);
    expect(await auditAfterFiling()).toEqual([
      [APPROVER1, 'request.approve', {}],
      [GROUP_MEMBER, 'request.approve', {}],
      [GROUP_MEMBER, 'request.approved', { approvers: [APPROVER1, GROUP_MEMBER] }],
    ]);
    expect(await h.drainOutbox()).toEqual([
      cardUpdate,
      requestUpdate,
      threadReply(':white_check_mark: R-1 approved by <@U0APPROVER1>, <@U0DRMEMBER>; copies are queued.'),
      answer(GROUP_MEMBER, 'You approved R-1; its copies are queued.'),
    ]);
  });

  it('by the requester is refused unless self-approval is allowed, and then counts', async () => {
    const withRequester = approvalsConfig({ approvers: [APPROVER1, REQUESTER] });
    await fileRequest(1);
    const refused = await click(REQUESTER, {}, deps(withRequester));

    expect(refused.outcome).toBe('refused');
    expect(refused.message).toContain('You filed this request, so another approver has to decide on it.');
    expect(await state()).toBe('pending_approval');
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await auditAfterFiling()).toEqual([
      [REQUESTER, 'approval.refused', { decision: 'approve', reason: refused.message }],
    ]);
    expect(await h.drainOutbox()).toEqual([answer(REQUESTER, refused.message)]);

    const allowed = await click(REQUESTER, {}, deps({ ...withRequester, allowSelfApproval: true }));
    expect(allowed.outcome).toBe('approved');
    expect(await state()).toBe('approved');
  });
});

describe('decide: a rejection', () => {
  it('with a reason rejects the request, cancels its copies and tells the reason in the thread', async () => {
    await fileRequest(2);
    const result = await click(APPROVER2, { decision: 'reject', reason: 'wrong <region>' });

    expect(result).toEqual({ outcome: 'rejected', message: say.youRejected(1) });
    expect(await h.store.getRequest(1)).toMatchObject({ state: 'rejected', closedBy: APPROVER2 });
    expect(await copyStates()).toEqual(['cancelled']);
    expect(await auditAfterFiling()).toEqual([
      [APPROVER2, 'request.reject', { reason: 'wrong <region>' }],
      [APPROVER2, 'request.rejected', { reason: 'wrong <region>' }],
    ]);
    expect(await h.drainOutbox()).toEqual([
      cardUpdate,
      requestUpdate,
      threadReply(':no_entry: <@U0REQUESTER> R-1 was rejected by <@U0APPROVER2>: wrong &lt;region&gt;'),
      answer(APPROVER2, 'You rejected R-1.'),
    ]);
    expect(kicked).toEqual([]);
  });

  it('without a reason changes nothing and says how to give one', async () => {
    await fileRequest();
    const result = await click(APPROVER1, { decision: 'reject' });

    expect(result).toEqual({ outcome: 'noop', message: say.rejectNeedsReason(1) });
    expect(await state()).toBe('pending_approval');
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await auditAfterFiling()).toEqual([]);
    expect(await h.drainOutbox()).toEqual([answer(APPROVER1, say.rejectNeedsReason(1))]);
  });
});

describe('decide: refusals', () => {
  it('refuses someone who is not an approver, on the record, and counts nothing', async () => {
    await fileRequest();
    const result = await click('U0STRANGER');

    const message = 'Only configured approvers can approve or reject snapshot copies.';
    expect(result).toEqual({ outcome: 'refused', message });
    expect(await state()).toBe('pending_approval');
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await auditAfterFiling()).toEqual([
      ['U0STRANGER', 'approval.refused', { decision: 'approve', reason: message }],
    ]);
    expect(await h.drainOutbox()).toEqual([answer('U0STRANGER', message)]);
    expect(kicked).toEqual([]);
  });

  it('refuses a listed approver whose Slack account is a guest, saying why', async () => {
    await fileRequest();
    const result = await click(GUEST, {}, deps(approvalsConfig({ approvers: [APPROVER1, GUEST] })));

    expect(result.outcome).toBe('refused');
    expect(result.message).toContain('Guest accounts cannot approve or reject snapshot copies');
    expect(await state()).toBe('pending_approval');
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await h.drainOutbox()).toEqual([answer(GUEST, result.message)]);
  });

  it('counts a second click of the same approver once', async () => {
    await fileRequest(2);
    await click(APPROVER1);
    await h.drainOutbox();
    const again = await click(APPROVER1);

    expect(again).toEqual({ outcome: 'noop', message: say.alreadyDecided(1) });
    expect(await state()).toBe('pending_approval');
    expect(await auditAfterFiling()).toEqual([[APPROVER1, 'request.approve', {}]]);
    expect(await h.drainOutbox()).toEqual([answer(APPROVER1, 'You already decided on R-1; it counts once.')]);
  });

  it('changes nothing on a request decided already', async () => {
    await fileRequest(1);
    await click(APPROVER1);
    await h.drainOutbox();
    const late = await click(APPROVER2, { decision: 'reject', reason: 'too late' });

    expect(late).toEqual({ outcome: 'noop', message: 'R-1 is already approved; nothing was changed.' });
    expect(await state()).toBe('approved');
    expect((await auditAfterFiling()).map(([, action]) => action)).toEqual([
      'request.approve',
      'request.approved',
    ]);
    expect(await h.drainOutbox()).toEqual([answer(APPROVER2, late.message)]);
  });

  it('changes nothing on a cancelled request', async () => {
    await fileRequest();
    await h.store.cancelRequest(1, h.now(), REQUESTER);
    const result = await click(APPROVER1);

    expect(result).toEqual({ outcome: 'noop', message: say.alreadyClosed(1, 'cancelled') });
    expect(await state()).toBe('cancelled');
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await h.drainOutbox()).toEqual([answer(APPROVER1, result.message)]);
  });

  it('expires a request past its deadline that the sweep has not expired yet, and counts nothing', async () => {
    await fileRequest();
    h.setHoursAfterFiling(24);
    const result = await click(APPROVER1);

    expect(result).toEqual({ outcome: 'noop', message: say.expiredUnapproved(1) });
    expect(await state()).toBe('expired');
    expect(await copyStates()).toEqual(['cancelled']);
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await auditAfterFiling()).toEqual([['bot', 'request.expired', {}]]);
    expect(await h.drainOutbox()).toEqual([
      cardUpdate,
      requestUpdate,
      threadReply(say.expired({ n: 1, requesterId: REQUESTER })),
      answer(APPROVER1, 'R-1 expired without approval; nothing was changed.'),
    ]);
    expect(kicked).toEqual([]);
  });

  it('refuses a click from a button that is not the request card', async () => {
    await fileRequest();
    const result = await click(APPROVER1, { via: { channel: APPROVALS_CHANNEL, ts: '1.2' } });

    expect(result).toEqual({ outcome: 'refused', message: say.notThisCard(1) });
    expect(await state()).toBe('pending_approval');
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await h.drainOutbox()).toEqual([answer(APPROVER1, result.message)]);
  });
});

describe('expire', () => {
  const expireDeps = () => ({ store: h.store, notify: h.notify, wording: say, now: h.now });

  it('expires pending requests past their deadline, audits them and tells their thread and card', async () => {
    await h.store.fileRequest(filing()); // expires 24 h after filing
    await h.store.fileRequest(filing({ expiresAt: new Date(T0.getTime() + 48 * 3_600_000) }));
    await h.store.fileRequest(filing({ state: 'approved', expiresAt: null }));
    h.setHoursAfterFiling(24);

    expect(await expire(expireDeps())).toBe(1);
    expect((await h.store.getRequest(1))?.state).toBe('expired');
    expect((await h.store.getCopies(1)).map((c) => c.state)).toEqual(['cancelled']);
    expect((await h.store.getRequest(2))?.state).toBe('pending_approval');
    expect((await h.store.getRequest(3))?.state).toBe('approved');
    const audit = await h.store.listAudit({});
    expect(audit.filter((a) => a.action === 'request.expired')).toMatchObject([
      { actor: 'bot', requestNumber: 1, at: h.now() },
    ]);
    expect(await h.drainOutbox()).toEqual([
      cardUpdate,
      requestUpdate,
      threadReply(':hourglass: <@U0REQUESTER> R-1 expired without enough approvals; nothing was copied.'),
    ]);
  });

  it('expires each request once: a second sweep finds nothing to do', async () => {
    await h.store.fileRequest(filing());
    h.setHoursAfterFiling(25);
    expect(await expire(expireDeps())).toBe(1);
    await h.drainOutbox();

    expect(await expire(expireDeps())).toBe(0);
    expect(await h.drainOutbox()).toEqual([]);
    const audit = await h.store.listAudit({});
    expect(audit.filter((a) => a.action === 'request.expired')).toHaveLength(1);
  });

  it('leaves a request alone before its deadline', async () => {
    await h.store.fileRequest(filing());
    h.setHoursAfterFiling(23.9);
    expect(await expire(expireDeps())).toBe(0);
    expect((await h.store.getRequest(1))?.state).toBe('pending_approval');
    expect(await h.drainOutbox()).toEqual([]);
  });
});

describe('decide: who counts beyond the configured list', () => {
  const LEAD = 'U0LEAD';
  const escalating = approvalsConfig({ approvers: [APPROVER1], escalateTo: [LEAD], escalateAfterHours: 8 });

  it('counts an escalateTo approver only once the request was escalated', async () => {
    await fileRequest();
    const early = await click(LEAD, {}, deps(escalating));
    expect(early.outcome).toBe('refused');
    expect(await state()).toBe('pending_approval');

    await h.store.claimApprovalNudges('escalate', h.now(), h.now());
    const late = await click(LEAD, {}, deps(escalating));
    expect(late.outcome).toBe('approved');
    expect(await state()).toBe('approved');
  });

  it("counts a click from the approver's own DM copy of the card", async () => {
    await fileRequest(2);
    await h.store.recordCardCopy(
      { requestNumber: 1, userId: APPROVER1, channel: 'D0APPROVER1', ts: '2.1' },
      h.now(),
    );

    const own = await click(APPROVER1, { via: { channel: 'D0APPROVER1', ts: '2.1' } });
    expect(own.outcome).toBe('recorded');
    expect((await h.store.listDecisions(1)).map((d) => d.userId)).toEqual([APPROVER1]);
  });

  it('retries a click from a DM card not recorded yet, and refuses it once the wait for the record is over', async () => {
    await fileRequest();
    const dm = { channel: 'D0APPROVER2', ts: '3.1' };
    const asked = await h.click(APPROVER2);
    const input: DecisionInput = { n: 1, userId: APPROVER2, decision: 'approve', via: dm };

    // Thrown, the inbox keeps the click and carries it out again later.
    await expect(decide(deps(), asked, input)).rejects.toThrow("R-1's approval card is not recorded yet");
    expect(await h.drainOutbox()).toEqual([]);
    h.setHoursAfterFiling(1 + 2 / 60);
    expect(await decide(deps(), asked, input)).toEqual({ outcome: 'refused', message: say.notThisCard(1) });
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await h.drainOutbox()).toEqual([answer(APPROVER2, say.notThisCard(1))]);
  });

  it('refuses a click when Slack cannot say who the clicker is, and counts nothing', async () => {
    await fileRequest();
    const d = deps();
    d.identities = new IdentityDirectory({
      userInfo: async () => {
        throw new Error('ratelimited');
      },
      workspace: async () => WORKSPACE,
    });
    const result = await click(APPROVER1, {}, d);

    expect(result.outcome).toBe('refused');
    expect(result.message).toContain('users.info failed: ratelimited');
    expect(await h.store.listDecisions(1)).toEqual([]);
    expect(await state()).toBe('pending_approval');
  });
});

describe('decide: the outcome of several decisions', () => {
  it('rejects on the first rejection, even after an approval', async () => {
    await fileRequest(2);
    await click(APPROVER1);
    const result = await click(GROUP_MEMBER, { decision: 'reject', reason: 'not this week' });

    expect(result.outcome).toBe('rejected');
    expect(await h.store.getRequest(1)).toMatchObject({ state: 'rejected', closedBy: GROUP_MEMBER });
    expect(await copyStates()).toEqual(['cancelled']);
  });

  it("audits the request's own reason with its approval", async () => {
    const reasoned = filing();
    reasoned.request.resolved.reason = 'restore test before migration';
    await h.store.fileRequest(reasoned);
    await h.store.setApprovalCard(1, CARD);
    await click(APPROVER1);

    const approvedEntry = (await h.store.listAudit({ requestNumber: 1 })).find(
      (a) => a.action === 'request.approved',
    );
    expect(approvedEntry?.detail).toEqual({
      approvers: [APPROVER1],
      requestReason: 'restore test before migration',
    });
  });
});

describe('mayDecide: whether a Reject click opens the reason form', () => {
  const may = (userId: string, d = deps()) => mayDecide(d, { n: 1, userId, decision: 'reject', via: CARD });

  it('opens it for an approver of a waiting request, and writes nothing', async () => {
    await fileRequest();
    expect(await may(APPROVER1)).toBe(true);
    expect(await auditAfterFiling()).toEqual([]);
    expect(await h.drainOutbox()).toEqual([]);
  });

  it('opens it from a card Slack shows before the bot has recorded it, for an approver only', async () => {
    await h.store.fileRequest(
      filing({ requiredApprovals: 1, requesterId: REQUESTER, originChannel: ORIGIN }),
    );
    expect(await may(APPROVER1)).toBe(true);
    expect(await may('U0STRANGER')).toBe(false);
  });

  it('does not open it for someone who may not decide, nor on a closed or expired request', async () => {
    await fileRequest();
    expect(await may('U0STRANGER')).toBe(false);
    expect(await may(REQUESTER, deps(approvalsConfig({ approvers: [REQUESTER] })))).toBe(false);
    h.setHoursAfterFiling(24);
    expect(await may(APPROVER1)).toBe(false);
    h.setHoursAfterFiling(1);
    await h.store.cancelRequest(1, h.now(), REQUESTER);
    expect(await may(APPROVER1)).toBe(false);
    expect(await auditAfterFiling()).toEqual([]);
  });
});
