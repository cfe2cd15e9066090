import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { A, awsError, B, baseWorld, C, ec2, REGION, startTestSim, type TestSim, USERS } from './helpers.js';

const SNAP = 'snap-0000000000000aa01';
const AWS_MANAGED = 'snap-0000000000000aa02';
const KEY = '0000000a-0000-4000-8000-00000000000a';

describe('sharing, tags, deletion and EBS encryption settings', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(
      baseWorld({
        keys: [{ accountId: A, region: REGION, keyId: KEY, aliases: ['alias/a-default'] }],
        snapshots: [
          { id: SNAP, ownerId: A, region: REGION, sizeGiB: 8 },
          { id: AWS_MANAGED, ownerId: A, region: REGION, sizeGiB: 8, encrypted: true },
        ],
      }),
    );
  });
  afterEach(() => t.sim.close());

  const visibleTo = async (account: string) =>
    (await ec2(t.sim, USERS[account]!).send(new DescribeSnapshotsCommand({}))).Snapshots?.map(
      (s) => s.SnapshotId,
    ) ?? [];
  const permissions = async () =>
    (
      await ec2(t.sim, USERS[A]!).send(
        new DescribeSnapshotAttributeCommand({ SnapshotId: SNAP, Attribute: 'createVolumePermission' }),
      )
    ).CreateVolumePermissions;

  it('shares and unshares with OperationType + UserIds', async () => {
    const owner = ec2(t.sim, USERS[A]!);
    expect(await visibleTo(B)).not.toContain(SNAP);
    await owner.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: SNAP,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        UserIds: [B],
      }),
    );
    expect(await visibleTo(B)).toContain(SNAP);
    expect(await visibleTo(C)).not.toContain(SNAP);
    expect(await permissions()).toEqual([{ UserId: B }]);
    await owner.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: SNAP,
        Attribute: 'createVolumePermission',
        OperationType: 'remove',
        UserIds: [B],
      }),
    );
    expect(await visibleTo(B)).not.toContain(SNAP);
    expect(await permissions()).toEqual([]);
  });

  it('shares and unshares with the CreateVolumePermission Add/Remove form', async () => {
    const owner = ec2(t.sim, USERS[A]!);
    await owner.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: SNAP,
        CreateVolumePermission: { Add: [{ UserId: B }, { UserId: C }] },
      }),
    );
    expect(await visibleTo(C)).toContain(SNAP);
    await owner.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: SNAP,
        CreateVolumePermission: { Remove: [{ UserId: C }] },
      }),
    );
    expect(await visibleTo(C)).not.toContain(SNAP);
    expect(await permissions()).toEqual([{ UserId: B }]);
  });

  it('lets only the owner change or read permissions', async () => {
    t.sim.world.snapshots.get(SNAP)!.sharedWith.add(B);
    const err = await awsError(
      ec2(t.sim, USERS[B]!).send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: SNAP,
          Attribute: 'createVolumePermission',
          OperationType: 'add',
          UserIds: [C],
        }),
      ),
    );
    expect(err.name).toBe('UnauthorizedOperation');
    expect(
      (
        await awsError(
          ec2(t.sim, USERS[C]!).send(
            new DescribeSnapshotAttributeCommand({ SnapshotId: SNAP, Attribute: 'createVolumePermission' }),
          ),
        )
      ).name,
    ).toBe('InvalidSnapshot.NotFound');
  });

  it('refuses to share a snapshot encrypted with the AWS managed key', async () => {
    const err = await awsError(
      ec2(t.sim, USERS[A]!).send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: AWS_MANAGED,
          Attribute: 'createVolumePermission',
          OperationType: 'add',
          UserIds: [B],
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameter');
  });

  it('adds tags with CreateTags and deletes snapshots with DeleteSnapshot', async () => {
    const owner = ec2(t.sim, USERS[A]!);
    await owner.send(new CreateTagsCommand({ Resources: [SNAP], Tags: [{ Key: 'Team', Value: 'dr' }] }));
    const d = await owner.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:Team', Values: ['dr'] }] }),
    );
    expect(d.Snapshots?.map((s) => s.SnapshotId)).toEqual([SNAP]);
    await owner.send(new DeleteSnapshotCommand({ SnapshotId: SNAP }));
    expect((await awsError(owner.send(new DescribeSnapshotsCommand({ SnapshotIds: [SNAP] })))).name).toBe(
      'InvalidSnapshot.NotFound',
    );
    expect((await awsError(owner.send(new DeleteSnapshotCommand({ SnapshotId: SNAP })))).name).toBe(
      'InvalidSnapshot.NotFound',
    );
  });

  it('reports encryption by default and the default EBS key per account and Region', async () => {
    const client = ec2(t.sim, USERS[A]!);
    expect((await client.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(false);
    expect((await client.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe(
      `arn:aws:kms:${REGION}:${A}:alias/aws/ebs`,
    );
    t.sim.world.setEncryptionByDefault(A, REGION, true, 'alias/a-default');
    expect((await client.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);
    expect((await client.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe(
      `arn:aws:kms:${REGION}:${A}:key/${KEY}`,
    );
    expect(
      (await ec2(t.sim, USERS[B]!).send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault,
    ).toBe(false);
  });
});
