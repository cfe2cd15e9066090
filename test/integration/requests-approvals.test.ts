import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import {
  APPROVALS_CHANNEL,
  APPROVER,
  APPROVER2,
  eventually,
  type Harness,
  OPS_CHANNEL,
  testConfigYaml,
} from './harness.js';
import {
  blockTypes,
  cardUpdates,
  fileRequest,
  mutatingCalls,
  repliesTo,
  requestMessage,
  responsesSince,
  settle,
  shown,
  startRequestsHarness,
} from './requests-support.js';
import { approvalCard, click, clickPayload, submitRejectForm } from './slack-actions.js';

const SNAP = DEMO_SNAPSHOTS.unencrypted;
const GROUP_MEMBER = 'U0GROUPMEMBER';
const STRANGER = 'U0STRANGER';

/** Cross-account requests need two distinct approvers (SPEC §3's example rule). */
const twoForCrossAccount = () =>
  testConfigYaml((y) => y.replace(/(crossAccount: true \}\n\s+required:) 1/, '$1 2'));

describe('deciding on a request from its approval card', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  /** Clicks and returns the ephemeral answer the clicker got. */
  async function clickAndAnswer(
    card: { channel: string; ts: string },
    user: string,
    action: 'approve_copy' | 'reject_copy',
    value: string,
  ): Promise<string> {
    const before = h.slack.callsTo('response_url').length;
    const res = await click(h.send, card, user, action, value);
    expect(res.status).toBe(200);
    return eventually(() => responsesSince(h, before)[0], `answer to ${user}'s ${action} on ${value}`);
  }

  /** Clicks Reject and returns the views.open call that opened the reason form. */
  async function openRejectForm(card: { channel: string; ts: string }, user: string, value: string) {
    const before = h.slack.callsTo('views.open').length;
    const payload = clickPayload(card, user, 'reject_copy', value);
    const res = await h.send.interaction(payload);
    expect(res.status).toBe(200);
    const call = await eventually(() => h.slack.callsTo('views.open')[before], 'the reject form opens');
    expect(call.args.trigger_id).toBe(payload.trigger_id);
    return call;
  }

  it('approves with one click of a configured approver, replacing the buttons with who and when', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    expect(mutatingCalls(h)).toEqual([]);

    expect(await clickAndAnswer(card, APPROVER, 'approve_copy', 'R-1')).toContain(
      'You approved R-1; its copies are queued.',
    );
    expect(h.slack.callsTo('response_url').at(-1)?.args).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
    });
    const update = await eventually(() => cardUpdates(h, card.ts)[0], 'card updated');
    expect(blockTypes(update)).not.toContain('actions');
    expect(shown(update)).toMatch(/Approved by <@U0APPROVER1> · <!date\^\d+\^/);
    expect(await h.bot.store.listDecisions(n)).toEqual([
      expect.objectContaining({ userId: APPROVER, decision: 'approve' }),
    ]);
    await eventually(
      async () => (await repliesTo(h, n)).find((t) => t.includes('R-1 approved by <@U0APPROVER1>')),
      'approval in the thread',
    );
    await eventually(
      () => h.sim.calls.find((c) => c.action === 'CopySnapshot' && !c.dryRun),
      'the copy starts',
    );
  });

  it('approves a click that beats the bot to recording where its card landed', async () => {
    h = await startRequestsHarness();
    // Slack shows the card (the clicker sees it) a second before the bot hears where it landed.
    h.slack.answerDelay = (c) =>
      c.method === 'chat.postMessage' && c.args.channel === APPROVALS_CHANNEL ? 1_000 : 0;
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    expect((await h.bot.store.getRequest(n))?.approvalCard).toBeNull();

    expect(await clickAndAnswer(card, APPROVER, 'approve_copy', `R-${n}`)).not.toContain('does not belong');
    await eventually(async () => (await h.bot.store.getRequest(n))?.state !== 'pending_approval', 'approved');
    expect((await h.bot.store.listDecisions(n)).map((d) => [d.userId, d.decision])).toEqual([
      [APPROVER, 'approve'],
    ]);
  });

  it('approves a click on a card the bot records only long after Slack showed it (a post taken over after a crash)', async () => {
    h = await startRequestsHarness();
    // Longer than a click waits for the card's record: the click is carried out later, not refused.
    h.slack.answerDelay = (c) =>
      c.method === 'chat.postMessage' && c.args.channel === APPROVALS_CHANNEL ? 7_000 : 0;
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    const before = h.slack.callsTo('response_url').length;
    expect((await click(h.send, card, APPROVER, 'approve_copy', `R-${n}`)).status).toBe(200);
    const answer = await eventually(() => responsesSince(h, before)[0], 'the answer to the click', 25_000);
    expect(answer).toContain(`You approved R-${n}`);
    expect((await h.bot.store.getRequest(n))?.state).not.toBe('pending_approval');
  }, 40_000);

  it('refuses a click from someone who is not an approver, changing nothing', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    await requestMessage(h, n);

    for (const action of ['approve_copy', 'reject_copy'] as const) {
      expect(await clickAndAnswer(card, STRANGER, action, 'R-1')).toBe(
        'Only configured approvers can approve or reject snapshot copies.',
      );
    }
    await settle();
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    expect(await h.bot.store.listDecisions(n)).toEqual([]);
    expect(h.slack.callsTo('chat.update')).toEqual([]);
    expect((await h.bot.store.getCopies(n)).map((c) => c.state)).toEqual(['waiting']);
    expect(mutatingCalls(h)).toEqual([]);
    // The refusal itself is on the record.
    expect((await h.bot.store.listAudit({ requestNumber: n })).map((a) => a.action)).toContain(
      'approval.refused',
    );
  });

  it("refuses an approver's click on their own request", async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`, APPROVER);
    const card = await approvalCard(h.slack, n);
    expect(await clickAndAnswer(card, APPROVER, 'approve_copy', 'R-1')).toContain(
      'You filed this request, so another approver has to decide on it.',
    );
    await settle();
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    expect(await h.bot.store.listDecisions(n)).toEqual([]);
    expect(h.slack.callsTo('chat.update')).toEqual([]);

    expect(await clickAndAnswer(card, APPROVER2, 'approve_copy', 'R-1')).toContain('You approved R-1');
    expect((await h.bot.store.getRequest(n))?.state).not.toBe('pending_approval');
  });

  it('lets a member of an approver user group approve, resolved through usergroups.users.list', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    expect(await clickAndAnswer(card, GROUP_MEMBER, 'approve_copy', 'R-1')).toContain('You approved R-1');
    expect(h.slack.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toContain('S0DRTEAM');
    expect(await h.bot.store.listDecisions(n)).toEqual([
      expect.objectContaining({ userId: GROUP_MEMBER, decision: 'approve' }),
    ]);
    const update = await eventually(() => cardUpdates(h, card.ts)[0], 'card updated');
    expect(shown(update)).toContain(`Approved by <@${GROUP_MEMBER}>`);
  });

  it('needs two distinct approvers for a cross-account request: the first click keeps it pending', async () => {
    h = await startRequestsHarness({ configYaml: twoForCrossAccount() });
    const n = await fileRequest(h, `${SNAP} to us-west-2 to-account audit`);
    expect(await h.bot.store.getRequest(n)).toMatchObject({ requiredApprovals: 2, crossAccount: true });
    const card = await approvalCard(h.slack, n);
    expect(shown(card.call)).toContain('Approvals 0/2');

    expect(await clickAndAnswer(card, APPROVER, 'approve_copy', 'R-1')).toContain(
      'Your approval of R-1 is recorded (1/2).',
    );
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    const partial = await eventually(() => cardUpdates(h, card.ts)[0], 'card shows the first approval');
    expect(blockTypes(partial)).toContain('actions');
    expect(shown(partial)).toContain('Approvals 1/2: <@U0APPROVER1>');
    await eventually(
      async () => (await repliesTo(h, n)).find((t) => t.includes('approved R-1 (1/2)')),
      'first approval in the thread',
    );
    await settle(200);
    expect(mutatingCalls(h)).toEqual([]);

    expect(await clickAndAnswer(card, GROUP_MEMBER, 'approve_copy', 'R-1')).toContain(
      'You approved R-1; its copies are queued.',
    );
    const final = await eventually(
      () => cardUpdates(h, card.ts).find((u) => !blockTypes(u).includes('actions')),
      'card decided',
    );
    expect(shown(final)).toContain(`Approved by <@${APPROVER}>, <@${GROUP_MEMBER}>`);
    expect(shown(final)).toContain(`Approvals 2/2: <@${APPROVER}>, <@${GROUP_MEMBER}>`);
    const share = await eventually(
      () => h.sim.calls.find((c) => c.action === 'ModifySnapshotAttribute' && !c.dryRun),
      'the source is shared once approved',
    );
    expect(share.outcome).toBe('ok');
  });

  it('counts a double click and a Slack retry once', async () => {
    h = await startRequestsHarness({ configYaml: twoForCrossAccount() });
    const n = await fileRequest(h, `${SNAP} to us-west-2 to-account audit`);
    const card = await approvalCard(h.slack, n);

    const [a, b] = await Promise.all([
      click(h.send, card, APPROVER, 'approve_copy', 'R-1'),
      click(h.send, card, APPROVER, 'approve_copy', 'R-1'),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const answers = await eventually(() => {
      const all = responsesSince(h, 1);
      return all.length >= 2 ? all : undefined;
    }, 'both clicks answered');
    expect(answers.filter((t) => t.includes('is recorded (1/2)'))).toHaveLength(1);
    expect(answers.filter((t) => t.includes('You already decided on R-1; it counts once.'))).toHaveLength(1);

    // Slack retries a delivery it thinks timed out, with the same payload.
    const before = h.slack.callsTo('response_url').length;
    await h.send.post(
      new URLSearchParams({
        payload: JSON.stringify({
          type: 'block_actions',
          team: { id: 'T0TEST', domain: 'test' },
          user: { id: APPROVER, username: 'approver', team_id: 'T0TEST' },
          api_app_id: 'A0TEST',
          token: 'legacy',
          container: { type: 'message', message_ts: card.ts, channel_id: card.channel, is_ephemeral: false },
          trigger_id: 'trigger-retry',
          channel: { id: card.channel, name: 'approvals' },
          message: { type: 'message', ts: card.ts, text: 'card' },
          response_url: h.slack.responseUrl(),
          actions: [
            {
              type: 'button',
              action_id: 'approve_copy',
              block_id: 'decision:R-1',
              value: 'R-1',
              action_ts: '1',
            },
          ],
        }),
      }).toString(),
      { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } },
    );
    expect(await eventually(() => responsesSince(h, before)[0], 'retry answered')).toContain('counts once');

    expect(await h.bot.store.listDecisions(n)).toHaveLength(1);
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    await settle(200);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('refuses a button whose value names another request', async () => {
    h = await startRequestsHarness();
    await fileRequest(h, `${SNAP} to us-west-2`);
    await fileRequest(h, `${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1`);
    const card1 = await approvalCard(h.slack, 1);
    await approvalCard(h.slack, 2);

    expect(await clickAndAnswer(card1, APPROVER, 'approve_copy', 'R-2')).toBe(
      "That button does not belong to R-2's approval card; nothing was changed.",
    );
    expect(await clickAndAnswer(card1, APPROVER, 'approve_copy', 'R-1 or R-2')).toBe(
      'That button does not name a request; nothing was changed.',
    );
    await settle();
    for (const n of [1, 2]) {
      expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
      expect(await h.bot.store.listDecisions(n)).toEqual([]);
    }
    expect(h.slack.callsTo('chat.update')).toEqual([]);
  });

  it("refuses a click on a message that is not the request's approval card", async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    await approvalCard(h.slack, n);
    const message = await requestMessage(h, n);
    const messageTs = h.slack.postedTs[h.slack.calls.indexOf(message)] ?? '';
    expect(messageTs).not.toBe('');

    for (const card of [
      { channel: OPS_CHANNEL, ts: messageTs },
      { channel: APPROVALS_CHANNEL, ts: '1600000000.000001' },
    ]) {
      expect(await clickAndAnswer(card, APPROVER, 'approve_copy', 'R-1')).toBe(
        "That button does not belong to R-1's approval card; nothing was changed.",
      );
    }
    await settle();
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    expect(await h.bot.store.listDecisions(n)).toEqual([]);
    expect(h.slack.callsTo('chat.update')).toEqual([]);
  });

  it('opens the reject form when the checks outlast the trigger, and still refuses the submission of one who may not decide', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    // A listed approver who is a guest, and a users.info slower than the 2 s the form may wait.
    h.slack.users.set(APPROVER2, { is_restricted: true });
    h.slack.answerDelay = (c) => (c.method === 'users.info' ? 2_500 : 0);
    const form = await openRejectForm(card, APPROVER2, `R-${n}`);
    h.slack.answerDelay = () => 0;
    const before = h.slack.callsTo('response_url').length;
    expect(await submitRejectForm(h.send, form, APPROVER2, 'not needed')).toEqual({});
    expect(await eventually(() => responsesSince(h, before)[0], 'answer to the guest')).toContain(
      'Guest accounts cannot approve or reject',
    );
    expect(await h.bot.store.getRequest(n)).toMatchObject({ state: 'pending_approval' });
    expect(await h.bot.store.listDecisions(n)).toEqual([]);
  });

  it('rejects through the reason form: card, thread and audit log carry the reason, nothing is copied', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, 'tag:Group=db-cluster-1 to us-west-2');
    const card = await approvalCard(h.slack, n);
    await requestMessage(h, n);

    // Reject opens the form with the click's trigger_id, and changes nothing yet.
    const form = await openRejectForm(card, APPROVER, 'R-1');
    expect(form.args.view).toMatchObject({
      callback_id: 'reject_copy_reason',
      blocks: [{ block_id: 'reject_reason', optional: false, element: { action_id: 'reject_reason' } }],
    });
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');

    // An empty reason is refused on the field, as Slack shows it.
    expect(await submitRejectForm(h.send, form, APPROVER, '   ')).toMatchObject({
      response_action: 'errors',
      errors: { reject_reason: expect.stringContaining('empty') },
    });
    const before = h.slack.callsTo('response_url').length;
    expect(await submitRejectForm(h.send, form, APPROVER, 'wrong <Region> & no ticket')).toEqual({});
    expect(await eventually(() => responsesSince(h, before)[0], 'answer to the rejecter')).toBe(
      'You rejected R-1.',
    );
    expect(await h.bot.store.getRequest(n)).toMatchObject({ state: 'rejected', closedBy: APPROVER });
    expect((await h.bot.store.getCopies(n)).map((c) => c.state)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    expect(await h.bot.store.listDecisions(n)).toEqual([
      expect.objectContaining({ userId: APPROVER, decision: 'reject', reason: 'wrong <Region> & no ticket' }),
    ]);

    const update = await eventually(() => cardUpdates(h, card.ts)[0], 'card updated');
    expect(blockTypes(update)).not.toContain('actions');
    expect(shown(update)).toMatch(/Rejected by <@U0APPROVER1> · <!date\^\d+\^/);
    expect(shown(update)).toContain('Reason: wrong &lt;Region&gt; &amp; no ticket');
    expect(String(update.args.text)).not.toContain('needs approval');
    await eventually(
      async () =>
        (await repliesTo(h, n)).find(
          (t) => t.includes('R-1 was rejected by <@U0APPROVER1>') && t.includes('wrong &lt;Region&gt;'),
        ),
      'rejection and its reason in the thread',
    );
    await eventually(
      () =>
        h.slack
          .callsTo('chat.update')
          .find((c) => c.args.channel === OPS_CHANNEL && shown(c).includes('State: *rejected*')),
      'request message shows the rejection',
    );
    const audit = await h.bot.store.listAudit({ requestNumber: n });
    expect(audit.find((a) => a.action === 'request.rejected')).toMatchObject({
      actor: APPROVER,
      detail: { reason: 'wrong <Region> & no ticket' },
    });
    expect(audit.find((a) => a.action === 'request.reject')?.detail).toEqual({
      reason: 'wrong <Region> & no ticket',
    });

    // A later click changes nothing, and a second Reject opens no form.
    expect(await clickAndAnswer(card, APPROVER2, 'approve_copy', 'R-1')).toBe(
      'R-1 is already rejected; nothing was changed.',
    );
    const opened = h.slack.callsTo('views.open').length;
    expect(await clickAndAnswer(card, APPROVER2, 'reject_copy', 'R-1')).toBe(
      'R-1 is already rejected; nothing was changed.',
    );
    expect(h.slack.callsTo('views.open')).toHaveLength(opened);
    await settle();
    expect(await h.bot.store.listDecisions(n)).toHaveLength(1);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('opens no reject form for someone who may not decide: the refusal is ephemeral and audited', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    expect(await clickAndAnswer(card, STRANGER, 'reject_copy', 'R-1')).toBe(
      'Only configured approvers can approve or reject snapshot copies.',
    );
    await settle();
    expect(h.slack.callsTo('views.open')).toEqual([]);
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    expect((await h.bot.store.listAudit({ requestNumber: n })).map((a) => a.action)).toContain(
      'approval.refused',
    );
  });

  for (const [who, user, says] of [
    ['a deactivated approver', { deleted: true }, 'deactivated'],
    ['a guest', { is_restricted: true }, 'Guest accounts cannot approve or reject'],
    ['a single-channel guest', { is_ultra_restricted: true }, 'Guest accounts cannot approve or reject'],
    ['a bot', { is_bot: true }, 'Bots and apps cannot approve or reject'],
    ['an external (Slack Connect) user', { team_id: 'T0OTHERORG' }, 'another organisation'],
    ['a stranger flagged by Slack', { is_stranger: true }, 'another organisation'],
  ] as const) {
    it(`refuses ${who} even when listed as an approver, saying why`, async () => {
      h = await startRequestsHarness();
      h.slack.users.set(APPROVER, user);
      const n = await fileRequest(h, `${SNAP} to us-west-2`);
      const card = await approvalCard(h.slack, n);
      for (const action of ['approve_copy', 'reject_copy'] as const) {
        expect(await clickAndAnswer(card, APPROVER, action, 'R-1')).toContain(says);
      }
      expect(h.slack.callsTo('users.info').map((c) => c.args.user)).toContain(APPROVER);
      expect(h.slack.callsTo('views.open')).toEqual([]);
      await settle();
      expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
      expect(await h.bot.store.listDecisions(n)).toEqual([]);
      const refused = (await h.bot.store.listAudit({ requestNumber: n })).filter(
        (a) => a.action === 'approval.refused',
      );
      expect(refused).toHaveLength(2);
      expect(JSON.stringify(refused[0]?.detail)).toContain(says);

      // An active colleague still counts.
      expect(await clickAndAnswer(card, APPROVER2, 'approve_copy', 'R-1')).toContain('You approved R-1');
    });
  }

  it('says so when users.info cannot be reached, instead of counting the click', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    const failing = h.slack.respond((c) =>
      c.method === 'users.info' ? { status: 500, body: { ok: false } } : undefined,
    );
    expect(await clickAndAnswer(card, APPROVER, 'approve_copy', 'R-1')).toContain(
      'could not check your Slack account',
    );
    expect(await h.bot.store.listDecisions(n)).toEqual([]);
    failing();
    // A failed look-up is not remembered: the next click asks again and counts.
    expect(await clickAndAnswer(card, APPROVER, 'approve_copy', 'R-1')).toContain('You approved R-1');
  });
});
