/**
 * 4. Click to copy: from the approving click (a signed block_actions request) to the CopySnapshot
 * call arriving at the simulator, with a free slot and the default 30 s poll interval: the
 * dispatcher must start the copy on the approval, not at the next poll tick.
 *
 * The floor is the AWS work itself: a new role session (AssumeRole), reading the source
 * (DescribeSnapshots) and CopySnapshot, made straight through the bot's AWS gateway.
 */
import { DEMO_SNAPSHOTS, demoWorld } from '../src/simulator/index.js';
import { APPROVER, OPS_CHANNEL, REQUESTER, testConfigYaml } from '../test/integration/harness.js';
import { approvalCard, click } from '../test/integration/slack-actions.js';
import { type Measurement, ms, sleep, startBenchBot, summary, until } from './support.js';

export async function measureClick(o: { repeats: number }): Promise<Measurement> {
  const b = await startBenchBot({
    world: demoWorld(),
    configYaml: testConfigYaml(),
    // Copies outlast the measurement: every click meets a destination with fewer than 20 in flight.
    copyDuration: () => 3_600_000,
  });
  try {
    const copyCalls = (after: number) =>
      b.sim.calls.find((c) => c.action === 'CopySnapshot' && c.seq > after && c.outcome === 'ok');
    const lastSeq = () => b.sim.calls[b.sim.calls.length - 1]?.seq ?? 0;

    const clickToCopy: number[] = [];
    const clickAck: number[] = [];
    let timeouts = 0;
    for (let i = 1; i <= o.repeats; i++) {
      await b.send.command(
        `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2 note "click ${i}"`,
        REQUESTER,
        OPS_CHANNEL,
      );
      const card = await approvalCard(b.slack, i);
      // Let the filing's own follow-ups (request message, receipt) settle, as a human takes a moment to read.
      await sleep(300);
      const before = lastSeq();
      const t0 = Date.now();
      const res = await click(b.send, card, APPROVER, 'approve_copy', `R-${i}`);
      clickAck.push(Date.now() - t0);
      if (res.status !== 200) throw new Error(`click on R-${i} answered ${res.status}`);
      if (!(await until(() => copyCalls(before) !== undefined, 10_000, 2))) {
        timeouts++;
        continue;
      }
      clickToCopy.push(copyCalls(before)!.time - t0);
    }

    const prod = b.config.accounts.find((a) => a.alias === 'prod')!;
    const floor: number[] = [];
    for (let i = 1; i <= o.repeats; i++) {
      const before = lastSeq();
      const session = `bench-floor-${i}`;
      const t0 = Date.now();
      await b.bot.aws.gateway.describeSnapshots(
        prod,
        'us-east-1',
        { snapshotIds: [DEMO_SNAPSHOTS.unencrypted] },
        session,
      );
      // Another Region than the bot's copies, so the floor takes none of their slots.
      await b.bot.aws.gateway.copySnapshot(
        prod,
        'eu-west-1',
        {
          sourceRegion: 'us-east-1',
          sourceSnapshotId: DEMO_SNAPSHOTS.unencrypted,
          description: 'floor',
          tags: [],
        },
        session,
      );
      floor.push(copyCalls(before)!.time - t0);
      await sleep(50);
    }

    const c = summary(clickToCopy);
    const f = summary(floor);
    const a = summary(clickAck);
    return {
      name: 'click',
      rows: [
        {
          figure: `click to CopySnapshot p50 (${clickToCopy.length}x)`,
          value: ms(c.p50),
          reference: `AWS calls alone ${ms(f.p50)}`,
          ratio: c.p50 / f.p50,
          target: '< 1000 ms',
          pass: c.p50 < 1_000 && timeouts === 0,
        },
        {
          figure: 'click to CopySnapshot max',
          value: ms(c.max),
          reference: `AWS calls alone ${ms(f.max)}; next poll tick 30 s`,
          ratio: c.max / f.max,
          target: '< 1000 ms',
          pass: c.max < 1_000 && timeouts === 0,
        },
      ],
      details: { clickToCopy: c, floor: f, clickAck: a, timeouts, samples: clickToCopy },
    };
  } finally {
    await b.close();
  }
}
