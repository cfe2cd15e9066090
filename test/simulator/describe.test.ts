import {
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  paginateDescribeSnapshots,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  A,
  awsError,
  B,
  baseWorld,
  C,
  ec2,
  OTHER_REGION,
  REGION,
  startTestSim,
  type TestSim,
  USERS,
} from './helpers.js';

const GROUP = ['snap-00000000000000a01', 'snap-00000000000000a02', 'snap-00000000000000a03'];

function world() {
  return baseWorld({
    snapshots: [
      ...GROUP.map((id, i) => ({
        id,
        ownerId: A,
        region: REGION,
        volumeId: `vol-00000000000000a0${i + 1}`,
        sizeGiB: 10 * (i + 1),
        tags: { Group: 'db-cluster-1', Backup: 'daily' },
        description: `db ${i + 1}`,
      })),
      {
        id: 'snap-00000000000000b01',
        ownerId: A,
        region: REGION,
        volumeId: 'vol-00000000000000b01',
        sizeGiB: 5,
        state: 'pending' as const,
        progress: 40,
      },
      { id: 'snap-00000000000000c01', ownerId: A, region: OTHER_REGION, sizeGiB: 5 },
      {
        id: 'snap-00000000000000d01',
        ownerId: B,
        region: REGION,
        sizeGiB: 7,
        sharedWith: [A],
        tags: { Team: 'b' },
      },
      { id: 'snap-00000000000000d02', ownerId: B, region: REGION, sizeGiB: 7 },
      {
        id: 'snap-00000000000000e01',
        ownerId: C,
        region: REGION,
        sizeGiB: 1,
        state: 'error' as const,
        stateMessage: 'Given key ID is not accessible',
        progress: 12,
      },
    ],
  });
}

