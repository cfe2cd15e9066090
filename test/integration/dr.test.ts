/**
 * Audit-grade DR (issue 15; SPEC §3, §4, §5.7, §9): locked copies, retention of a policy's older
 * copies, and restore drills — the bot against the simulator as its own HTTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DrPolicyConfig } from '../../src/config/schema.js';
import { demoWorld, type SimulatorHandle } from '../../src/simulator/index.js';
import type { WorldSpec } from '../../src/simulator/spec.js';
import { AUDIT, copiesEnded, file, fileApproved, okCalls, PROD } from './engine-support.js';
import { APPROVER, APPROVER2, eventually, type Harness, startHarness, testConfigYaml } from './harness.js';
import { repliesTo } from './requests-support.js';
import { approvalCard, click, tagsOf, threadReplies } from './slack-actions.js';

const DAY = 86_400_000;
const VOLUME = 'vol-0d1ce000000000001';
const POLICY = 'keep-db';

/** The demo world plus `count` snapshots of one prod volume, tagged DR=keep, one second apart. */
function worldWithVolume(): WorldSpec {
  const world = demoWorld();
  world.snapshots = [
    ...(world.snapshots ?? []),
    {
      id: 'snap-0d1ce000000000001',
      volumeId: VOLUME,
      ownerId: PROD,
      region: 'us-east-1',
      sizeGiB: 8,
      tags: { DR: 'keep' },
      startTime: new Date(Date.now() - 60_000),
    },
  ];
  return world;
}

function policyYaml(extra: string): (y: string) => string {
  return (y) =>
    y.replace(
      'drPolicies:\n',
      `drPolicies:\n  - name: ${POLICY}\n    source: { account: prod, region: us-east-1, tag: { key: DR, value: keep } }\n    destination: { account: audit, region: us-west-2 }\n    cron: "0 */6 * * *"\n    rpoHours: 24\n${extra}`,
    );
}

function policy(h: Harness): DrPolicyConfig {
  const p = h.config.drPolicies.find((x) => x.name === POLICY);
  if (!p) throw new Error('policy missing');
  return p;
}

/** Runs the policy once and waits for its copy to complete; returns the new snapshot ID. */
async function runOnce(h: Harness): Promise<string> {
  const result = await h.bot.reports.runPolicy(policy(h));
  if (result.outcome !== 'filed') throw new Error(`policy run: ${result.outcome}`);
  const [copy] = await copiesEnded(h, result.requestNumber);
  if (copy?.state !== 'completed' || !copy.newSnapshotId) throw new Error(`copy ${copy?.state}`);
  return copy.newSnapshotId;
}

const stepsDone = (h: Harness) =>
  eventually(async () => (await h.bot.store.countOpenSteps()) === 0, 'durable steps done', 15_000);

