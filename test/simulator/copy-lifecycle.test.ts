import { CopySnapshotCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  A,
  awsError,
  B,
  baseWorld,
  ec2,
  OTHER_REGION,
  REGION,
  startTestSim,
  type TestSim,
  USERS,
} from './helpers.js';

const SRC = 'snap-0000000000000aa01';
const PENDING = 'snap-0000000000000aa02';
const B_ENCRYPTED = 'snap-0000000000000bb01';
const KEY_B_PRIVATE = '0000000b-0000-4000-8000-0000000000b1';
const KEY_B_SHARED = '0000000b-0000-4000-8000-0000000000b2';

function world() {
  return baseWorld({
    keys: [
      { accountId: B, region: OTHER_REGION, keyId: KEY_B_PRIVATE, aliases: ['alias/b-private'] },
      { accountId: B, region: REGION, keyId: KEY_B_SHARED, allowedAccounts: [A] },
    ],
    snapshots: [
      {
        id: SRC,
        ownerId: A,
        region: REGION,
        volumeId: 'vol-0000000000000aa01',
        sizeGiB: 50,
        tags: { Name: 'db', Backup: 'daily' },
      },
      { id: PENDING, ownerId: A, region: REGION, sizeGiB: 50, state: 'pending', progress: 30 },
      { id: B_ENCRYPTED, ownerId: B, region: REGION, sizeGiB: 10, kmsKeyId: KEY_B_SHARED, sharedWith: [A] },
    ],
  });
}

