import { CopySnapshotCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  A,
  awsError,
  baseWorld,
  ec2,
  kms,
  OTHER_REGION,
  REGION,
  startTestSim,
  sts,
  type TestSim,
  USERS,
} from './helpers.js';

const SRC = 'snap-0000000000000aa01';

describe('injected faults', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(
      baseWorld({ snapshots: [{ id: SRC, ownerId: A, region: REGION, sizeGiB: 8 }], copyLimit: 1000 }),
    );
  });
  afterEach(() => t.sim.close());

  it('throttles at a seeded rate that the SDK retries through', async () => {
    t.sim.setThrottle({ rate: 0.3, seed: 42 });
    const client = ec2(t.sim, USERS[A]!, { maxAttempts: 10 });
    for (let i = 0; i < 20; i++) {
      await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [SRC] }));
    }
    const throttled = t.sim.calls.filter((c) => c.errorCode === 'RequestLimitExceeded');
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.every((c) => c.httpStatus === 503)).toBe(true);
    expect(t.sim.calls.filter((c) => c.outcome === 'ok')).toHaveLength(20);
  });

  it('reproduces the same throttling pattern for the same seed', async () => {
    const pattern = async () => {
      t.sim.clearCalls();
      t.sim.setThrottle({ rate: 0.5, seed: 7 });
      const client = ec2(t.sim, USERS[A]!, { maxAttempts: 20 });
      for (let i = 0; i < 10; i++) await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [SRC] }));
      return t.sim.calls.map((c) => c.outcome).join(',');
    };
    expect(await pattern()).toBe(await pattern());
  });

  it('surfaces each service’s throttling error when every attempt is throttled', async () => {
    t.sim.setThrottle({ rate: 1 });
    const ec2Err = await awsError(
      ec2(t.sim, USERS[A]!, { maxAttempts: 3 }).send(new DescribeSnapshotsCommand({})),
    );
    expect(ec2Err.name).toBe('RequestLimitExceeded');
    expect(ec2Err.$metadata).toMatchObject({ httpStatusCode: 503, attempts: 3 });
    const kmsErr = await awsError(
      kms(t.sim, USERS[A]!, { maxAttempts: 2 }).send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' })),
    );
    expect(kmsErr.name).toBe('ThrottlingException');
    expect(kmsErr.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 2 });
    const stsErr = await awsError(
      sts(t.sim, USERS[A]!, { maxAttempts: 2 }).send(new GetCallerIdentityCommand({})),
    );
    expect(stsErr.name).toBe('Throttling');
    expect(stsErr.$metadata).toMatchObject({ attempts: 2 });
  });

  it('throttles per action and in bursts of the next N calls', async () => {
    t.sim.setThrottle({ actions: { CopySnapshot: 1 } });
    const client = ec2(t.sim, USERS[A]!);
    await client.send(new DescribeSnapshotsCommand({}));
    expect(
      (await awsError(client.send(new CopySnapshotCommand({ SourceRegion: REGION, SourceSnapshotId: SRC }))))
        .name,
    ).toBe('RequestLimitExceeded');
    t.sim.setThrottle({ actions: {} });
    t.sim.throttleNext(2);
    expect((await awsError(client.send(new DescribeSnapshotsCommand({})))).name).toBe('RequestLimitExceeded');
    expect((await awsError(client.send(new DescribeSnapshotsCommand({})))).name).toBe('RequestLimitExceeded');
    await expect(client.send(new DescribeSnapshotsCommand({}))).resolves.toBeTruthy();
  });

  it('loses a CopySnapshot answer after the copy was made', async () => {
    t.sim.dropNextCopyResponses(1);
    const client = ec2(t.sim, USERS[A]!, { region: OTHER_REGION });
    const err = await awsError(
      client.send(
        new CopySnapshotCommand({
          SourceRegion: REGION,
          SourceSnapshotId: SRC,
          TagSpecifications: [
            { ResourceType: 'snapshot', Tags: [{ Key: 'snapshot-copy:request', Value: 'R-9' }] },
          ],
        }),
      ),
    );
    // The SDK sees the connection reset, not an AWS answer.
    expect((err as Error & { code?: string }).code).toBe('ECONNRESET');
    expect(t.sim.calls.at(-1)).toMatchObject({ action: 'CopySnapshot', outcome: 'ok', answered: false });
    const found = await client.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [{ Name: 'tag:snapshot-copy:request', Values: ['R-9'] }],
      }),
    );
    expect(found.Snapshots).toHaveLength(1);
    expect(found.Snapshots?.[0]?.State).toBe('pending');
    // Only the next N are lost.
    await expect(
      client.send(new CopySnapshotCommand({ SourceRegion: REGION, SourceSnapshotId: SRC })),
    ).resolves.toBeTruthy();
  });
});