describe('snapshot lock', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('locks a copy for 30 days in governance mode once it completes, and the thread says until when', async () => {
    h = await startHarness({ pollIntervalMs: 150 });
    const n = await fileApproved(h, 'snap-0b0000000000000b1 from us-west-2 to us-east-1 lock 30d');
    const [copy] = await copiesEnded(h, n);
    expect(copy?.state).toBe('completed');
    const lockCall = await eventually(() => okCalls(h!, 'LockSnapshot')[0], 'LockSnapshot');
    expect(lockCall.params).toMatchObject({
      SnapshotId: copy?.newSnapshotId,
      LockMode: 'governance',
      LockDuration: '30',
    });
    const completedCall = h.sim.calls.find(
      (c) =>
        c.action === 'DescribeSnapshots' &&
        h!.sim.world.snapshot(copy!.newSnapshotId!)?.state === 'completed',
    );
    expect(completedCall).toBeDefined();
    const lock = h.sim.world.snapshot(copy!.newSnapshotId!)?.lock;
    expect(lock?.mode).toBe('governance');
    const until = new Date(lock!.expiresOn).toISOString().slice(0, 16).replace('T', ' ');
    const reply = await eventually(
      async () => (await repliesTo(h!, n)).find((t) => t.includes(':lock:')),
      'the lock reply',
    );
    expect(reply).toContain('locked in *governance* mode until');
    expect(reply).toContain(`${until} UTC`);
    expect((await h.bot.store.listAudit({ requestNumber: n })).map((a) => a.action)).toContain('copy.locked');
  });

  it('a compliance lock needs the extra approval of its rule, and the card says nobody can delete it', async () => {
    h = await startHarness({
      pollIntervalMs: 150,
      configYaml: testConfigYaml((y) =>
        y.replace('  rules:\n', '  rules:\n    - when: { lock: compliance }\n      required: 2\n'),
      ),
    });
    const n = await file(h, 'snap-0b0000000000000b1 from us-west-2 to us-east-1 lock 7d compliance');
    const card = await approvalCard(h.slack, n);
    const text = JSON.stringify(card.call.args.blocks);
    expect(text).toContain('Approvals 0/2');
    expect(text).toContain('nobody, not even the account root, can delete it before');
    await click(h.send, card, APPROVER, 'approve_copy', `R-${n}`);
    await eventually(async () => (await h!.bot.store.listDecisions(n)).length === 1, 'first approval');
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    await click(h.send, card, APPROVER2, 'approve_copy', `R-${n}`);
    const [copy] = await copiesEnded(h, n);
    expect(copy?.state).toBe('completed');
    const lockCall = await eventually(() => okCalls(h!, 'LockSnapshot')[0], 'LockSnapshot');
    expect(lockCall.params).toMatchObject({ LockMode: 'compliance', LockDuration: '7' });
  });

  it('a lock the role may not make is told in plain words with the permission; the copy stays completed', async () => {
    h = await startHarness({ pollIntervalMs: 150 });
    h.sim.world.denyAction(PROD, 'LockSnapshot');
    const n = await fileApproved(h, 'snap-0b0000000000000b1 from us-west-2 to us-east-1 lock 30d');
    const reply = await eventually(
      async () => (await repliesTo(h!, n)).find((t) => t.includes('Could not lock')),
      'the lock failure',
    );
    expect(reply).toContain('ec2:LockSnapshot');
    expect(reply).toContain('The copy itself is completed');
    // The pre-flight said so on the card already (LockSnapshot DryRun).
    const card = await approvalCard(h.slack, n);
    expect(JSON.stringify(card.call.args.blocks)).toContain('may not lock snapshots in us-east-1');
    expect((await h.bot.store.getCopies(n))[0]?.state).toBe('completed');
    await stepsDone(h);
  });

  it('a DR policy with lock locks each of its copies', async () => {
    h = await startHarness({
      world: worldWithVolume(),
      pollIntervalMs: 150,
      configYaml: testConfigYaml(policyYaml('    lock: { mode: compliance, days: 10, coolOffHours: 2 }\n')),
    });
    const snapshotId = await runOnce(h);
    const lockCall = await eventually(() => okCalls(h!, 'LockSnapshot')[0], 'LockSnapshot');
    expect(lockCall.params).toMatchObject({
      SnapshotId: snapshotId,
      LockMode: 'compliance',
      LockDuration: '10',
      CoolOffPeriod: '2',
    });
  });
});

describe('retention', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('retain count 2 after four runs keeps the two newest, a locked older copy and a hand-made lookalike', async () => {
    h = await startHarness({
      world: worldWithVolume(),
      pollIntervalMs: 150,
      configYaml: testConfigYaml(policyYaml('    retain: { count: 2 }\n')),
    });
    const world = h.sim.world;
    const lookalike = world.addSnapshot({
      ownerId: AUDIT,
      region: 'us-west-2',
      sizeGiB: 8,
      startTime: new Date(Date.now() - 3_600_000),
      tags: { 'snapshot-copy:policy': POLICY, 'snapshot-copy:source-volume': VOLUME },
      description: 'made by hand',
    });
    const copies: string[] = [await runOnce(h)];
    const now = Date.now();
    world.snapshots.get(copies[0]!)!.lock = {
      mode: 'governance',
      createdOn: now,
      durationStartTime: now,
      expiresOn: now + 30 * DAY,
    };
    for (let i = 2; i <= 4; i++) {
      world.addSnapshot({
        ownerId: PROD,
        region: 'us-east-1',
        volumeId: VOLUME,
        sizeGiB: 8,
        tags: { DR: 'keep' },
      });
      copies.push(await runOnce(h));
      await stepsDone(h);
    }
    const [c1, c2, c3, c4] = copies;
    const inAudit = world.ownedSnapshots(AUDIT, 'us-west-2').map((s) => s.id);
    expect(inAudit).toEqual(expect.arrayContaining([c1, c3, c4, lookalike.id]));
    expect(inAudit).not.toContain(c2);
    const deletes = okCalls(h, 'DeleteSnapshot').map((c) => c.params.SnapshotId);
    expect(deletes).toEqual([c2]);
    const audit = await h.bot.store.listAudit({ limit: 500 });
    expect(
      audit
        .filter((a) => a.action === 'retention.deleted')
        .map((a) => (a.detail as { snapshotId: string }).snapshotId),
    ).toEqual([c2]);
    // The policy never copies the deleted copy's source again: its source is not the newest anyway,
    // and the bot's records still know it was copied.
    const again = await h.bot.reports.runPolicy(policy(h));
    expect(again.outcome).toBe('up-to-date');
    const report = JSON.stringify((await h.bot.reports.reportNow()).blocks);
    expect(report).toContain('1 deleted in the last 24 h, 1 in all');
    // Copies carry the policy tag retention finds them by.
    expect(tagsOf(okCalls(h, 'CopySnapshot')[0]!.params)['snapshot-copy:policy']).toBe(POLICY);
  });

  it('a deletion AWS refuses is reported once, not retried forever', async () => {
    h = await startHarness({
      world: worldWithVolume(),
      pollIntervalMs: 150,
      configYaml: testConfigYaml(policyYaml('    retain: { count: 1 }\n')),
    });
    h.sim.world.denyAction(AUDIT, 'DeleteSnapshot');
    const first = await runOnce(h);
    h.sim.world.addSnapshot({
      ownerId: PROD,
      region: 'us-east-1',
      volumeId: VOLUME,
      sizeGiB: 8,
      tags: { DR: 'keep' },
    });
    await runOnce(h);
    await stepsDone(h);
    const refused = (await h.bot.store.listAudit({ limit: 500 })).filter(
      (a) => a.action === 'retention.refused',
    );
    expect(refused).toHaveLength(1);
    expect(h.sim.world.snapshot(first)).toBeDefined();
    const told = () => threadReplies(h!.slack).filter((t) => t.includes('retention could not delete'));
    const [reply] = await eventually(() => (told().length > 0 ? told() : undefined), 'the refusal told');
    expect(reply).toContain('ec2:DeleteSnapshot');
    await new Promise((r) => setTimeout(r, 500));
    expect(told()).toHaveLength(1);
    expect(okCalls(h, 'DeleteSnapshot')).toHaveLength(0);
    expect(h.sim.calls.filter((c) => c.action === 'DeleteSnapshot')).toHaveLength(1);
  });
});

