/**
 * Approval cards by DM (SPEC §5.3, `approvals.notify: [channel, dm]`): every eligible approver —
 * listed users and user-group members whose click would count, not the requester — gets the card
 * by DM; a decision on any copy counts once and every copy is kept in step; escalated approvers get
 * theirs when the request is escalated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import type { SlackCall } from '../support/slack-api.js';
import {
  APPROVALS_CHANNEL,
  APPROVER,
  APPROVER2,
  eventually,
  type Harness,
  REQUESTER,
  testConfigYaml,
} from './harness.js';
import {
  blockTypes,
  fileRequest,
  settle,
  shown,
  startRequestsHarness,
  TestClock,
} from './requests-support.js';
import { approvalCard, approveAndAnswer } from './slack-actions.js';

const SNAP = DEMO_SNAPSHOTS.unencrypted;
const MEMBER = 'U0GROUPMEMBER'; // of S0DRTEAM, in the harness
const GUEST = 'U0GUEST';
const LEAD = 'U0LEAD';
const HOUR = 3_600_000;

const dmConfig = (extra = '') =>
  testConfigYaml((y) =>
    y
      .replace(
        'approvers: [U0APPROVER1, U0APPROVER2, S0DRTEAM]',
        `approvers: [U0APPROVER1, U0APPROVER2, S0DRTEAM, ${GUEST}, ${REQUESTER}]`,
      )
      .replace('  required: 1\n', `  required: 2\n  notify: [channel, dm]\n${extra}`),
  );

/** The card posts sent by DM (channel D<user>) for R-<n>, by user. */
function dmCards(h: Harness, n: number): Map<string, { call: SlackCall; ts: string }> {
  const cards = new Map<string, { call: SlackCall; ts: string }>();
  h.slack.calls.forEach((call, i) => {
    const channel = String(call.args.channel ?? '');
    if (
      call.method !== 'chat.postMessage' ||
      !channel.startsWith('D') ||
      !String(call.args.text).startsWith(`R-${n}:`)
    )
      return;
    const ts = h.slack.postedTs[i];
    if (ts) cards.set(channel.slice(1), { call, ts });
  });
  return cards;
}

function updatesOf(h: Harness, channel: string, ts: string): SlackCall[] {
  return h.slack.callsTo('chat.update').filter((c) => c.args.channel === channel && c.args.ts === ts);
}

describe('approval cards by DM', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('DMs every eligible approver once, counts a DM approval once, and keeps every copy in step', async () => {
    h = await startRequestsHarness({ configYaml: dmConfig() });
    h.slack.users.set(GUEST, { is_restricted: true });
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const channelCard = await approvalCard(h.slack, n);

    const cards = await eventually(() => {
      const found = dmCards(h, n);
      return found.size >= 3 ? found : undefined;
    }, 'DM cards');
    await settle(400);
    // Listed users and the group's member; not the requester, not the guest (a click would be refused).
    expect([...dmCards(h, n).keys()].sort()).toEqual([APPROVER, APPROVER2, MEMBER].sort());
    expect(blockTypes(cards.get(APPROVER)!.call)).toContain('actions');
    expect(h.slack.callsTo('conversations.open').map((c) => c.args.users)).not.toContain(REQUESTER);

    const mine = { channel: `D${APPROVER}`, ts: cards.get(APPROVER)!.ts };
    expect(await approveAndAnswer(h.slack, h.send, mine, n, APPROVER)).toBe(
      `Your approval of R-${n} is recorded (1/2).`,
    );
    // Every copy shows the tally within seconds: the channel's card and the other DMs.
    for (const [channel, ts] of [
      [APPROVALS_CHANNEL, channelCard.ts],
      [`D${APPROVER2}`, cards.get(APPROVER2)!.ts],
      [`D${MEMBER}`, cards.get(MEMBER)!.ts],
      [`D${APPROVER}`, mine.ts],
    ] as const) {
      await eventually(
        () => updatesOf(h, channel, ts).find((u) => shown(u).includes(`Approvals 1/2: <@${APPROVER}>`)),
        `tally on the copy in ${channel}`,
      );
    }
    // The same approver again, from the channel's card: counted once.
    expect(await approveAndAnswer(h.slack, h.send, channelCard, n, APPROVER)).toBe(
      `You already decided on R-${n}; it counts once.`,
    );
    // Someone else's DM card is not a card for this clicker.
    const foreign = { channel: `D${APPROVER2}`, ts: cards.get(APPROVER2)!.ts };
    expect(await approveAndAnswer(h.slack, h.send, foreign, n, MEMBER)).toBe(
      `That button does not belong to R-${n}'s approval card; nothing was changed.`,
    );

    expect(
      await approveAndAnswer(
        h.slack,
        h.send,
        { channel: `D${MEMBER}`, ts: cards.get(MEMBER)!.ts },
        n,
        MEMBER,
      ),
    ).toBe(`You approved R-${n}; its copies are queued.`);
    for (const [channel, ts] of [
      [APPROVALS_CHANNEL, channelCard.ts],
      [`D${APPROVER2}`, cards.get(APPROVER2)!.ts],
    ] as const) {
      await eventually(
        () => updatesOf(h, channel, ts).find((u) => !blockTypes(u).includes('actions')),
        `decided copy in ${channel} without buttons`,
      );
    }
    expect((await h.bot.store.listDecisions(n)).map((d) => d.userId).sort()).toEqual(
      [APPROVER, MEMBER].sort(),
    );
    expect(await h.bot.store.listCardCopies(n)).toHaveLength(3);
  });

  it('DMs the escalated approvers when the request is escalated, and nobody twice', async () => {
    const clock = new TestClock();
    h = await startRequestsHarness({
      now: clock.now,
      configYaml: dmConfig('  escalateAfterHours: 2\n  escalateTo: [S0LEADS, U0APPROVER1]\n'),
    });
    h.slack.userGroups.set('S0LEADS', [LEAD]);
    h.slack.users.set(GUEST, { is_restricted: true });
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    await eventually(() => dmCards(h, n).size >= 3 || undefined, 'DM cards at filing');
    expect(dmCards(h, n).has(LEAD)).toBe(false);

    clock.advance(2 * HOUR + 1_000);
    await eventually(() => dmCards(h, n).has(LEAD) || undefined, 'DM card of the escalated approver');
    await settle(600);
    const dmPosts = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.channel).startsWith('D') && String(c.args.text).startsWith(`R-${n}:`));
    expect(dmPosts.map((c) => c.args.channel).sort()).toEqual(
      [APPROVER, APPROVER2, LEAD, MEMBER].map((u) => `D${u}`).sort(),
    );
  });

  it('sends no DM card without notify: dm', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    await approvalCard(h.slack, n);
    await settle(600);
    expect(dmCards(h, n).size).toBe(0);
  });
});