describe('DescribeSnapshots', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(world());
  });
  afterEach(() => t.sim.close());

  it('returns the group selected by tag filters, with tags, sizes and percent progress', async () => {
    const out = await ec2(t.sim, USERS[A]!).send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [
          { Name: 'tag:Group', Values: ['db-cluster-1'] },
          { Name: 'tag-key', Values: ['Backup'] },
          { Name: 'status', Values: ['completed'] },
        ],
      }),
    );
    const snaps = out.Snapshots ?? [];
    expect(snaps.map((s) => s.SnapshotId).sort()).toEqual(GROUP);
    const first = snaps.find((s) => s.SnapshotId === GROUP[0])!;
    expect(first).toMatchObject({
      VolumeId: 'vol-00000000000000a01',
      VolumeSize: 10,
      State: 'completed',
      Progress: '100%',
      OwnerId: A,
      Encrypted: false,
      Description: 'db 1',
      StorageTier: 'standard',
    });
    expect(first.StartTime).toBeInstanceOf(Date);
    expect(first.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Group', Value: 'db-cluster-1' },
        { Key: 'Backup', Value: 'daily' },
      ]),
    );
  });

  it('filters by snapshot-id, volume-id and owner-id, with wildcards', async () => {
    const client = ec2(t.sim, USERS[A]!);
    const byVolume = await client.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: 'volume-id', Values: ['vol-00000000000000a02'] }] }),
    );
    expect(byVolume.Snapshots?.map((s) => s.SnapshotId)).toEqual([GROUP[1]]);
    const byId = await client.send(
      new DescribeSnapshotsCommand({
        Filters: [{ Name: 'snapshot-id', Values: ['snap-00000000000000a0*'] }],
      }),
    );
    expect(byId.Snapshots).toHaveLength(3);
    const byOwner = await client.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: 'owner-id', Values: [B] }] }),
    );
    expect(byOwner.Snapshots?.map((s) => s.SnapshotId)).toEqual(['snap-00000000000000d01']);
  });

  it('shows a pending snapshot with its progress, and an errored one with its StateMessage', async () => {
    const pending = await ec2(t.sim, USERS[A]!).send(
      new DescribeSnapshotsCommand({ SnapshotIds: ['snap-00000000000000b01'] }),
    );
    expect(pending.Snapshots?.[0]).toMatchObject({ State: 'pending', Progress: '40%' });
    const failed = await ec2(t.sim, USERS[C]!).send(
      new DescribeSnapshotsCommand({ SnapshotIds: ['snap-00000000000000e01'] }),
    );
    expect(failed.Snapshots?.[0]).toMatchObject({
      State: 'error',
      StateMessage: 'Given key ID is not accessible',
    });
  });

  it('includes snapshots shared with the caller, only in their Region, and honours RestorableBy', async () => {
    const client = ec2(t.sim, USERS[A]!);
    const all = await client.send(new DescribeSnapshotsCommand({}));
    const ids = all.Snapshots?.map((s) => s.SnapshotId) ?? [];
    expect(ids).toContain('snap-00000000000000d01');
    expect(ids).not.toContain('snap-00000000000000d02');
    expect(ids).not.toContain('snap-00000000000000c01');
    const own = await client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(own.Snapshots?.map((s) => s.SnapshotId)).not.toContain('snap-00000000000000d01');
    const sharedByB = await client.send(
      new DescribeSnapshotsCommand({ OwnerIds: [B], RestorableByUserIds: ['self'] }),
    );
    expect(sharedByB.Snapshots?.map((s) => s.SnapshotId)).toEqual(['snap-00000000000000d01']);
    const west = await ec2(t.sim, USERS[A]!, { region: OTHER_REGION }).send(
      new DescribeSnapshotsCommand({ OwnerIds: ['self'] }),
    );
    expect(west.Snapshots?.map((s) => s.SnapshotId)).toEqual(['snap-00000000000000c01']);
  });

  it('answers InvalidSnapshot.NotFound for an explicit ID that is not visible to the caller', async () => {
    const err = await awsError(
      ec2(t.sim, USERS[A]!).send(
        new DescribeSnapshotsCommand({ SnapshotIds: [GROUP[0]!, 'snap-00000000000000d02'] }),
      ),
    );
    expect(err.name).toBe('InvalidSnapshot.NotFound');
    expect(err.message).toBe("The snapshot 'snap-00000000000000d02' does not exist.");
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('rejects malformed snapshot IDs', async () => {
    const err = await awsError(
      ec2(t.sim, USERS[A]!).send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-xyz'] })),
    );
    expect(err.name).toBe('InvalidSnapshotID.Malformed');
  });

  it('paginates with MaxResults and NextToken and the SDK paginator walks every page', async () => {
    for (let i = 0; i < 12; i++) {
      t.sim.world.addSnapshot({ ownerId: A, region: REGION, sizeGiB: 1, tags: { Bulk: 'yes' } });
    }
    const client = ec2(t.sim, USERS[A]!);
    const first = await client.send(
      new DescribeSnapshotsCommand({ MaxResults: 5, Filters: [{ Name: 'tag:Bulk', Values: ['yes'] }] }),
    );
    expect(first.Snapshots).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const pages: number[] = [];
    const seen = new Set<string>();
    for await (const page of paginateDescribeSnapshots(
      { client, pageSize: 5 },
      { OwnerIds: ['self'], Filters: [{ Name: 'tag:Bulk', Values: ['yes'] }] },
    )) {
      pages.push(page.Snapshots?.length ?? 0);
      for (const s of page.Snapshots ?? []) seen.add(s.SnapshotId!);
    }
    expect(pages).toEqual([5, 5, 2]);
    expect(seen.size).toBe(12);
  });

  it('validates MaxResults and refuses it together with SnapshotIds', async () => {
    const client = ec2(t.sim, USERS[A]!);
    expect((await awsError(client.send(new DescribeSnapshotsCommand({ MaxResults: 4 })))).name).toBe(
      'InvalidParameterValue',
    );
    expect((await awsError(client.send(new DescribeSnapshotsCommand({ MaxResults: 1001 })))).name).toBe(
      'InvalidParameterValue',
    );
    expect(
      (await awsError(client.send(new DescribeSnapshotsCommand({ MaxResults: 5, SnapshotIds: [GROUP[0]!] }))))
        .name,
    ).toBe('InvalidParameterCombination');
    expect((await awsError(client.send(new DescribeSnapshotsCommand({ NextToken: 'garbage' })))).name).toBe(
      'InvalidPaginationToken',
    );
  });

  it('rejects an unknown filter name', async () => {
    const err = await awsError(
      ec2(t.sim, USERS[A]!).send(
        new DescribeSnapshotsCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] }),
      ),
    );
    expect(err.name).toBe('InvalidParameterValue');
  });

  it('answers InvalidAction for an EC2 action it does not simulate', async () => {
    const err = await awsError(ec2(t.sim, USERS[A]!).send(new DescribeImagesCommand({})));
    expect(err.name).toBe('InvalidAction');
    expect(err.message).toBe('The action DescribeImages is not valid for this web service.');
  });

  it('logs each call with service, action, account, Region, access key and parsed params', async () => {
    await ec2(t.sim, USERS[A]!).send(new DescribeSnapshotsCommand({ SnapshotIds: [GROUP[0]!] }));
    await awsError(
      ec2(t.sim, USERS[A]!).send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-00000000000000d02'] })),
    );
    expect(t.sim.calls).toHaveLength(2);
    expect(t.sim.calls[0]).toMatchObject({
      service: 'ec2',
      action: 'DescribeSnapshots',
      accountId: A,
      region: REGION,
      accessKeyId: USERS[A]!.accessKeyId,
      params: { 'SnapshotId.1': GROUP[0] },
      outcome: 'ok',
    });
    expect(t.sim.calls[1]).toMatchObject({ outcome: 'error', errorCode: 'InvalidSnapshot.NotFound' });
  });

  it('refuses an unsigned request with the missing-authentication error', async () => {
    const res = await fetch(t.sim.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeSnapshots&Version=2016-11-15',
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('refuses unknown access keys with AuthFailure', async () => {
    const err = await awsError(
      ec2(t.sim, { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' }).send(
        new DescribeSnapshotsCommand({}),
      ),
    );
    expect(err.name).toBe('AuthFailure');
  });
});
