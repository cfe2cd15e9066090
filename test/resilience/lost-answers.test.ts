/**
 * Guarantee 2 (SPEC §10): a CopySnapshot whose HTTP answer never arrives is found again by its
 * `snapshot-copy:request` tag, never issued a second time. The simulator makes the copy and cuts
 * the connection (`dropNextCopyResponses`); the bot must still end with exactly one copy per
 * (source, destination), and the request must complete.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { APPROVER, type Harness, OPS_CHANNEL, REQUESTER, startHarness } from '../integration/harness.js';
import { approvalCard, click, responses } from '../integration/slack-actions.js';
import { copySnapshotCalls, duplicates, eventually, worldCopies } from './support.js';

const { prod, audit } = DEMO_ACCOUNTS;

describe('a CopySnapshot whose answer is lost', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function fileAndApprove(harness: Harness, n: number, text: string): Promise<void> {
    await harness.send.command(text, REQUESTER, OPS_CHANNEL);
    await eventually(
      () => responses(harness.slack).some((t) => t.includes(`Filed *R-${n}*`)),
      `R-${n} filed`,
    );
    const card = await approvalCard(harness.slack, n);
    await click(harness.send, card, APPROVER, 'approve_copy', `R-${n}`);
  }

  const state = (harness: Harness) => async () =>
    JSON.stringify({
      copies: await harness.bot.store.listCopies({ limit: 50 }),
      calls: harness.sim.calls
        .filter((c) => c.service === 'ec2' && c.action !== 'DescribeSnapshots')
        .map((c) => `${c.action} ${c.outcome} answered=${c.answered}`),
    });

  it('is not issued a second time, and the copy AWS made completes the request', async () => {
    const harness = await startHarness();
    h = harness;
    harness.sim.dropNextCopyResponses(1);
    await fileAndApprove(harness, 1, `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`);

    await eventually(
      async () => (await harness.bot.store.getRequest(1))?.state === 'completed',
      'R-1 completed',
      20_000,
      state(harness),
    );
    expect(harness.sim.calls.filter((c) => c.action === 'CopySnapshot' && !c.answered)).toHaveLength(1);
    expect(Object.fromEntries(worldCopies(harness.sim))).toEqual({
      [`${DEMO_SNAPSHOTS.unencrypted} → ${prod}/us-west-2`]: 1,
    });
    expect(duplicates(copySnapshotCalls(harness.sim))).toEqual({});
    const copy = (await harness.bot.store.getCopies(1))[0];
    expect(copy?.newSnapshotId).toBe(harness.sim.world.copies()[0]?.snapshotId);
  }, 40_000);

  it('copies each volume of a group once when several answers in a row are lost, cross-account too', async () => {
    const harness = await startHarness();
    h = harness;
    // Every CopySnapshot of the next four is made but unanswered: the whole group, and the cross-account one.
    harness.sim.dropNextCopyResponses(4);
    await fileAndApprove(harness, 1, `tag:Group=db-cluster-1 from us-east-1 to us-west-2`);
    await fileAndApprove(
      harness,
      2,
      `${DEMO_SNAPSHOTS.customerKey} from us-east-1 to us-west-2 to-account audit`,
    );

    await eventually(
      async () =>
        (await harness.bot.store.getRequest(1))?.state === 'completed' &&
        (await harness.bot.store.getRequest(2))?.state === 'completed',
      'R-1 and R-2 completed',
      30_000,
      state(harness),
    );
    expect(duplicates(worldCopies(harness.sim))).toEqual({});
    expect(duplicates(copySnapshotCalls(harness.sim))).toEqual({});
    expect([...worldCopies(harness.sim).keys()].sort()).toEqual(
      [
        ...DEMO_SNAPSHOTS.dbCluster1.map((s) => `${s} → ${prod}/us-west-2`),
        `${DEMO_SNAPSHOTS.customerKey} → ${audit}/us-west-2`,
      ].sort(),
    );
  }, 45_000);
});
