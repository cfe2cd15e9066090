/**
 * The two-hop plan (SPEC §5.2, §5.5): a cross-account source under the AWS managed key `aws/ebs`
 * cannot be shared, so with `shareKmsKeys` for its account and Region the bot copies it within its
 * own account re-keyed with that key (the intermediate, tagged `snapshot-copy:hop=intermediate`),
 * shares that copy, copies it into the destination, then unshares and deletes the intermediate.
 * Without `shareKmsKeys` the request is refused, naming it as the fix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { AUDIT, approve, copiesEnded, file, okCalls, PROD } from './engine-support.js';
import { eventually, type Harness, startHarness, testConfigYaml } from './harness.js';
import { repliesTo, shown } from './requests-support.js';
import { approvalCard, tagsOf } from './slack-actions.js';

const LEGACY = DEMO_SNAPSHOTS.awsManagedKey; // prod us-east-1, aws/ebs, 30 GiB
const withShareKey = () =>
  testConfigYaml((y) =>
    y.replace('    default: true\n', '    default: true\n    shareKmsKeys: { us-east-1: alias/prod-ebs }\n'),
  );

describe('a cross-account copy of an aws/ebs source', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is copied in two hops through a re-keyed intermediate, which is unshared and deleted at the end', async () => {
    h = await startHarness({ configYaml: withShareKey(), pollIntervalMs: 150 });
    const n = await file(h, `${LEGACY} from us-east-1 to us-west-2 to-account audit`);
    const card = await approvalCard(h.slack, n);
    // The card shows both hops, each with the GiB it moves.
    expect(shown(card.call)).toContain('hop 1/2 (re-key in prod)');
    expect(shown(card.call)).toContain('hop 2/2');
    expect(shown(card.call)).toContain('alias/prod-ebs');
    // Each hop moves the volume, and both are priced: the intermediate stores nothing for long.
    expect(shown(card.call).match(/moves 30 GiB/g)).toHaveLength(2);
    expect(shown(card.call)).toContain('Full copies move *60 GiB* in total.');
    expect(shown(card.call)).toContain('Est. cost: $0 transfer, then $0/month storage');
    expect(shown(card.call)).toContain('audit (222222222222) us-west-2 · *cross-account*');
    // Pre-flight of hop 1, in prod under the share key; the aws/ebs source itself is never shared.
    expect(shown(card.call)).not.toContain(':warning:');
    const dryRuns = h.sim.calls.filter((c) => c.dryRun);
    expect(dryRuns.map((c) => [c.action, c.accountId, c.params.KmsKeyId])).toEqual([
      ['CopySnapshot', PROD, 'alias/prod-ebs'],
    ]);
    expect(okCalls(h, 'CopySnapshot')).toEqual([]);

    await approve(h, n);
    const copies = await copiesEnded(h, n, 30_000);
    expect(copies.map((c) => [c.hop, c.state])).toEqual([
      ['intermediate', 'completed'],
      ['final', 'completed'],
    ]);
    const [hop1, hop2] = copies;
    const intermediate = hop1!.newSnapshotId!;

    const [first, second] = okCalls(h, 'CopySnapshot');
    // Hop 1: in prod's own account and Region, re-keyed with the share key, tagged as temporary.
    expect(first).toMatchObject({
      accountId: PROD,
      region: 'us-east-1',
      params: {
        SourceSnapshotId: LEGACY,
        SourceRegion: 'us-east-1',
        KmsKeyId: 'alias/prod-ebs',
        Encrypted: 'true',
      },
    });
    expect(tagsOf(first!.params)).toMatchObject({
      'snapshot-copy:hop': 'intermediate',
      'snapshot-copy:source': LEGACY,
    });
    // Hop 2: in audit, from the shared intermediate; its provenance names the original source.
    expect(second).toMatchObject({
      accountId: AUDIT,
      region: 'us-west-2',
      params: { SourceSnapshotId: intermediate, SourceRegion: 'us-east-1' },
    });
    const finalTags = tagsOf(second!.params);
    expect(finalTags).toMatchObject({
      'snapshot-copy:source': LEGACY,
      'snapshot-copy:source-region': 'us-east-1',
      'snapshot-copy:source-volume': 'vol-0e0000000000000e1',
      'snapshot-copy:request': `R-${n}`,
    });
    expect(finalTags['snapshot-copy:hop']).toBeUndefined();
    expect(h.sim.world.snapshot(hop2!.newSnapshotId!)?.state).toBe('completed');

    // The intermediate was shared with audit for hop 2 only, then unshared and deleted.
    await eventually(
      () => !h!.sim.world.snapshots.get(intermediate) || undefined,
      'the intermediate deleted',
    );
    const shares = okCalls(h, 'ModifySnapshotAttribute').filter((c) => c.params.SnapshotId === intermediate);
    expect(shares.map((c) => c.params.OperationType)).toEqual(['add', 'remove']);
    // Unshared first, then deleted.
    expect(shares[1]!.seq).toBeLessThan(okCalls(h, 'DeleteSnapshot')[0]!.seq);
    expect(okCalls(h, 'DeleteSnapshot').map((c) => [c.accountId, c.params.SnapshotId])).toEqual([
      [PROD, intermediate],
    ]);
    expect(okCalls(h, 'ModifySnapshotAttribute').filter((c) => c.params.SnapshotId === LEGACY)).toEqual([]);

    const thread = await eventually(async () => {
      const replies = await repliesTo(h!, n);
      return replies.some((t) => t.includes('Deleted the intermediate copy')) ? replies : undefined;
    }, 'the deletion told in the thread');
    expect(thread.filter((t) => t.includes('hop 1/2')).length).toBeGreaterThanOrEqual(2); // started, completed
    expect(thread.filter((t) => t.includes('hop 2/2')).length).toBeGreaterThanOrEqual(2);
    const audit = (await h.bot.store.listAudit({ requestNumber: n })).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['share.removed', 'intermediate.deleted']));
  });

  it('deletes the intermediate when the request is cancelled before the second hop', async () => {
    h = await startHarness({
      configYaml: withShareKey(),
      pollIntervalMs: 150,
      simulator: { copyDuration: ({ crossRegion }) => (crossRegion ? 60_000 : 1_500) },
    });
    const n = await file(h, `${LEGACY} from us-east-1 to us-west-2 to-account audit`);
    await approve(h, n);
    const hop1 = await eventually(async () => {
      const [c] = await h!.bot.store.getCopies(n);
      return c?.state === 'copying' ? c : undefined;
    }, 'hop 1 copying');
    await h.send.command(`cancel R-${n}`, 'U0REQUESTER', 'C0OPS');
    await eventually(
      async () => (await h!.bot.store.getCopies(n))[1]?.state === 'cancelled',
      'hop 2 cancelled',
    );
    await eventually(
      () => !h!.sim.world.snapshots.get(hop1.newSnapshotId!) || undefined,
      'the intermediate deleted',
    );
    expect(okCalls(h, 'CopySnapshot')).toHaveLength(1);
    expect(okCalls(h, 'ModifySnapshotAttribute')).toEqual([]);
  });

  it('fails the final hop when the intermediate fails, saying why, and deletes the failed intermediate', async () => {
    h = await startHarness({ configYaml: withShareKey(), pollIntervalMs: 150 });
    const n = await file(h, `${LEGACY} from us-east-1 to us-west-2 to-account audit`);
    // The share key is disabled after filing: AWS accepts hop 1 and fails it later, as it does.
    const key = h.sim.world.keys.resolve('alias/prod-ebs', { accountId: PROD, region: 'us-east-1' });
    if (!key.ok) throw new Error('no share key in the demo world');
    key.key.enabled = false;
    await approve(h, n);
    const [hop1, hop2] = await copiesEnded(h, n, 30_000);
    expect([hop1?.state, hop1?.failure?.code]).toEqual(['failed', 'key-not-accessible']);
    expect([hop2?.state, hop2?.failure?.code]).toEqual(['failed', 'intermediate-failed']);
    expect(okCalls(h, 'CopySnapshot')).toHaveLength(1);
    const replies = await eventually(async () => {
      const r = await repliesTo(h!, n);
      return r.some((t) => t.includes('Deleted the intermediate copy')) ? r : undefined;
    }, 'the failed intermediate deleted');
    expect(replies.some((t) => t.includes('hop 2/2') && t.includes('its first hop, the re-keyed copy'))).toBe(
      true,
    );
    expect(okCalls(h, 'DeleteSnapshot').map((c) => c.params.SnapshotId)).toEqual([hop1!.newSnapshotId]);
    expect(okCalls(h, 'ModifySnapshotAttribute')).toEqual([]);
  });

  it('is refused without shareKmsKeys, naming it as the fix', async () => {
    h = await startHarness();
    const line = `${LEGACY} from us-east-1 to us-west-2 to-account audit`;
    await expect(file(h, line)).rejects.toThrow(/shareKmsKeys/);
    expect(okCalls(h, 'CopySnapshot')).toEqual([]);
  });
});
