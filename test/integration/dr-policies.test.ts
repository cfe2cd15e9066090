/**
 * A DR policy judges each snapshot on its own (SPEC §5.2): one source that must be refused — here a
 * cross-account source under the AWS managed key `aws/ebs`, which cannot be shared — does not stop
 * the policy's other copies; the policy's channel is told which snapshot was refused and why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_SNAPSHOTS, demoWorld } from '../../src/simulator/index.js';
import { okCalls } from './engine-support.js';
import { eventually, type Harness, startHarness, testConfigYaml } from './harness.js';

const POLICY = `drPolicies:
  - name: mixed-to-audit
    source: { account: prod, region: us-east-1, tag: { key: DR, value: mixed } }
    destination: { account: audit, region: us-west-2 }
    channel: C0DRSTATUS
    cron: "* * * * * *"
    rpoHours: 24
`;

describe('DR policies', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('copies the other volumes when one source must be refused, and says which and why', async () => {
    const world = demoWorld();
    const mixed = new Set<string>([DEMO_SNAPSHOTS.unencrypted, DEMO_SNAPSHOTS.awsManagedKey]);
    world.snapshots = (world.snapshots ?? []).map((s) =>
      s.id !== undefined && mixed.has(s.id) ? { ...s, tags: { ...s.tags, DR: 'mixed' } } : s,
    );
    h = await startHarness({
      world,
      configYaml: testConfigYaml((y) => y.replace(/drPolicies:\n[\s\S]*$/, POLICY)),
      simulator: { copyDuration: () => 300 },
    });
    const harness = h;

    const copied = await eventually(
      () =>
        okCalls(harness, 'CopySnapshot').find(
          (c) => c.params.SourceSnapshotId === DEMO_SNAPSHOTS.unencrypted,
        ),
      'the policy copies the plain snapshot',
      15_000,
    );
    expect(copied.accountId).toBe(DEMO_ACCOUNTS.audit);
    const told = await eventually(
      () =>
        harness.slack
          .callsTo('chat.postMessage')
          .map((c) => String(c.args.text ?? ''))
          .find((t) => t.includes('could not copy this snapshot')),
      'the policy channel is told about the refused snapshot',
      15_000,
    );
    expect(told).toContain('DR policy *mixed-to-audit* filed *R-1*');
    expect(told).toContain(`${DEMO_SNAPSHOTS.awsManagedKey} is encrypted with the AWS managed key aws/ebs`);

    // Every later run finds the plain snapshot copied (or on its way) and files nothing more.
    await new Promise((r) => setTimeout(r, 2_500));
    const sources = okCalls(harness, 'CopySnapshot').map((c) => c.params.SourceSnapshotId);
    expect(sources).toEqual([DEMO_SNAPSHOTS.unencrypted]);
  });
});
