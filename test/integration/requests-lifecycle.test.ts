import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { APPROVER, eventually, type Harness, OPS_CHANNEL, REQUESTER, testConfigYaml } from './harness.js';
import {
  blockTypes,
  cardUpdates,
  command,
  fileRequest,
  mutatingCalls,
  repliesTo,
  requestMessage,
  responsesSince,
  settle,
  shown,
  startRequestsHarness,
  TestClock,
} from './requests-support.js';
import { approvalCard, click, submitRejectForm } from './slack-actions.js';

const SNAP = DEMO_SNAPSHOTS.unencrypted;
const HOUR = 3_600_000;

/** The ephemeral answer to a command that acks first and answers through response_url. */
/** The answer to this very command: answers to earlier clicks may still arrive meanwhile. */
async function answerTo(h: Harness, text: string, user = REQUESTER): Promise<string> {
  const url = h.slack.responseUrl();
  const ack = await command(h, text, user, undefined, { response_url: url });
  expect(ack.body).toEqual({});
  const path = new URL(url).pathname;
  const answer = await eventually(
    () => h.slack.callsTo('response_url').find((c) => c.path === path),
    `answer to "${text}"`,
  );
  expect(answer.args.response_type).toBe('ephemeral');
  return String(answer.args.text);
}

describe('a request that is never approved', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("expires after expireAfterHours on the engine's sweep, and its card loses the buttons", async () => {
    const clock = new TestClock();
    h = await startRequestsHarness({ now: clock.now });
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    await requestMessage(h, n);
    const filed = await h.bot.store.getRequest(n);
    expect(filed?.expiresAt?.getTime()).toBe(filed!.createdAt.getTime() + 24 * HOUR);

    clock.advance(23 * HOUR);
    await settle(400); // a few sweeps at 150 ms: not expired yet
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');

    clock.advance(HOUR + 1_000);
    await eventually(async () => (await h.bot.store.getRequest(n))?.state === 'expired', 'expired');
    expect((await h.bot.store.getCopies(n)).map((c) => c.state)).toEqual(['cancelled']);
    const update = await eventually(() => cardUpdates(h, card.ts)[0], 'card updated');
    expect(blockTypes(update)).not.toContain('actions');
    expect(shown(update)).toContain('Expired · <!date^');
    await eventually(
      async () => (await repliesTo(h, n)).find((t) => t.includes('R-1 expired without enough approvals')),
      'expiry in the thread',
    );
    expect((await h.bot.store.listAudit({ requestNumber: n })).map((a) => a.action)).toContain(
      'request.expired',
    );

    const before = h.slack.callsTo('response_url').length;
    await click(h.send, card, APPROVER, 'approve_copy', 'R-1');
    expect(await eventually(() => responsesSince(h, before)[0], 'late click answered')).toBe(
      'R-1 is already expired; nothing was changed.',
    );
    expect(await h.bot.store.listDecisions(n)).toEqual([]);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('refuses a click that arrives after the deadline but before the sweep', async () => {
    const clock = new TestClock();
    // A long poll interval: the sweep does not run during the test.
    h = await startRequestsHarness({ now: clock.now, pollIntervalMs: 60_000 });
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    clock.advance(25 * HOUR);
    const before = h.slack.callsTo('response_url').length;
    await click(h.send, card, APPROVER, 'approve_copy', 'R-1');
    expect(await eventually(() => responsesSince(h, before)[0], 'click answered')).toBe(
      'R-1 expired without approval; nothing was changed.',
    );
    expect(await h.bot.store.getRequest(n)).toMatchObject({ state: 'expired' });
    expect(await h.bot.store.listDecisions(n)).toEqual([]);
  });
});

describe('cancel and status', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('cancels a request its requester withdraws before approval', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, 'tag:Group=db-cluster-1 to us-west-2');
    const card = await approvalCard(h.slack, n);
    await requestMessage(h, n);

    expect(await answerTo(h, 'cancel R-1')).toBe(
      ':no_entry_sign: You cancelled R-1: 3 copies will not be made.',
    );
    expect(await h.bot.store.getRequest(n)).toMatchObject({ state: 'cancelled', closedBy: REQUESTER });
    expect((await h.bot.store.getCopies(n)).map((c) => c.state)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    const update = await eventually(() => cardUpdates(h, card.ts)[0], 'card updated');
    expect(blockTypes(update)).not.toContain('actions');
    expect(shown(update)).toContain(`Cancelled by <@${REQUESTER}>`);
    await eventually(
      () =>
        h.slack
          .callsTo('chat.update')
          .find((c) => c.args.channel === OPS_CHANNEL && shown(c).includes('State: *cancelled*')),
      'request message shows the cancellation',
    );
    expect((await h.bot.store.listAudit({ requestNumber: n })).map((a) => a.action)).toContain(
      'request.cancelled',
    );

    // Cancelling again, or approving it now, changes nothing.
    expect(await answerTo(h, 'cancel R-1')).toBe('R-1 is already cancelled; nothing to cancel.');
    const before = h.slack.callsTo('response_url').length;
    await click(h.send, card, APPROVER, 'approve_copy', 'R-1');
    expect(await eventually(() => responsesSince(h, before)[0], 'click answered')).toBe(
      'R-1 is already cancelled; nothing was changed.',
    );
    await settle();
    expect(mutatingCalls(h)).toEqual([]);
  });

  it("refuses to cancel someone else's request", async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    await approvalCard(h.slack, n);
    expect(await answerTo(h, 'cancel R-1', 'U0SOMEONE')).toBe(
      'Only the requester or an approver can cancel R-1.',
    );
    expect(await answerTo(h, 'cancel R-7')).toBe('R-7 does not exist.');
    await settle();
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    expect(h.slack.callsTo('chat.update')).toEqual([]);
  });

  it("lists the requester's requests with their states, and one request in detail", async () => {
    h = await startRequestsHarness();
    expect(await answerTo(h, 'status')).toContain('You have no snapshot copy requests yet.');

    await fileRequest(h, `${SNAP} to us-west-2`);
    await fileRequest(h, 'tag:Group=db-cluster-1 to us-west-2');
    await fileRequest(h, `${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1`, 'U0OTHER');
    const before = h.slack.callsTo('response_url').length;
    await click(h.send, await approvalCard(h.slack, 2), APPROVER, 'reject_copy', 'R-2');
    const form = await eventually(() => h.slack.callsTo('views.open')[0], 'the reject form opens');
    await submitRejectForm(h.send, form, APPROVER, 'not needed');
    await eventually(() => responsesSince(h, before)[0], 'rejection answered');

    const mine = await answerTo(h, 'status');
    expect(mine).toContain('*R-1* · pending approval · 0/1 copied');
    expect(mine).toContain('*R-2* · rejected · 0/3 copied');
    expect(mine).not.toContain('R-3');

    const one = await answerTo(h, 'status R-1');
    expect(one).toContain('*R-1* · prod us-east-1 → us-west-2 · pending approval');
    expect(one).toContain(`\`${SNAP}\` → us-west-2 · waiting for approval`);
    expect(await answerTo(h, 'status R-9')).toBe('R-9 does not exist.');
  });

  it('says where the queued copies of each request wait', async () => {
    // One copy at a time into prod us-west-2, and copies slow enough to stay queued.
    h = await startRequestsHarness({
      configYaml: testConfigYaml((y) =>
        y.replace(
          /overrides:\n/,
          'overrides:\n    - { account: prod, region: us-west-2, concurrentCopies: 1 }\n',
        ),
      ),
      simulator: { copyDuration: () => 60_000 },
    });
    await fileRequest(h, 'tag:Group=db-cluster-1 to us-west-2');
    await click(h.send, await approvalCard(h.slack, 1), APPROVER, 'approve_copy', 'R-1');
    await eventually(
      async () => (await h.bot.store.getCopies(1)).some((c) => c.state === 'copying'),
      'the first copy started',
    );
    // R-2 cannot start at all: approved, it waits in the queue behind R-1's copies.
    await fileRequest(h, `${DEMO_SNAPSHOTS.customerKey} to us-west-2`);
    await click(h.send, await approvalCard(h.slack, 2), APPROVER, 'approve_copy', 'R-2');
    await eventually(async () => (await h.bot.store.getRequest(2))?.state === 'queued', 'R-2 queued');

    const mine = await answerTo(h, 'status');
    expect(mine).toContain('*R-1* · copying · 0/3 copied · 2 queued (#1 in us-west-2, #2 in us-west-2)');
    expect(mine).toContain('*R-2* · queued · 0/1 copied · 1 queued (#3 in us-west-2)');
  });
});