describe('restore drills', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function drillHarness(): Promise<Harness> {
    let sim: SimulatorHandle | undefined;
    const harness = await startHarness({
      world: worldWithVolume(),
      pollIntervalMs: 150,
      drillPollMs: 100,
      // The bot reads the simulator's clock, so a restore taking minutes takes none in the test.
      now: () => new Date(sim ? sim.clock.now() : Date.now()),
      simulator: { volumeCreateMs: 4 * 60_000 },
      configYaml: testConfigYaml(
        policyYaml('    drill: { cron: "0 3 * * 0", availabilityZone: us-west-2a }\n'),
      ),
    });
    sim = harness.sim;
    return harness;
  }

  it('restores the newest copy, waits until available, records the minutes and deletes the volume', async () => {
    h = await drillHarness();
    const snapshotId = await runOnce(h);
    const drill = await h.bot.reports.runDrill(policy(h), new Date());
    expect(drill).toBeDefined();
    const create = await eventually(() => okCalls(h!, 'CreateVolume')[0], 'CreateVolume');
    expect(create.params).toMatchObject({ SnapshotId: snapshotId, AvailabilityZone: 'us-west-2a' });
    expect(tagsOf(create.params)['snapshot-copy:drill']).toBe(POLICY);
    // A second drill while this one runs is refused by the database, on any replica.
    expect(await h.bot.reports.runDrill(policy(h), new Date(Date.now() + 60_000))).toBeUndefined();
    h.sim.clock.advance(4 * 60_000);
    const deleted = await eventually(() => okCalls(h!, 'DeleteVolume')[0], 'DeleteVolume');
    expect(h.sim.world.volumes.size).toBe(0);
    expect(h.sim.world.deletedVolumes.has(String(deleted.params.VolumeId))).toBe(true);
    const [done] = await h.bot.store.latestDrills();
    expect(done).toMatchObject({ state: 'succeeded', policyName: POLICY });
    expect(done?.minutes).toBeGreaterThanOrEqual(4);
    const report = JSON.stringify((await h.bot.reports.reportNow()).blocks);
    expect(report).toMatch(/restorable in [45] min/);
    expect(report).toContain('*met*');
  });

  it('a copy under a key the destination cannot use fails the drill, the report says why and the policy is not met', async () => {
    h = await drillHarness();
    const snapshotId = await runOnce(h);
    const key = h.sim.world.snapshot(snapshotId)?.kmsKeyArn;
    expect(key).toBeDefined();
    h.sim.world.setKeyEnabled(key!, false);
    await h.bot.reports.runDrill(policy(h), new Date());
    await eventually(() => okCalls(h!, 'CreateVolume')[0], 'CreateVolume');
    h.sim.clock.advance(4 * 60_000);
    await eventually(() => okCalls(h!, 'DeleteVolume')[0], 'the failed volume deleted');
    const [done] = await h.bot.store.latestDrills();
    expect(done?.state).toBe('failed');
    const report = JSON.stringify((await h.bot.reports.reportNow()).blocks);
    expect(report).toContain('Restore drill failed');
    expect(report).toContain('cannot use the KMS key');
    expect(report).not.toContain('*met*');
  });
});
