import {
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeLockedSnapshotsCommand,
  DescribeVolumesCommand,
  LockSnapshotCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { A, awsError, B, baseWorld, ec2, REGION, startTestSim, type TestSim, USERS } from './helpers.js';

const SNAP = 'snap-0000000000000bb01';
const ENCRYPTED = 'snap-0000000000000bb02';
const KEY = '0000000b-0000-4000-8000-00000000000b';
const DAY = 86_400_000;

describe('snapshot lock and volumes (restore drills)', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(
      baseWorld({
        keys: [{ accountId: A, region: REGION, keyId: KEY, aliases: ['alias/a-ebs'] }],
        snapshots: [
          { id: SNAP, ownerId: A, region: REGION, sizeGiB: 8 },
          { id: ENCRYPTED, ownerId: A, region: REGION, sizeGiB: 8, kmsKeyId: KEY },
        ],
      }),
    );
  });
  afterEach(() => t.sim.close());

  it('locks in governance mode for N days and answers with the lock dates', async () => {
    const now = t.clock.now();
    const out = await ec2(t.sim, USERS[A]!).send(
      new LockSnapshotCommand({ SnapshotId: SNAP, LockMode: 'governance', LockDuration: 30 }),
    );
    expect(out.LockState).toBe('governance');
    expect(out.LockDuration).toBe(30);
    expect(out.LockExpiresOn?.getTime()).toBe(now + 30 * DAY);
    expect(out.LockCreatedOn?.getTime()).toBe(now);
  });

  it('a compliance lock is in its cooling-off period first, then compliance', async () => {
    const client = ec2(t.sim, USERS[A]!);
    const out = await client.send(
      new LockSnapshotCommand({
        SnapshotId: SNAP,
        LockMode: 'compliance',
        LockDuration: 7,
        CoolOffPeriod: 24,
      }),
    );
    expect(out.LockState).toBe('compliance-cooloff');
    expect(out.CoolOffPeriod).toBe(24);
    t.clock.advance(25 * 3_600_000);
    const listed = await client.send(new DescribeLockedSnapshotsCommand({ SnapshotIds: [SNAP] }));
    expect(listed.Snapshots?.[0]).toMatchObject({ SnapshotId: SNAP, LockState: 'compliance', OwnerId: A });
  });

  it('refuses to delete a locked snapshot, and deletes it once the lock expired', async () => {
    const client = ec2(t.sim, USERS[A]!);
    await client.send(new LockSnapshotCommand({ SnapshotId: SNAP, LockMode: 'governance', LockDuration: 1 }));
    const err = await awsError(client.send(new DeleteSnapshotCommand({ SnapshotId: SNAP })));
    expect(err.name).toBe('SnapshotLocked');
    t.clock.advance(DAY + 1);
    await client.send(new DeleteSnapshotCommand({ SnapshotId: SNAP }));
    expect(t.sim.world.snapshot(SNAP)).toBeUndefined();
  });

  it('answers DryRunOperation, or UnauthorizedOperation when IAM denies LockSnapshot', async () => {
    const client = ec2(t.sim, USERS[A]!);
    const dry = await awsError(
      client.send(
        new LockSnapshotCommand({ SnapshotId: SNAP, LockMode: 'governance', LockDuration: 1, DryRun: true }),
      ),
    );
    expect(dry.name).toBe('DryRunOperation');
    t.sim.world.denyAction(A, 'LockSnapshot');
    const denied = await awsError(
      client.send(new LockSnapshotCommand({ SnapshotId: SNAP, LockMode: 'governance', LockDuration: 1 })),
    );
    expect(denied.name).toBe('UnauthorizedOperation');
  });

  it('rejects a lock without a duration and a cooling-off period in governance mode', async () => {
    const client = ec2(t.sim, USERS[A]!);
    expect(
      (await awsError(client.send(new LockSnapshotCommand({ SnapshotId: SNAP, LockMode: 'governance' }))))
        .name,
    ).toBe('InvalidParameterCombination');
    expect(
      (
        await awsError(
          client.send(
            new LockSnapshotCommand({
              SnapshotId: SNAP,
              LockMode: 'governance',
              LockDuration: 1,
              CoolOffPeriod: 2,
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterCombination');
  });

  it('creates a volume from a snapshot: creating, then available; idempotent by ClientToken; deleted', async () => {
    const client = ec2(t.sim, USERS[A]!);
    const input = {
      SnapshotId: ENCRYPTED,
      AvailabilityZone: `${REGION}a`,
      ClientToken: 'drill-1',
      TagSpecifications: [
        { ResourceType: 'volume' as const, Tags: [{ Key: 'snapshot-copy:drill', Value: 'p' }] },
      ],
    };
    const created = await client.send(new CreateVolumeCommand(input));
    expect(created.State).toBe('creating');
    expect(created.Encrypted).toBe(true);
    const again = await client.send(new CreateVolumeCommand(input));
    expect(again.VolumeId).toBe(created.VolumeId);
    t.clock.advance(10_000);
    const described = await client.send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'tag:snapshot-copy:drill', Values: ['p'] }] }),
    );
    expect(described.Volumes).toHaveLength(1);
    expect(described.Volumes?.[0]).toMatchObject({
      VolumeId: created.VolumeId,
      State: 'available',
      SnapshotId: ENCRYPTED,
    });
    await client.send(new DeleteVolumeCommand({ VolumeId: created.VolumeId! }));
    const gone = await awsError(client.send(new DescribeVolumesCommand({ VolumeIds: [created.VolumeId!] })));
    expect(gone.name).toBe('InvalidVolume.NotFound');
  });

  it('a volume whose key the account cannot use goes to error', async () => {
    const client = ec2(t.sim, USERS[A]!);
    t.sim.world.setKeyEnabled(t.sim.world.key(KEY, { accountId: A, region: REGION }).arn, false);
    const created = await client.send(
      new CreateVolumeCommand({ SnapshotId: ENCRYPTED, AvailabilityZone: `${REGION}b` }),
    );
    t.clock.advance(10_000);
    const out = await client.send(new DescribeVolumesCommand({ VolumeIds: [created.VolumeId!] }));
    expect(out.Volumes?.[0]?.State).toBe('error');
  });

  it('refuses an Availability Zone of another Region and volumes of other accounts', async () => {
    const client = ec2(t.sim, USERS[A]!);
    const zone = await awsError(
      client.send(new CreateVolumeCommand({ SnapshotId: SNAP, AvailabilityZone: 'us-west-2a' })),
    );
    expect(zone.name).toBe('InvalidZone.NotFound');
    const v = await client.send(
      new CreateVolumeCommand({ SnapshotId: SNAP, AvailabilityZone: `${REGION}a` }),
    );
    const other = await awsError(
      ec2(t.sim, USERS[B]!).send(new DeleteVolumeCommand({ VolumeId: v.VolumeId! })),
    );
    expect(other.name).toBe('InvalidVolume.NotFound');
  });
});
