import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, demoWorld } from '../../src/simulator/index.js';
import { eventually, type Harness } from './harness.js';
import { command, mutatingCalls, responsesSince, settle, startRequestsHarness } from './requests-support.js';

const ARCHIVED = 'snap-0a4c0000000000a41';

describe('sources that cannot be copied are refused at filing', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('refuses an archived source with the restore advice, and changes nothing', async () => {
    const world = demoWorld();
    world.snapshots = [...(world.snapshots ?? [])];
    world.snapshots.push({
      id: ARCHIVED,
      ownerId: DEMO_ACCOUNTS.prod,
      region: 'us-east-1',
      volumeId: 'vol-0a4c0000000000a41',
      sizeGiB: 50,
      storageTier: 'archive',
      description: 'archived',
    });
    h = await startRequestsHarness({ world });
    const harness = h;
    await command(harness, `${ARCHIVED} to us-west-2`);
    const answer = await eventually(
      () => responsesSince(harness, 0).find((t) => t.includes('nothing was filed')),
      'archive answer',
    );
    expect(answer).toContain(`${ARCHIVED} is in the archive tier`);
    expect(answer).toContain('CopySnapshot does not accept archived snapshots');
    expect(answer).toContain(`aws ec2 restore-snapshot-tier --snapshot-id ${ARCHIVED}`);
    await settle();
    expect(await harness.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(mutatingCalls(harness)).toEqual([]);
    expect(harness.sim.calls.filter((c) => c.action === 'CopySnapshot')).toEqual([]);
    expect(harness.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('points a missing source at the Recycle Bin', async () => {
    h = await startRequestsHarness();
    const harness = h;
    await command(harness, 'snap-0123456789abcdef0 to us-west-2');
    const answer = await eventually(
      () => responsesSince(harness, 0).find((t) => t.includes('nothing was filed')),
      'not-found answer',
    );
    expect(answer).toContain('Recycle Bin');
    expect(answer).toContain('aws ec2 list-snapshots-in-recycle-bin --snapshot-ids snap-0123456789abcdef0');
    expect(answer).toContain('aws rbin list-rules');
    expect(mutatingCalls(harness)).toEqual([]);
  });
});
