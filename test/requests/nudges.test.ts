import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalsConfig } from '../../src/domain/types.js';
import { Notifier } from '../../src/messages/notifier.js';
import { type NudgeDeps, nudgeWaitingRequests } from '../../src/requests/nudges.js';
import { slackRequestWording as say } from '../../src/slack/wording/requests.js';
import { filing, T0 } from '../store/fixtures/builders.js';
import {
  APPROVALS_CHANNEL,
  approvalsConfig,
  type Harness,
  HOUR_MS,
  openHarness,
  REQUESTER,
} from './support.js';

const NUDGED = approvalsConfig({
  approvers: ['U0APPROVER1', 'U0APPROVER2', 'S0DRTEAM'],
  remindAfterHours: 4,
  escalateAfterHours: 8,
  escalateTo: ['S0LEADS'],
});

let h: Harness;

beforeEach(async () => {
  h = await openHarness();
});

afterEach(async () => {
  await h.close();
});

function deps(approvals: ApprovalsConfig = NUDGED, notify = h.notify): NudgeDeps {
  return { store: h.store, approvals, notify, wording: say, now: h.now };
}

/** One sweep at `hours` after filing. */
async function sweepAt(hours: number, d = deps()): Promise<number> {
  h.setHoursAfterFiling(hours);
  return nudgeWaitingRequests(d);
}

const cardReply = (text: string) => ({
  channel: APPROVALS_CHANNEL,
  threadKey: 'card:R-1',
  kind: 'card.reply',
  payload: { type: 'card.reply', n: 1, text },
});

async function nudgeAudit() {
  const entries = await h.store.listAudit({ requestNumber: 1 });
  return entries.filter((a) => a.action.startsWith('approval.')).map((a) => [a.actor, a.action, a.detail]);
}

describe('nudgeWaitingRequests: the reminder', () => {
  beforeEach(async () => {
    await h.store.fileRequest(filing({ requiredApprovals: 2 }));
  });

  it('is not sent before remindAfterHours', async () => {
    expect(await sweepAt(3.9)).toBe(0);
    expect(await h.drainOutbox()).toEqual([]);
    expect((await h.store.getRequest(1))?.remindedAt).toBeNull();
  });

  it("is sent once remindAfterHours have passed, in the card's thread, naming who may still approve", async () => {
    await h.store.recordDecision({
      requestNumber: 1,
      userId: 'U0APPROVER1',
      decision: 'approve',
      at: h.now(),
    });
    expect(await sweepAt(4)).toBe(1);

    expect(await h.drainOutbox()).toEqual([
      cardReply(
        ':bell: R-1 from <@U0REQUESTER> has waited 4 hours for approval (1/2). <@U0APPROVER2>, <!subteam^S0DRTEAM> may still approve it.',
      ),
    ]);
    expect(await nudgeAudit()).toEqual([
      ['bot', 'approval.reminded', { mayApprove: ['U0APPROVER2', 'S0DRTEAM'], afterHours: 4 }],
    ]);
    expect((await h.store.getRequest(1))?.remindedAt).toEqual(h.now());
  });

  it('says how long the request really waited when the first sweep comes late (the bot was down)', async () => {
    expect(await sweepAt(10.2)).toBe(2);
    const replies = (await h.drainOutbox()).filter((m) => m.kind === 'card.reply');
    expect(replies.map((m) => (m.payload as { text: string }).text)).toEqual([
      ':bell: R-1 from <@U0REQUESTER> has waited 10 hours for approval (0/2). <@U0APPROVER1>, <@U0APPROVER2>, <!subteam^S0DRTEAM> may still approve it.',
      ':rotating_light: R-1 has waited 10 hours for approval: escalated to <!subteam^S0LEADS>, who may now approve it too.',
    ]);
  });

  it('is sent once: a second sweep says nothing more', async () => {
    expect(await sweepAt(4)).toBe(1);
    await h.drainOutbox();

    expect(await sweepAt(5)).toBe(0);
    expect(await h.drainOutbox()).toEqual([]);
    expect((await nudgeAudit()).map(([, action]) => action)).toEqual(['approval.reminded']);
  });

  it('does not name the requester when they are an approver who may not approve their own request', async () => {
    const approvals = { ...NUDGED, approvers: ['U0APPROVER1', REQUESTER] };
    expect(await sweepAt(4, deps(approvals))).toBe(1);
    const [reminder] = await h.drainOutbox();
    expect(reminder?.payload['text']).toBe(
      say.reminder({
        n: 1,
        requesterId: REQUESTER,
        waitedHours: 4,
        approvals: 0,
        required: 2,
        mayApprove: ['U0APPROVER1'],
      }),
    );
  });
});

