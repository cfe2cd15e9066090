import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { createCredentialSource } from '../../src/aws/credentials.js';
import type { AccountConfig } from '../../src/domain/types.js';
import { describeSnapshotsPage, type FakeAwsServer, startFakeAwsServer } from './fake-aws-server.js';

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  regions: ['us-east-1'],
  default: true,
  kmsKeys: {},
};

const credentials = createCredentialSource({
  assumeRole: async () => {
    throw new Error('not used: the account has no roleArn');
  },
  ownCredentials: async () => ({ accessKeyId: 'AKIDOWN', secretAccessKey: 'own-secret' }),
  now: () => new Date(),
});

describe('createAwsClients', () => {
  let server: FakeAwsServer;
  beforeAll(async () => {
    server = await startFakeAwsServer();
    server.respond(() => describeSnapshotsPage([]));
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates one client per (account, Region, session) and reuses it', () => {
    const clients = createAwsClients({ credentials });
    try {
      const a = clients.ec2(prod, 'us-east-1', 'snapshot-copy-poller');
      expect(clients.ec2(prod, 'us-east-1', 'snapshot-copy-poller')).toBe(a);
      expect(clients.ec2(prod, 'us-west-2', 'snapshot-copy-poller')).not.toBe(a);
      expect(clients.ec2(prod, 'us-east-1', 'R-1-U1')).not.toBe(a);
    } finally {
      clients.destroy();
    }
  });

  it('configures adaptive retry and the requested attempts', async () => {
    const clients = createAwsClients({ credentials, maxAttempts: 4 });
    try {
      const config = clients.kms(prod, 'us-east-1', 'p').config;
      expect(await config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
      expect(await config.maxAttempts()).toBe(4);
    } finally {
      clients.destroy();
    }
  });

  it('leaves endpoint resolution to the SDK, which honours AWS_ENDPOINT_URL_EC2', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_EC2;
    process.env.AWS_ENDPOINT_URL_EC2 = server.url;
    const clients = createAwsClients({ credentials, maxAttempts: 1 });
    try {
      await clients.ec2(prod, 'us-east-1', 'p').send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
      expect(server.requests.at(-1)?.action).toBe('DescribeSnapshots');
    } finally {
      clients.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
      else process.env.AWS_ENDPOINT_URL_EC2 = previous;
    }
  });

  it('evicts the least recently used client beyond its capacity', () => {
    const clients = createAwsClients({ credentials, maxCachedClients: 2 });
    try {
      const first = clients.ec2(prod, 'us-east-1', 'a');
      clients.ec2(prod, 'us-east-1', 'b');
      clients.ec2(prod, 'us-east-1', 'a'); // touch: now "b" is the oldest
      clients.ec2(prod, 'us-east-1', 'c');
      expect(clients.ec2(prod, 'us-east-1', 'a')).toBe(first);
    } finally {
      clients.destroy();
    }
  });

  it('lets an evicted client finish the call it is serving, then closes it; an idle one at once', async () => {
    let answer: (() => void) | undefined;
    server.respond(
      () =>
        new Promise((resolve) => {
          answer = () => resolve(describeSnapshotsPage([]));
        }),
    );
    const clients = createAwsClients({ credentials, endpoint: server.url, maxCachedClients: 1 });
    try {
      const busy = clients.ec2(prod, 'us-east-1', 'R-1-U1');
      const closeBusy = vi.spyOn(busy, 'destroy');
      const call = busy.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
      await vi.waitFor(() => expect(answer).toBeDefined());

      const idle = clients.ec2(prod, 'us-east-1', 'R-2-U1'); // evicts the busy client
      const closeIdle = vi.spyOn(idle, 'destroy');
      clients.ec2(prod, 'us-east-1', 'R-3-U1'); // evicts the idle one
      expect(closeIdle).toHaveBeenCalledTimes(1);
      expect(closeBusy).not.toHaveBeenCalled();

      answer?.();
      await expect(call).resolves.toMatchObject({ Snapshots: [] });
      expect(closeBusy).toHaveBeenCalledTimes(1);
    } finally {
      server.respond(() => describeSnapshotsPage([]));
      clients.destroy();
    }
  });
});
