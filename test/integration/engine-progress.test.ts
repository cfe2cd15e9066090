import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import {
  AUDIT,
  blocksText,
  configWithLimits,
  copiesEnded,
  fileApproved,
  okCalls,
  PROD,
  repliesMatching,
  requestUpdates,
} from './engine-support.js';
import { eventually, type Harness, OPS_CHANNEL, REQUESTER, startHarness } from './harness.js';
import { responses, threadReplies } from './slack-actions.js';

/** Long enough that the test, not the timer, decides when the engine ticks. */
const MANUAL_TICKS = 3_600_000;
const GROUP = 'tag:Group=db-cluster-1 from us-east-1';

async function allCopying(h: Harness, n: number, count: number) {
  return eventually(async () => {
    const copies = await h.bot.store.getCopies(n);
    return copies.filter((c) => c.state === 'copying').length === count ? copies : undefined;
  }, `${count} copies of R-${n} copying`);
}

describe('polling, slots and progress', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('polls with one DescribeSnapshots per account and Region with copies in flight, per tick', async () => {
    h = await startHarness({ pollIntervalMs: MANUAL_TICKS, simulator: { copyDuration: () => 60_000 } });
    const r1 = await fileApproved(h, `${GROUP} to us-west-2`);
    const r2 = await fileApproved(h, `${GROUP} to us-west-2,eu-west-1 to-account audit`);
    const copies = [...(await allCopying(h, r1, 3)), ...(await allCopying(h, r2, 6))];

    const pollCalls = async () => {
      h!.sim.clearCalls();
      await h!.bot.engine.tick();
      return h!.sim.calls.filter((c) => c.action === 'DescribeSnapshots');
    };
    for (let tick = 0; tick < 2; tick++) {
      const polls = await pollCalls();
      expect(polls.map((c) => `${c.accountId}/${c.region}`).sort()).toEqual([
        `${PROD}/us-west-2`,
        `${AUDIT}/eu-west-1`,
        `${AUDIT}/us-west-2`,
      ]);
      for (const poll of polls) {
        const there = copies.filter(
          (c) => c.destination.accountId === poll.accountId && c.destination.region === poll.region,
        );
        for (const c of there) expect(JSON.stringify(poll.params)).toContain(c.newSnapshotId);
      }
    }

    h.sim.clock.advance(61_000);
    expect(await pollCalls()).toHaveLength(3);
    expect((await h.bot.store.getCopies(r1)).every((c) => c.state === 'completed')).toBe(true);
    expect((await h.bot.store.getCopies(r2)).every((c) => c.state === 'completed')).toBe(true);
    // Nothing in flight: nothing to ask.
    expect(await pollCalls()).toHaveLength(0);
  });

  it('fills a freed slot in the same tick that sees the completion', async () => {
    h = await startHarness({
      pollIntervalMs: MANUAL_TICKS,
      simulator: { copyDuration: () => 10_000 },
      configYaml: configWithLimits(['{ account: prod, region: us-west-2, concurrentCopies: 1 }']),
    });
    const n = await fileApproved(h, `${GROUP} to us-west-2`);
    await allCopying(h, n, 1);
    expect(okCalls(h, 'CopySnapshot')).toHaveLength(1);

    for (let started = 2; started <= 3; started++) {
      h.sim.clock.advance(10_000);
      h.sim.clearCalls();
      await h.bot.engine.tick();
      const actions = h.sim.calls.map((c) => c.action);
      const poll = actions.indexOf('DescribeSnapshots');
      const copy = actions.indexOf('CopySnapshot');
      expect(poll).toBeGreaterThan(-1);
      expect(copy).toBeGreaterThan(poll);
      const copies = await h.bot.store.getCopies(n);
      expect(copies.filter((c) => c.state === 'completed')).toHaveLength(started - 1);
      expect(copies.filter((c) => c.state === 'copying')).toHaveLength(1);
    }
    h.sim.clock.advance(10_000);
    await h.bot.engine.tick();
    expect((await copiesEnded(h, n)).every((c) => c.state === 'completed')).toBe(true);
  });

  it('keeps the request message current with chat.update and replies in the thread only on state changes', async () => {
    h = await startHarness({ simulator: { copyDuration: () => 2_500 } });
    const n = await fileApproved(h, `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`);
    const [copy] = await copiesEnded(h, n);
    expect(copy?.state).toBe('completed');
    await eventually(() => repliesMatching(h!, new RegExp(`R-${n} completed`))[0], 'the completion reply');

    const updates = requestUpdates(h, n).map(blocksText);
    const percents = new Set(updates.flatMap((t) => [...t.matchAll(/[█░]{10} (\d+)%/g)].map((m) => m[1])));
    expect(percents.size).toBeGreaterThanOrEqual(3);
    expect(updates.some((t) => t.includes(copy?.newSnapshotId ?? '?') && /[█░]{10} \d+%/.test(t))).toBe(true);
    expect(updates.at(-1)).toContain('done');

    const replies = threadReplies(h.slack);
    expect(replies.filter((t) => t.includes('copy started as'))).toHaveLength(1);
    expect(replies.filter((t) => t.includes('copied to us-west-2'))).toHaveLength(1);
    expect(replies.filter((t) => /\d+%/.test(t))).toEqual([]);
    expect(replies.length).toBeLessThan(percents.size + 3);
  });

  it('cancels queued copies and leaves a started copy to finish, saying so', async () => {
    h = await startHarness({
      pollIntervalMs: MANUAL_TICKS,
      simulator: { copyDuration: () => 10_000 },
      configYaml: configWithLimits(['{ account: prod, region: us-west-2, concurrentCopies: 1 }']),
    });
    const n = await fileApproved(h, `${GROUP} to us-west-2`);
    await allCopying(h, n, 1);

    const ack = await h.send.command(`cancel R-${n}`, REQUESTER, OPS_CHANNEL);
    expect(ack.status).toBe(200);
    const reply = await eventually(() => repliesMatching(h!, /Cancelled by/)[0], 'the cancel reply');
    expect(reply).toContain(`<@${REQUESTER}>`);
    expect(reply).toContain('2 queued copies');
    expect(reply).toMatch(/1 already started copy is left to finish/);
    expect(responses(h.slack).join('\n')).not.toMatch(/error/i);

    const copies = await h.bot.store.getCopies(n);
    expect(copies.map((c) => c.state).sort()).toEqual(['cancelled', 'cancelled', 'copying']);
    h.sim.clock.advance(10_000);
    await h.bot.engine.tick();
    await h.bot.engine.tick();
    const ended = await copiesEnded(h, n);
    expect(ended.map((c) => c.state).sort()).toEqual(['cancelled', 'cancelled', 'completed']);
    expect(h.sim.calls.filter((c) => c.action === 'CopySnapshot' && !c.dryRun)).toHaveLength(1);
    await eventually(() => repliesMatching(h!, /copied to us-west-2/)[0], 'the started copy’s completion');
  });
});