describe('nudgeWaitingRequests: the escalation', () => {
  beforeEach(async () => {
    await h.store.fileRequest(filing());
  });

  it('is sent once escalateAfterHours have passed: escalateTo are mentioned and the card changes', async () => {
    await sweepAt(4);
    await h.drainOutbox();
    expect(await sweepAt(7.9)).toBe(0);
    expect((await h.store.getRequest(1))?.escalatedAt).toBeNull();

    expect(await sweepAt(8)).toBe(1);
    expect((await h.store.getRequest(1))?.escalatedAt).toEqual(h.now());
    expect(await h.drainOutbox()).toEqual([
      cardReply(
        ':rotating_light: R-1 has waited 8 hours for approval: escalated to <!subteam^S0LEADS>, who may now approve it too.',
      ),
      {
        channel: APPROVALS_CHANNEL,
        threadKey: 'card:R-1',
        kind: 'card.update',
        payload: { type: 'card.update', n: 1 },
      },
    ]);
    expect(await nudgeAudit()).toEqual([
      ['bot', 'approval.reminded', { mayApprove: ['U0APPROVER1', 'U0APPROVER2', 'S0DRTEAM'], afterHours: 4 }],
      ['bot', 'approval.escalated', { escalateTo: ['S0LEADS'], afterHours: 8 }],
    ]);
  });

  it('is sent once: a later sweep says nothing more', async () => {
    expect(await sweepAt(8)).toBe(2); // the reminder and the escalation, both due
    await h.drainOutbox();

    expect(await sweepAt(12)).toBe(0);
    expect(await h.drainOutbox()).toEqual([]);
    expect((await nudgeAudit()).map(([, action]) => action)).toEqual([
      'approval.reminded',
      'approval.escalated',
    ]);
  });

  it('sends the card by DM to the escalated approvers when DM cards are on', async () => {
    const withDms = new Notifier(h.store, APPROVALS_CHANNEL, () => {}, true);
    await sweepAt(4, deps(NUDGED, withDms));
    await h.drainOutbox();
    await sweepAt(8, deps(NUDGED, withDms));

    const kinds = (await h.drainOutbox()).map((m) => [m.kind, m.channel]);
    expect(kinds).toEqual([
      ['card.reply', APPROVALS_CHANNEL],
      ['card.update', APPROVALS_CHANNEL],
      ['card.dms', 'dms:R-1'],
    ]);
  });

  it('is not sent without escalateTo approvers', async () => {
    const approvals = { ...NUDGED, escalateTo: [] };
    expect(await sweepAt(9, deps(approvals))).toBe(1);
    expect((await nudgeAudit()).map(([, action]) => action)).toEqual(['approval.reminded']);
    expect((await h.store.getRequest(1))?.escalatedAt).toBeNull();
  });
});

describe('nudgeWaitingRequests on a request no longer waiting for approval', () => {
  it('reminds and escalates nothing once the request is approved or rejected', async () => {
    await h.store.fileRequest(filing());
    await h.store.fileRequest(filing());
    h.setHoursAfterFiling(1);
    await h.store.approveRequest(1, h.now());
    await h.store.transitionRequest(2, { from: ['pending_approval'], to: 'rejected', at: h.now() });

    expect(await sweepAt(10)).toBe(0);
    expect(await h.drainOutbox()).toEqual([]);
    const audit = await h.store.listAudit({});
    expect(audit.filter((a) => a.action.startsWith('approval.'))).toEqual([]);
  });

  it('reminds nothing of a request past its deadline: it is expired, not nudged', async () => {
    await h.store.fileRequest(filing({ expiresAt: new Date(T0.getTime() + 6 * HOUR_MS) }));
    expect(await sweepAt(8)).toBe(0);
    expect(await h.drainOutbox()).toEqual([]);
  });
});
