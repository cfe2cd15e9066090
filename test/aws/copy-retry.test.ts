import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsAccess, createAwsAccess } from '../../src/aws/access.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { createCredentialSource } from '../../src/aws/credentials.js';
import { AwsError } from '../../src/aws/errors.js';
import { createAwsGateway } from '../../src/aws/gateway.js';
import type { AccountConfig } from '../../src/domain/types.js';
import {
  DEMO_ACCOUNTS,
  DEMO_PROD_EXTERNAL_ID,
  DEMO_ROLE_NAME,
  DEMO_SNAPSHOTS,
  demoWorld,
  SANDBOX_IDENTITY,
  type SimulatorHandle,
  startSimulator,
} from '../../src/simulator/index.js';
import {
  describeSnapshotsPage,
  ec2Error,
  type FakeAwsServer,
  startFakeAwsServer,
} from './fake-aws-server.js';

const prod: AccountConfig = {
  alias: 'prod',
  id: DEMO_ACCOUNTS.prod,
  roleArn: `arn:aws:iam::${DEMO_ACCOUNTS.prod}:role/${DEMO_ROLE_NAME}`,
  externalId: DEMO_PROD_EXTERNAL_ID,
  regions: ['us-east-1', 'us-west-2'],
  default: true,
  kmsKeys: {},
};

const copyInput = {
  sourceRegion: 'us-west-2',
  sourceSnapshotId: DEMO_SNAPSHOTS.prodWest,
  tags: [{ key: 'snapshot-copy:request', value: 'R-1' }],
};

describe('CopySnapshot is never repeated blindly (it takes no ClientToken)', () => {
  let sim: SimulatorHandle;
  let aws: AwsAccess;
  beforeEach(async () => {
    sim = await startSimulator({ world: demoWorld(), copyDuration: () => 60_000 });
    aws = createAwsAccess({
      stsRegion: 'us-east-1',
      endpoint: sim.url,
      ownCredentials: async () => ({
        accessKeyId: SANDBOX_IDENTITY.accessKeyId,
        secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
      }),
      maxAttempts: 4,
    });
  });
  afterEach(async () => {
    aws.destroy();
    await sim.close();
  });

  it('reports a lost answer as a network error without calling again, leaving one copy', async () => {
    sim.dropNextCopyResponses(1);
    const error = await aws.gateway.copySnapshot(prod, 'us-east-1', copyInput, 'R-1-U1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).code).toBe('network');
    expect(sim.calls.filter((c) => c.action === 'CopySnapshot')).toHaveLength(1);
    expect(sim.world.copies()).toHaveLength(1);
  });

  it('retries throttled CopySnapshot calls, which AWS refused before acting', async () => {
    sim.throttleNext(2, 'CopySnapshot');
    const { snapshotId } = await aws.gateway.copySnapshot(prod, 'us-east-1', copyInput, 'R-1-U1');
    const calls = sim.calls.filter((c) => c.action === 'CopySnapshot');
    expect(calls.map((c) => c.errorCode ?? 'ok')).toEqual([
      'RequestLimitExceeded',
      'RequestLimitExceeded',
      'ok',
    ]);
    expect(sim.world.copies().map((c) => c.snapshotId)).toEqual([snapshotId]);
  });

  it('still retries other calls after a lost connection', async () => {
    sim.dropNextCopyResponses(1);
    await aws.gateway.copySnapshot(prod, 'us-east-1', copyInput, 'R-1-U1').catch(() => undefined);
    sim.throttleNext(1, 'DescribeSnapshots');
    const found = await aws.gateway.findSnapshotsByTags(
      prod,
      'us-east-1',
      [{ key: 'snapshot-copy:request', value: 'R-1' }],
      'R-1-U1',
    );
    expect(found).toHaveLength(1);
  });
});

describe('server errors', () => {
  let server: FakeAwsServer;
  beforeAll(async () => {
    server = await startFakeAwsServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('are retried for idempotent calls but not for CopySnapshot, where AWS may have acted', async () => {
    const own: AccountConfig = {
      alias: 'own',
      id: '111111111111',
      regions: ['us-east-1'],
      default: true,
      kmsKeys: {},
    };
    const clients = createAwsClients({
      credentials: createCredentialSource({
        assumeRole: async () => {
          throw new Error('not used');
        },
        ownCredentials: async () => ({ accessKeyId: 'AKIDOWN', secretAccessKey: 'own-secret' }),
        now: () => new Date(),
      }),
      endpoint: server.url,
      maxAttempts: 3,
    });
    const gateway = createAwsGateway({ clients });
    try {
      let calls = 0;
      server.respond(() =>
        ++calls === 1 ? ec2Error('InternalError', 'oops', 500) : describeSnapshotsPage([]),
      );
      await gateway.describeSnapshots(own, 'us-east-1', {}, 'p');
      expect(calls).toBe(2);

      server.requests.length = 0;
      server.respond(() => ec2Error('InternalError', 'oops', 500));
      const error = await gateway.copySnapshot(own, 'us-east-1', copyInput, 'p').then(
        () => undefined,
        (e: unknown) => e as AwsError,
      );
      expect(server.requests.filter((r) => r.action === 'CopySnapshot')).toHaveLength(1);
      expect(error).toMatchObject({ code: 'unknown', retryable: true });
    } finally {
      clients.destroy();
    }
  });
});
