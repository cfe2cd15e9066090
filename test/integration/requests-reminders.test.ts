/**
 * Reminders and escalation (SPEC §5.3): once, `remindAfterHours` after filing, the card's thread
 * names who may still approve; once, `escalateAfterHours` after filing, the `escalateTo` approvers
 * are added and mentioned — and may approve from then on, not before. Each is sent once, across a
 * restart and with two replicas on one PostgreSQL database. The bot's clock is moved by hand.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/bot.js';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { freshSchema } from '../resilience/support.js';
import { APPROVALS_CHANNEL, APPROVER, eventually, type Harness, testConfigYaml } from './harness.js';
import {
  cardUpdates,
  fileRequest,
  responsesSince,
  settle,
  shown,
  startRequestsHarness,
  TestClock,
} from './requests-support.js';
import { approvalCard, approveAndAnswer, click } from './slack-actions.js';

const SNAP = DEMO_SNAPSHOTS.unencrypted;
const HOUR = 3_600_000;
const LEAD = 'U0LEAD';

const nudgingConfig = () =>
  testConfigYaml((y) =>
    y.replace(
      'allowSelfApproval: false',
      'allowSelfApproval: false\n  remindAfterHours: 4\n  escalateAfterHours: 8\n  escalateTo: [S0LEADS]',
    ),
  );

/** Replies in the approval card's thread. */
function cardThread(h: Harness, cardTs: string): string[] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === APPROVALS_CHANNEL && c.args.thread_ts === cardTs)
    .map((c) => String(c.args.text));
}

describe('a request left waiting for approval', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('is reminded, then escalated, each once; escalated approvers count only after the escalation', async () => {
    const clock = new TestClock();
    h = await startRequestsHarness({ now: clock.now, configYaml: nudgingConfig() });
    h.slack.userGroups.set('S0LEADS', [LEAD]);
    const n = await fileRequest(h, `${SNAP} to us-west-2`);
    const card = await approvalCard(h.slack, n);
    expect(h.config.approvals).toMatchObject({ remindAfterHours: 4, escalateAfterHours: 8 });

    clock.advance(4 * HOUR - 60_000);
    await settle(400); // a few sweeps at 150 ms: not due yet
    expect(cardThread(h, card.ts)).toEqual([]);

    clock.advance(2 * 60_000);
    const reminder = await eventually(() => cardThread(h, card.ts)[0], 'reminder in the card thread');
    expect(reminder).toBe(
      `:bell: R-${n} from <@U0REQUESTER> has waited 4 hours for approval (0/1). <@${APPROVER}>, <@U0APPROVER2>, <!subteam^S0DRTEAM> may still approve it.`,
    );
    // Not an escalated approver yet: the leads are not approvers of this request.
    expect(await approveAndAnswer(h.slack, h.send, card, n, LEAD)).toBe(
      'Only configured approvers can approve or reject snapshot copies.',
    );

    clock.advance(4 * HOUR);
    await eventually(() => cardThread(h, card.ts).length === 2, 'escalation in the card thread');
    expect(cardThread(h, card.ts)[1]).toBe(
      `:rotating_light: R-${n} has waited 8 hours for approval: escalated to <!subteam^S0LEADS>, who may now approve it too.`,
    );
    const escalatedCard = await eventually(
      () => cardUpdates(h, card.ts).find((u) => shown(u).includes('escalated <!date^')),
      'the card says it was escalated',
    );
    expect(shown(escalatedCard)).toContain('Approvals 0/1 · escalated');

    await settle(600); // more sweeps: nothing is sent twice
    expect(cardThread(h, card.ts)).toHaveLength(2);
    expect(await approveAndAnswer(h.slack, h.send, card, n, LEAD)).toBe(
      `You approved R-${n}; its copies are queued.`,
    );
    await eventually(async () => (await h.bot.store.getRequest(n))?.state !== 'pending_approval', 'approved');

    const actions = (await h.bot.store.listAudit({ requestNumber: n })).map((a) => [a.action, a.actor]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['approval.reminded', 'bot'],
        ['approval.escalated', 'bot'],
        ['approval.refused', LEAD],
        ['request.approve', LEAD],
      ]),
    );
    expect(actions.filter(([a]) => a === 'approval.reminded')).toHaveLength(1);
  });

  it('is not reminded again after a restart, and an approved request is never reminded', async () => {
    const clock = new TestClock();
    h = await startRequestsHarness({ now: clock.now, configYaml: nudgingConfig() });
    const waiting = await fileRequest(h, `${SNAP} to us-west-2`);
    const approved = await fileRequest(h, `${DEMO_SNAPSHOTS.customerKey} to us-west-2`);
    const approvedCard = await approvalCard(h.slack, approved);
    const before = h.slack.callsTo('response_url').length;
    await click(h.send, approvedCard, APPROVER, 'approve_copy', `R-${approved}`);
    await eventually(() => responsesSince(h, before)[0], 'approval answered');
    const card = await approvalCard(h.slack, waiting);

    clock.advance(5 * HOUR);
    await eventually(() => cardThread(h, card.ts)[0], 'reminder');
    await h.bot.stop();
    h.bot = await h.startReplica(); // the restarted bot sweeps at once, and again every 150 ms
    await settle(800);
    expect(cardThread(h, card.ts)).toHaveLength(1);
    expect(cardThread(h, approvedCard.ts).filter((t) => t.includes('has waited'))).toEqual([]);
  });
});

const url = process.env.TEST_DATABASE_URL;

describe.runIf(url)('two replicas sweeping one database', () => {
  let h: Harness;
  let second: RunningBot | undefined;
  let admin: pg.Client;
  let drop: () => Promise<void>;
  afterEach(async () => {
    await second?.stop();
    await h.close();
    await drop();
    await admin.end();
  });

  it('sends each reminder and escalation once', async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const schema = await freshSchema(admin, url!, 'nudges');
    drop = schema.drop;
    const clock = new TestClock();
    h = await startRequestsHarness({
      now: clock.now,
      configYaml: nudgingConfig(),
      databaseUrl: schema.databaseUrl,
    });
    second = await h.startReplica();
    const numbers = [
      await fileRequest(h, `${SNAP} to us-west-2`),
      await fileRequest(h, `${DEMO_SNAPSHOTS.customerKey} to us-west-2`),
      await fileRequest(h, `${DEMO_SNAPSHOTS.dbCluster1[0]} to us-west-2`),
    ];
    const cards = await Promise.all(numbers.map((n) => approvalCard(h.slack, n)));

    clock.advance(9 * HOUR);
    for (const card of cards) await eventually(() => cardThread(h, card.ts).length >= 2, 'both nudges');
    await settle(1_000); // both replicas sweep several more times
    for (const card of cards) {
      const thread = cardThread(h, card.ts);
      expect(thread.filter((t) => t.startsWith(':bell:'))).toHaveLength(1);
      expect(thread.filter((t) => t.startsWith(':rotating_light:'))).toHaveLength(1);
    }
    const audit = (await h.bot.store.listAudit({})).filter((a) => a.action.startsWith('approval.'));
    expect(audit.map((a) => `${a.action} R-${a.requestNumber}`).sort()).toEqual(
      numbers.flatMap((n) => [`approval.escalated R-${n}`, `approval.reminded R-${n}`]).sort(),
    );
  });
});
