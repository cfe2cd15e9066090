/**
 * Provenance instead of volume IDs (SPEC §5.5): AWS gives every copy the volume `vol-ffffffff`, so
 * the bot tags its copies with `snapshot-copy:source-volume` and groups by that — a tag group of
 * copies (a second hop) copies every member, not one per `vol-ffffffff`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS, demoWorld } from '../../src/simulator/index.js';
import type { SnapshotSpec } from '../../src/simulator/spec.js';
import { copiesEnded, fileApproved, okCalls, PROD } from './engine-support.js';
import { type Harness, startHarness } from './harness.js';

/** The tags a CopySnapshot call asked for, as `Key=Value`. */
function tagsOf(params: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (let i = 1; params[`TagSpecification.1.Tag.${i}.Key`] !== undefined; i++)
    out.push(
      `${String(params[`TagSpecification.1.Tag.${i}.Key`])}=${String(params[`TagSpecification.1.Tag.${i}.Value`])}`,
    );
  return out;
}

describe('provenance volumes', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('tags a copy with the volume its source was taken from', async () => {
    h = await startHarness({ pollIntervalMs: 200, simulator: { copyDuration: () => 300 } });
    const n = await fileApproved(h, `${DEMO_SNAPSHOTS.prodWest} from us-west-2 to us-east-1`);
    await copiesEnded(h, n);
    const source = h.sim.world.snapshots.get(DEMO_SNAPSHOTS.prodWest)!;
    const [call] = okCalls(h, 'CopySnapshot');
    expect(tagsOf(call!.params)).toContain(`snapshot-copy:source-volume=${source.volumeId}`);
  });

  it('copies every member of a tag group of copies, each tagged with its own provenance volume', async () => {
    const world = demoWorld();
    const hops: SnapshotSpec[] = [1, 2, 3].map((i) => ({
      id: `snap-0beef00000000000${i}`,
      volumeId: 'vol-ffffffff',
      ownerId: PROD,
      region: 'us-west-2',
      sizeGiB: 8,
      description: `second hop ${i}`,
      tags: { Group: 'hop2', 'snapshot-copy:source-volume': `vol-0origin00000000${i}` },
    }));
    world.snapshots = [...(world.snapshots ?? []), ...hops];
    h = await startHarness({ world, pollIntervalMs: 200, simulator: { copyDuration: () => 300 } });
    const n = await fileApproved(h, 'tag:Group=hop2 from us-west-2 to us-east-1');
    const copies = await copiesEnded(h, n);
    expect(copies.map((c) => c.source.snapshotId).sort()).toEqual(hops.map((s) => s.id));
    expect(copies.every((c) => c.state === 'completed')).toBe(true);
    const tagged = okCalls(h, 'CopySnapshot')
      .map((c) => tagsOf(c.params).find((t) => t.startsWith('snapshot-copy:source-volume=')))
      .sort();
    expect(tagged).toEqual([1, 2, 3].map((i) => `snapshot-copy:source-volume=vol-0origin00000000${i}`));
  });
});
