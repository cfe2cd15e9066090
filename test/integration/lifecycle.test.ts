import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { APPROVER, eventually, type Harness, OPS_CHANNEL, REQUESTER, startHarness } from './harness.js';
import { approvalCard, click, responses, tagsOf, threadReplies } from './slack-actions.js';

const MUTATING = ['CopySnapshot', 'ModifySnapshotAttribute', 'CreateTags', 'DeleteSnapshot'];

describe('a copy request from one line to a completed copy', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('files, approves and copies across Regions with the source tags, extra tags and provenance tags', async () => {
    const snap = DEMO_SNAPSHOTS.unencrypted;
    const ack = await h.send.command(
      `${snap} from us-east-1 to us-west-2 note "before migration" tag Team=sre`,
      REQUESTER,
      OPS_CHANNEL,
    );
    expect(ack.status).toBe(200);
    expect(String((ack.json() as { text: string }).text)).toContain('Checking');

    await eventually(() => responses(h.slack).find((t) => t.includes('Filed *R-1*')), 'receipt');
    // Nothing changes in AWS before approval.
    expect(h.sim.calls.filter((c) => MUTATING.includes(c.action) && !c.dryRun)).toEqual([]);

    const card = await approvalCard(h.slack, 1);
    const cardText = JSON.stringify(card.call.args.blocks);
    expect(cardText).toContain(snap);
    expect(cardText).toContain('full copy');
    expect(cardText).toContain('approve_copy');
    await eventually(
      () =>
        h.slack.callsTo('chat.postMessage').find((c) => c.args.channel === OPS_CHANNEL && !c.args.thread_ts),
      'request message',
    );

    const clicked = await click(h.send, card, APPROVER, 'approve_copy', 'R-1');
    expect(clicked.status).toBe(200);
    await eventually(
      () => responses(h.slack).find((t) => t.includes('You approved R-1')),
      'approval confirmation',
    );

    const copy = await eventually(
      () => h.sim.calls.find((c) => c.action === 'CopySnapshot' && c.outcome === 'ok'),
      'CopySnapshot',
    );
    expect(copy.accountId).toBe(DEMO_ACCOUNTS.prod);
    expect(copy.region).toBe('us-west-2');
    const p = copy.params as Record<string, unknown>;
    expect(p.SourceRegion).toBe('us-east-1');
    expect(p.SourceSnapshotId).toBe(snap);
    expect(p.Description).toBe('before migration');
    expect(p.Encrypted).toBeUndefined();
    const tags = tagsOf(p);
    expect(tags).toMatchObject({
      Team: 'sre',
      Backup: 'weekly',
      'snapshot-copy:request': 'R-1',
      'snapshot-copy:source': snap,
      'snapshot-copy:source-region': 'us-east-1',
      'snapshot-copy:requested-by': REQUESTER,
      'snapshot-copy:approved-by': APPROVER,
    });
    expect(Object.keys(tags).some((k) => k.startsWith('aws:'))).toBe(false);

    await eventually(
      async () => (await h.bot.store.getCopies(1))[0]?.state === 'completed',
      'copy completed in the store',
    );
    await eventually(
      () => threadReplies(h.slack).find((t) => t.includes('R-1 completed')),
      'completion reply',
    );
    const replies = threadReplies(h.slack);
    expect(replies.some((t) => t.includes('copy started as'))).toBe(true);
    expect((await h.bot.store.getRequest(1))?.state).toBe('completed');
    expect(h.slack.callsTo('chat.update').length).toBeGreaterThan(0);
    // The bot's identity is asked once (Bolt's authorization), not in front of every ack; the
    // workspace's team, which a click's identity check compares with, once more.
    expect(h.slack.callsTo('auth.test').length).toBeLessThanOrEqual(2);
  });
});
