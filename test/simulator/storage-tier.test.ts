import { CopySnapshotCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  A,
  awsError,
  baseWorld,
  ec2,
  OTHER_REGION,
  REGION,
  startTestSim,
  type TestSim,
  USERS,
} from './helpers.js';

const STANDARD = 'snap-0000000000000ac01';
const ARCHIVED = 'snap-0000000000000ac02';

describe('snapshot storage tier', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(
      baseWorld({
        snapshots: [
          { id: STANDARD, ownerId: A, region: REGION, sizeGiB: 10 },
          { id: ARCHIVED, ownerId: A, region: REGION, sizeGiB: 10, storageTier: 'archive' },
        ],
      }),
    );
  });
  afterEach(() => t.sim.close());

  it('reports StorageTier in DescribeSnapshots: standard by default, archive when archived', async () => {
    const out = await ec2(t.sim, USERS[A]!).send(
      new DescribeSnapshotsCommand({ SnapshotIds: [STANDARD, ARCHIVED] }),
    );
    const tiers = Object.fromEntries((out.Snapshots ?? []).map((s) => [s.SnapshotId, s.StorageTier]));
    expect(tiers).toEqual({ [STANDARD]: 'standard', [ARCHIVED]: 'archive' });
  });

  it('refuses CopySnapshot of an archived snapshot, and creates nothing', async () => {
    const west = ec2(t.sim, USERS[A]!, { region: OTHER_REGION });
    const err = await awsError(
      west.send(new CopySnapshotCommand({ SourceRegion: REGION, SourceSnapshotId: ARCHIVED })),
    );
    expect(err.name).toBe('IncorrectState');
    expect(err.message).toContain('archive');
    expect(err.message).toContain('RestoreSnapshotTier');
    const inWest = await west.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(inWest.Snapshots ?? []).toEqual([]);
  });
});
