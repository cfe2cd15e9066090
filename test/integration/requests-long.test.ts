import { afterEach, describe, expect, it } from 'vitest';
import type { SnapshotSpec } from '../../src/simulator/index.js';
import { demoWorld } from '../../src/simulator/index.js';
import type { Harness } from './harness.js';
import { fileRequest, requestMessage, shown, startRequestsHarness } from './requests-support.js';
import { approvalCard } from './slack-actions.js';

const PROD = '111111111111';

/** The demo world plus `count` encrypted snapshots (alias/prod-ebs) tagged Group=`group`. */
function worldWithEncryptedGroup(group: string, count: number, sizeGiB: number) {
  const world = demoWorld();
  const snapshots: SnapshotSpec[] = [];
  for (let i = 1; i <= count; i++) {
    const hex = i.toString(16).padStart(4, '0');
    snapshots.push({
      id: `snap-0e4c00000000${hex}0`,
      volumeId: `vol-0e4c00000000${hex}0`,
      ownerId: PROD,
      region: 'us-east-1',
      sizeGiB,
      description: `${group} volume ${i}`,
      encrypted: true,
      kmsKeyId: 'alias/prod-ebs',
      tags: { Group: group, Name: `${group}-${i}` },
    });
  }
  world.snapshots = [...(world.snapshots ?? []), ...snapshots];
  return world;
}

type Blocks = Array<{ type: string; text?: { text: string } }>;

describe('a long request on the approval card (SPEC §5 step 1)', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('30 encrypted sources to 2 Regions: the posted card shows every total, within Slack limits', async () => {
    h = await startRequestsHarness({ world: worldWithEncryptedGroup('big', 30, 50) });
    const n = await fileRequest(h, 'tag:Group=big to us-west-2,us-east-1');
    expect(await h.bot.store.getCopies(n)).toHaveLength(60);

    const { call } = await approvalCard(h.slack, n);
    const card = shown(call);
    expect(card).toContain('→ us-west-2: 30 copies, 1.5 TiB');
    expect(card).toContain('→ us-east-1: 30 copies, 1.5 TiB');
    expect(card).toContain('Total: 60 copies, 2.9 TiB');
    const more = [...card.matchAll(/…and (\d+) more, ([\d.]+ [GT]iB)/g)];
    expect(more.length).toBeGreaterThan(0);
    const listed = (card.match(/• `snap-0e4c/g) ?? []).length;
    expect(listed + more.reduce((s, m) => s + Number(m[1]), 0)).toBe(60);

    const blocks = call.args.blocks as Blocks;
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);

    const message = requestMessage(h, n);
    const msgBlocks = (await message).args.blocks as Blocks;
    expect(msgBlocks.length).toBeLessThanOrEqual(50);
    for (const b of msgBlocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
  }, 30_000);
});