describe('CopySnapshot lifecycle', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(world());
  });
  afterEach(() => t.sim.close());

  const west = () => ec2(t.sim, USERS[A]!, { region: OTHER_REGION });
  const copy = (input: Partial<ConstructorParameters<typeof CopySnapshotCommand>[0]> = {}) =>
    west().send(new CopySnapshotCommand({ SourceRegion: REGION, SourceSnapshotId: SRC, ...input }));
  const describeIn = async (id: string) =>
    (await west().send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots![0]!;

  it('refuses a source that is still pending with IncorrectState', async () => {
    const err = await awsError(copy({ SourceSnapshotId: PENDING }));
    expect(err.name).toBe('IncorrectState');
    expect(err.message).toBe('Snapshot is in invalid state - pending');
  });

  it('refuses a source that does not exist in SourceRegion', async () => {
    expect((await awsError(copy({ SourceRegion: 'eu-west-1' }))).name).toBe('InvalidSnapshot.NotFound');
  });

  it.each([0, 14, 20, 2895, 3000])('refuses CompletionDurationMinutes=%i', async (minutes) => {
    const err = await awsError(copy({ CompletionDurationMinutes: minutes }));
    expect(err.name).toBe('InvalidParameterValue');
  });

  it.each([15, 2880])('accepts CompletionDurationMinutes=%i as a time-based copy', async (minutes) => {
    const out = await copy({ CompletionDurationMinutes: minutes });
    expect(await describeIn(out.SnapshotId!)).toMatchObject({
      TransferType: 'time-based',
      CompletionDurationMinutes: minutes,
    });
  });

  it('answers DryRunOperation without creating anything', async () => {
    expect((await awsError(copy({ DryRun: true }))).name).toBe('DryRunOperation');
    expect(t.sim.world.copies()).toHaveLength(0);
  });

  it('starts pending at 0% and progresses with the clock to completed/100%', async () => {
    const out = await copy({ Description: 'dr copy' });
    const id = out.SnapshotId!;
    expect(id).toMatch(/^snap-[0-9a-f]{17}$/);
    expect(await describeIn(id)).toMatchObject({
      State: 'pending',
      Progress: '0%',
      OwnerId: A,
      VolumeSize: 50,
      Description: 'dr copy',
      VolumeId: 'vol-ffffffff',
    });
    t.clock.advance(30_000);
    expect(await describeIn(id)).toMatchObject({ State: 'pending', Progress: '50%' });
    t.clock.advance(29_999);
    expect((await describeIn(id)).Progress).toBe('99%');
    t.clock.advance(1);
    expect(await describeIn(id)).toMatchObject({ State: 'completed', Progress: '100%' });
  });

  it('does not copy user tags, but applies TagSpecifications', async () => {
    const out = await copy({
      TagSpecifications: [
        { ResourceType: 'snapshot', Tags: [{ Key: 'snapshot-copy:request', Value: 'R-7' }] },
      ],
    });
    expect(out.Tags).toEqual([{ Key: 'snapshot-copy:request', Value: 'R-7' }]);
    expect((await describeIn(out.SnapshotId!)).Tags).toEqual([
      { Key: 'snapshot-copy:request', Value: 'R-7' },
    ]);
    expect(
      (
        await awsError(
          copy({ TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'a', Value: 'b' }] }] }),
        )
      ).name,
    ).toBe('InvalidParameterValue');
    expect(
      (
        await awsError(
          copy({ TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'aws:x', Value: 'b' }] }] }),
        )
      ).name,
    ).toBe('InvalidParameterValue');
  });

  it('answers ResourceLimitExceeded at the concurrent-copy limit, and accepts again once a copy completes', async () => {
    t.sim.world.setCopyLimit(2, { accountId: A, region: OTHER_REGION });
    await copy();
    t.clock.advance(10_000);
    await copy();
    const err = await awsError(copy());
    expect(err.name).toBe('ResourceLimitExceeded');
    expect(err.message).toBe(
      'Too many snapshot copies in progress. The limit is 2 for this destination region.',
    );
    // Other destinations have their own quota.
    await ec2(t.sim, USERS[A]!, { region: 'eu-west-1' }).send(
      new CopySnapshotCommand({ SourceRegion: REGION, SourceSnapshotId: SRC }),
    );
    t.clock.advance(50_000); // the first copy completes
    await expect(copy()).resolves.toMatchObject({ SnapshotId: expect.any(String) });
  });

  it('fails silently when the destination cannot use the target key: success now, error state later', async () => {
    const keyArn = `arn:aws:kms:${OTHER_REGION}:${B}:key/${KEY_B_PRIVATE}`;
    const out = await copy({ Encrypted: true, KmsKeyId: keyArn });
    expect(await describeIn(out.SnapshotId!)).toMatchObject({
      State: 'pending',
      Encrypted: true,
      KmsKeyId: keyArn,
    });
    t.clock.advance(5_000);
    expect(await describeIn(out.SnapshotId!)).toMatchObject({
      State: 'error',
      StateMessage: 'Given key ID is not accessible',
    });
    expect(t.sim.world.copies()[0]).toMatchObject({ keyFailure: 'destination-key' });
  });

  it('treats an unknown key like an inaccessible one, because EC2 checks KmsKeyId asynchronously', async () => {
    const out = await copy({ Encrypted: true, KmsKeyId: 'alias/no-such-key' });
    t.clock.advance(5_000);
    expect(await describeIn(out.SnapshotId!)).toMatchObject({
      State: 'error',
      StateMessage: 'Given key ID is not accessible',
    });
  });

  it('fails silently when the shared source key is not granted to the destination account', async () => {
    const client = ec2(t.sim, USERS[A]!);
    const arn = `arn:aws:kms:${REGION}:${B}:key/${KEY_B_SHARED}`;
    t.sim.world.setKeyAccess(arn, []);
    const out = await client.send(
      new CopySnapshotCommand({ SourceRegion: REGION, SourceSnapshotId: B_ENCRYPTED }),
    );
    t.clock.advance(60_000);
    const d = (await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [out.SnapshotId!] })))
      .Snapshots![0]!;
    expect(d).toMatchObject({ State: 'error', StateMessage: 'Given key ID is not accessible' });
    expect(t.sim.world.copies()[0]).toMatchObject({ keyFailure: 'source-key' });
  });

  it('tracks full vs incremental copies and makes incremental ones faster', async () => {
    const first = await copy();
    t.clock.advance(60_000);
    const second = await copy();
    const encrypted = await copy({ Encrypted: true });
    const copies = () => new Map(t.sim.world.copies().map((c) => [c.snapshotId, c]));
    expect(copies().get(first.SnapshotId!)).toMatchObject({
      incremental: false,
      reason: `first copy of vol-0000000000000aa01 to ${OTHER_REGION}`,
      durationMs: 60_000,
    });
    expect(copies().get(second.SnapshotId!)).toMatchObject({
      incremental: true,
      incrementalBase: first.SnapshotId,
      durationMs: 15_000,
    });
    expect(copies().get(encrypted.SnapshotId!)).toMatchObject({
      incremental: false,
      reason: 'encryption status changed',
    });
    t.clock.advance(60_000);
    await west().send(new DeleteSnapshotCommand({ SnapshotId: first.SnapshotId! }));
    await west().send(new DeleteSnapshotCommand({ SnapshotId: second.SnapshotId! }));
    await west().send(new DeleteSnapshotCommand({ SnapshotId: encrypted.SnapshotId! }));
    const third = await copy();
    expect(copies().get(third.SnapshotId!)).toMatchObject({
      incremental: false,
      reason: 'previous copy gone',
    });
  });

  it('keeps a copy of a copy in its lineage: AWS gives copies vol-ffffffff, but copies incrementally from the original', async () => {
    const first = await copy();
    t.clock.advance(60_000);
    // The second hop: the copy, copied back into the source Region, where the original lives.
    const east = ec2(t.sim, USERS[A]!);
    const back = await east.send(
      new CopySnapshotCommand({ SourceRegion: OTHER_REGION, SourceSnapshotId: first.SnapshotId! }),
    );
    const record = t.sim.world.copies().find((c) => c.snapshotId === back.SnapshotId);
    expect(record).toMatchObject({
      incremental: true,
      incrementalBase: SRC,
      sourceVolumeId: 'vol-0000000000000aa01',
    });
    expect((await describeIn(first.SnapshotId!)).VolumeId).toBe('vol-ffffffff');
  });
});
