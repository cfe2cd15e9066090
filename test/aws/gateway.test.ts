import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from '../../src/aws/clients.js';
import { type AssumeRoleParams, createCredentialSource } from '../../src/aws/credentials.js';
import { AwsError } from '../../src/aws/errors.js';
import { type AwsGateway, createAwsGateway } from '../../src/aws/gateway.js';
import type { AccountConfig } from '../../src/domain/types.js';
import {
  describeSnapshotsPage,
  ec2Error,
  ec2Ok,
  type FakeAwsServer,
  filtersOf,
  listParam,
  type RecordedRequest,
  startFakeAwsServer,
} from './fake-aws-server.js';

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  regions: ['us-east-1', 'us-west-2'],
  default: true,
  kmsKeys: {},
};
const audit: AccountConfig = {
  alias: 'audit',
  id: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/snapshot-copy-bot',
  regions: ['us-west-2'],
  default: false,
  kmsKeys: {},
};

let server: FakeAwsServer;
let clients: AwsClients;
let gateway: AwsGateway;
const assumed: AssumeRoleParams[] = [];

beforeAll(async () => {
  server = await startFakeAwsServer();
  const credentials = createCredentialSource({
    assumeRole: async (params) => {
      assumed.push(params);
      return {
        accessKeyId: 'ASIAAUDIT',
        secretAccessKey: 'role-secret',
        sessionToken: 'role-token',
        expiration: new Date(Date.now() + 3_600_000),
      };
    },
    ownCredentials: async () => ({ accessKeyId: 'AKIDOWN', secretAccessKey: 'own-secret' }),
    now: () => new Date(),
  });
  // One attempt: error mapping is asserted on the first answer; the retry test builds its own.
  clients = createAwsClients({ credentials, endpoint: server.url, maxAttempts: 1 });
  gateway = createAwsGateway({ clients, pageSize: 5, filterValuesPerCall: 3 });
});

afterAll(async () => {
  clients.destroy();
  await server.close();
});

afterEach(() => {
  server.requests.length = 0;
});

const onlyAction = (action: string): RecordedRequest[] => server.requests.filter((r) => r.action === action);

describe('describeSnapshots', () => {
  it('pages through NextToken and maps every field', async () => {
    server.respond(({ params }) =>
      params.get('NextToken') === null
        ? describeSnapshotsPage(
            [
              {
                id: 'snap-0aaaaaaaaaaaaaaa1',
                volumeId: 'vol-0aaaaaaaaaaaaaaa1',
                size: 100,
                encrypted: true,
                kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/k1',
                description: 'nightly',
                tags: { Backup: 'daily', Name: 'db-1' },
              },
            ],
            'page-2',
          )
        : describeSnapshotsPage([
            {
              id: 'snap-0bbbbbbbbbbbbbbb2',
              status: 'error',
              progress: '37%',
              statusMessage: 'Given key ID is not accessible',
              startTime: '2024-05-02T08:30:00.000Z',
            },
          ]),
    );
    const snapshots = await gateway.describeSnapshots(
      prod,
      'us-east-1',
      { tags: [{ key: 'Backup', value: 'daily' }] },
      'R-1-U1',
    );
    expect(snapshots).toEqual([
      {
        snapshotId: 'snap-0aaaaaaaaaaaaaaa1',
        ownerId: '111111111111',
        volumeId: 'vol-0aaaaaaaaaaaaaaa1',
        volumeSizeGiB: 100,
        state: 'completed',
        encrypted: true,
        kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/k1',
        startTime: new Date('2024-05-01T10:00:00.000Z'),
        description: 'nightly',
        tags: [
          { key: 'Backup', value: 'daily' },
          { key: 'Name', value: 'db-1' },
        ],
        progress: 100,
      },
      {
        snapshotId: 'snap-0bbbbbbbbbbbbbbb2',
        ownerId: '111111111111',
        volumeId: 'vol-0123456789abcdef0',
        volumeSizeGiB: 8,
        state: 'error',
        encrypted: false,
        startTime: new Date('2024-05-02T08:30:00.000Z'),
        tags: [],
        progress: 37,
        stateMessage: 'Given key ID is not accessible',
      },
    ]);
    const calls = onlyAction('DescribeSnapshots');
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.params.get('NextToken'))).toEqual([null, 'page-2']);
    for (const call of calls) {
      expect(filtersOf(call.params)).toEqual({ 'tag:Backup': ['daily'] });
      expect(call.params.get('MaxResults')).toBe('5');
      // Without snapshot IDs the search is limited to the account's own snapshots.
      expect(listParam(call.params, 'Owner')).toEqual(['self']);
    }
  });

  it('passes volume, owner, restorable-by and state criteria', async () => {
    server.respond(() => describeSnapshotsPage([]));
    await gateway.describeSnapshots(
      prod,
      'us-east-1',
      {
        volumeIds: ['vol-1', 'vol-2'],
        ownerIds: ['self', '333333333333'],
        restorableBy: ['222222222222'],
        states: ['completed'],
      },
      'R-1-U1',
    );
    const [call] = onlyAction('DescribeSnapshots');
    expect(filtersOf(call!.params)).toEqual({ status: ['completed'], 'volume-id': ['vol-1', 'vol-2'] });
    expect(listParam(call!.params, 'Owner')).toEqual(['self', '333333333333']);
    expect(listParam(call!.params, 'RestorableBy')).toEqual(['222222222222']);
  });

  it('asks nothing for an empty ID list', async () => {
    expect(await gateway.describeSnapshots(prod, 'us-east-1', { snapshotIds: [] }, 'p')).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('maps an EC2 error to a coded AwsError naming account and Region', async () => {
    server.respond(() =>
      ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
    );
    const error = await gateway.describeSnapshots(prod, 'us-west-2', {}, 'p').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({
      code: 'unauthorized',
      awsCode: 'UnauthorizedOperation',
      requestId: 'req-err-1',
      message:
        'DescribeSnapshots in prod (111111111111) us-west-2: UnauthorizedOperation: You are not authorized to perform this operation.',
    });
  });
});

describe('snapshotStatuses', () => {
  it('covers many copies with snapshot-id filters in chunks, paginated, and flags key failures', async () => {
    const ids = ['snap-01', 'snap-02', 'snap-03', 'snap-04', 'snap-05', 'snap-03'];
    server.respond(({ params }) => {
      const wanted = filtersOf(params)['snapshot-id'] ?? [];
      // The second chunk answers in two pages; snap-05 was deleted and is simply absent.
      if (wanted.includes('snap-04') && params.get('NextToken') === null) {
        return describeSnapshotsPage([{ id: 'snap-04', status: 'pending', progress: '' }], 'more');
      }
      if (params.get('NextToken') === 'more') return describeSnapshotsPage([]);
      return describeSnapshotsPage(
        wanted.map((id) =>
          id === 'snap-02'
            ? { id, status: 'error', progress: '12%', statusMessage: 'Given key ID is not accessible' }
            : { id, status: 'pending', progress: '45%' },
        ),
      );
    });
    const statuses = await gateway.snapshotStatuses(audit, 'us-west-2', ids, 'snapshot-copy-poller');
    expect(statuses).toEqual([
      { snapshotId: 'snap-01', state: 'pending', progress: 45 },
      {
        snapshotId: 'snap-02',
        state: 'error',
        progress: 12,
        stateMessage: 'Given key ID is not accessible',
        failureCode: 'key-not-accessible',
      },
      { snapshotId: 'snap-03', state: 'pending', progress: 45 },
      { snapshotId: 'snap-04', state: 'pending', progress: 0 },
    ]);
    const calls = onlyAction('DescribeSnapshots');
    expect(calls.map((c) => filtersOf(c.params)['snapshot-id'])).toEqual([
      ['snap-01', 'snap-02', 'snap-03'],
      ['snap-04', 'snap-05'],
      ['snap-04', 'snap-05'],
    ]);
    // Polling by ID needs no owner restriction: copies shared in are found as well.
    expect(calls.every((c) => listParam(c.params, 'Owner').length === 0)).toBe(true);
    // The role session names the poller (CloudTrail) and the call is signed with the role's key.
    expect(assumed.at(-1)).toMatchObject({ roleArn: audit.roleArn, sessionName: 'snapshot-copy-poller' });
    expect(calls[0]?.headers.authorization).toContain('Credential=ASIAAUDIT/');
    expect(calls[0]?.headers.authorization).toContain('/us-west-2/ec2/aws4_request');
  });
});

describe('findSnapshotsByTags', () => {
  it('filters by every tag among the account’s own snapshots', async () => {
    server.respond(() =>
      describeSnapshotsPage([{ id: 'snap-0ccc', tags: { 'snapshot-copy:request': 'R-7' } }]),
    );
    const found = await gateway.findSnapshotsByTags(
      audit,
      'us-west-2',
      [
        { key: 'snapshot-copy:request', value: 'R-7' },
        { key: 'snapshot-copy:source', value: 'snap-0src' },
      ],
      'R-7-U1',
    );
    expect(found.map((s) => s.snapshotId)).toEqual(['snap-0ccc']);
    const [call] = onlyAction('DescribeSnapshots');
    expect(filtersOf(call!.params)).toEqual({
      'tag:snapshot-copy:request': ['R-7'],
      'tag:snapshot-copy:source': ['snap-0src'],
    });
    expect(listParam(call!.params, 'Owner')).toEqual(['self']);
  });
});

describe('copySnapshot', () => {
  it('sends every CopySnapshot parameter and returns the new snapshot ID', async () => {
    server.respond(() => ec2Ok('CopySnapshot', '<snapshotId>snap-0new</snapshotId>'));
    const result = await gateway.copySnapshot(
      audit,
      'us-west-2',
      {
        sourceRegion: 'us-east-1',
        sourceSnapshotId: 'snap-0src',
        encrypted: true,
        kmsKeyId: 'alias/audit-ebs',
        description: 'before migration',
        completionDurationMinutes: 60,
        tags: [
          { key: 'snapshot-copy:request', value: 'R-12' },
          { key: 'Name', value: 'db-1' },
        ],
      },
      'R-12-U0ABC',
    );
    expect(result).toEqual({ snapshotId: 'snap-0new' });
    const [call] = onlyAction('CopySnapshot');
    const params = Object.fromEntries(call!.params);
    expect(params).toMatchObject({
      SourceRegion: 'us-east-1',
      SourceSnapshotId: 'snap-0src',
      DestinationRegion: 'us-west-2',
      Encrypted: 'true',
      KmsKeyId: 'alias/audit-ebs',
      Description: 'before migration',
      CompletionDurationMinutes: '60',
      'TagSpecification.1.ResourceType': 'snapshot',
      'TagSpecification.1.Tag.1.Key': 'snapshot-copy:request',
      'TagSpecification.1.Tag.1.Value': 'R-12',
      'TagSpecification.1.Tag.2.Key': 'Name',
      'TagSpecification.1.Tag.2.Value': 'db-1',
    });
    // Called in the destination account and Region, under the request's role session.
    expect(call!.headers.authorization).toContain('Credential=ASIAAUDIT/');
    expect(call!.headers.authorization).toContain('/us-west-2/ec2/aws4_request');
    expect(assumed.at(-1)).toMatchObject({ sessionName: 'R-12-U0ABC' });
  });

  it('omits optional parameters that were not asked for', async () => {
    server.respond(() => ec2Ok('CopySnapshot', '<snapshotId>snap-0new2</snapshotId>'));
    await gateway.copySnapshot(
      prod,
      'us-west-2',
      { sourceRegion: 'us-east-1', sourceSnapshotId: 'snap-0src', tags: [] },
      'R-1-U1',
    );
    const keys = [...onlyAction('CopySnapshot')[0]!.params.keys()];
    for (const absent of [
      'Encrypted',
      'KmsKeyId',
      'Description',
      'CompletionDurationMinutes',
      'TagSpecification.1.ResourceType',
    ]) {
      expect(keys).not.toContain(absent);
    }
  });

  it('refuses KmsKeyId without Encrypted before calling AWS', async () => {
    await expect(
      gateway.copySnapshot(
        prod,
        'us-west-2',
        { sourceRegion: 'us-east-1', sourceSnapshotId: 'snap-0src', kmsKeyId: 'alias/x', tags: [] },
        'R-1-U1',
      ),
    ).rejects.toMatchObject({ code: 'invalid-parameter' });
    expect(server.requests).toHaveLength(0);
  });

  it('reports ResourceLimitExceeded as a retryable copy-limit', async () => {
    server.respond(() =>
      ec2Error('ResourceLimitExceeded', 'You have reached the maximum number of concurrent snapshot copies.'),
    );
    await expect(
      gateway.copySnapshot(
        prod,
        'us-west-2',
        { sourceRegion: 'us-east-1', sourceSnapshotId: 'snap-0src', tags: [] },
        'R-1-U1',
      ),
    ).rejects.toMatchObject({ code: 'copy-limit', retryable: true, awsCode: 'ResourceLimitExceeded' });
  });
});

describe('sharing', () => {
  it('adds and removes createVolumePermission for the destination account', async () => {
    server.respond(() => ec2Ok('ModifySnapshotAttribute', '<return>true</return>'));
    await gateway.shareSnapshot(prod, 'us-east-1', 'snap-0src', '222222222222', 'R-3-U1');
    await gateway.unshareSnapshot(prod, 'us-east-1', 'snap-0src', '222222222222', 'R-3-U1');
    const calls = onlyAction('ModifySnapshotAttribute').map((c) => Object.fromEntries(c.params));
    expect(calls).toEqual([
      expect.objectContaining({
        SnapshotId: 'snap-0src',
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        'UserId.1': '222222222222',
      }),
      expect.objectContaining({ OperationType: 'remove', 'UserId.1': '222222222222' }),
    ]);
  });
});

describe('DryRun pre-flight of a copy and a share', () => {
  const input = {
    sourceRegion: 'us-east-1',
    sourceSnapshotId: 'snap-0src',
    encrypted: true,
    kmsKeyId: 'alias/audit-ebs',
    tags: [{ key: 'snapshot-copy:source', value: 'snap-0src' }],
  };

  it('sends the copy parameters with DryRun and reads DryRunOperation (412) as allowed', async () => {
    server.respond(() =>
      ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
    );
    expect(await gateway.mayCopySnapshot(audit, 'us-west-2', input, 'snapshot-copy-filing-U1')).toBe(
      'allowed',
    );
    const params = Object.fromEntries(onlyAction('CopySnapshot')[0]!.params);
    expect(params).toMatchObject({
      DryRun: 'true',
      SourceRegion: 'us-east-1',
      SourceSnapshotId: 'snap-0src',
      Encrypted: 'true',
      KmsKeyId: 'alias/audit-ebs',
      'TagSpecification.1.Tag.1.Key': 'snapshot-copy:source',
    });
  });

  it('reads UnauthorizedOperation as denied', async () => {
    server.respond(() =>
      ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
    );
    expect(await gateway.mayCopySnapshot(audit, 'us-west-2', input, 'snapshot-copy-filing-U1')).toBe(
      'denied',
    );
    expect(
      await gateway.mayShareSnapshot(prod, 'us-east-1', 'snap-0src', audit.id, 'snapshot-copy-filing-U1'),
    ).toBe('denied');
  });

  it('throws what else AWS answers: the check could not decide', async () => {
    server.respond(() => ec2Error('InvalidSnapshot.NotFound', "The snapshot 'snap-0src' does not exist."));
    await expect(gateway.mayCopySnapshot(audit, 'us-west-2', input, 'S')).rejects.toMatchObject({
      code: 'not-found',
    });
    server.respond(() => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503));
    await expect(
      gateway.mayShareSnapshot(prod, 'us-east-1', 'snap-0src', audit.id, 'S'),
    ).rejects.toMatchObject({
      code: 'throttled',
    });
    // AuthFailure is no missing IAM statement: not a denial either.
    server.respond(() =>
      ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials'),
    );
    await expect(gateway.mayCopySnapshot(audit, 'us-west-2', input, 'S')).rejects.toMatchObject({
      code: 'unauthorized',
      awsCode: 'AuthFailure',
    });
  });

  it('sends the share with DryRun, as the real share would add it', async () => {
    server.respond(() =>
      ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
    );
    expect(await gateway.mayShareSnapshot(prod, 'us-east-1', 'snap-0src', audit.id, 'S')).toBe('allowed');
    expect(Object.fromEntries(onlyAction('ModifySnapshotAttribute')[0]!.params)).toMatchObject({
      DryRun: 'true',
      SnapshotId: 'snap-0src',
      Attribute: 'createVolumePermission',
      OperationType: 'add',
      'UserId.1': '222222222222',
    });
  });
});

describe('encryption defaults and keys', () => {
  it('reads encryption-by-default and the default key', async () => {
    server.respond(({ action }) =>
      action === 'GetEbsEncryptionByDefault'
        ? ec2Ok(action, '<ebsEncryptionByDefault>true</ebsEncryptionByDefault>')
        : ec2Ok(action, '<kmsKeyId>arn:aws:kms:us-west-2:222222222222:key/dflt</kmsKeyId>'),
    );
    expect(await gateway.getEncryptionDefaults(audit, 'us-west-2', 'doctor')).toEqual({
      encryptionByDefault: true,
      defaultKmsKeyId: 'arn:aws:kms:us-west-2:222222222222:key/dflt',
    });
  });

  it('describes a KMS key through the JSON protocol', async () => {
    server.respond(() => ({
      body: JSON.stringify({
        KeyMetadata: {
          KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
          Arn: 'arn:aws:kms:us-west-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          KeyManager: 'CUSTOMER',
          Enabled: true,
          KeyState: 'Enabled',
        },
      }),
    }));
    expect(await gateway.describeKey(audit, 'us-west-2', 'alias/audit-ebs', 'R-1-U1')).toEqual({
      keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      arn: 'arn:aws:kms:us-west-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      manager: 'CUSTOMER',
      enabled: true,
      state: 'Enabled',
    });
    const [call] = onlyAction('DescribeKey');
    expect(call!.json).toEqual({ KeyId: 'alias/audit-ebs' });
  });

  it('maps an unreadable key to unauthorized', async () => {
    server.respond(() => ({
      status: 400,
      body: JSON.stringify({
        __type: 'AccessDeniedException',
        message: 'not authorized to perform kms:DescribeKey',
      }),
    }));
    await expect(gateway.describeKey(audit, 'us-west-2', 'alias/audit-ebs', 'R-1-U1')).rejects.toMatchObject({
      code: 'unauthorized',
      awsCode: 'AccessDeniedException',
    });
  });
});

describe('callerIdentity', () => {
  it('returns the identity the account credentials resolve to', async () => {
    server.respond(() => ({
      body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::222222222222:assumed-role/snapshot-copy-bot/doctor</Arn><UserId>AROA:doctor</UserId><Account>222222222222</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    }));
    expect(await gateway.callerIdentity(audit, 'doctor')).toEqual({
      accountId: '222222222222',
      arn: 'arn:aws:sts::222222222222:assumed-role/snapshot-copy-bot/doctor',
      userId: 'AROA:doctor',
    });
  });
});

describe('retries', () => {
  it('retries a throttled call with backoff inside one gateway call', async () => {
    const credentials = createCredentialSource({
      assumeRole: async () => {
        throw new Error('not used');
      },
      ownCredentials: async () => ({ accessKeyId: 'AKIDOWN', secretAccessKey: 'own-secret' }),
      now: () => new Date(),
    });
    const retrying = createAwsClients({ credentials, endpoint: server.url, maxAttempts: 3 });
    try {
      let calls = 0;
      server.respond(() => {
        calls++;
        return calls === 1
          ? ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503)
          : describeSnapshotsPage([]);
      });
      await createAwsGateway({ clients: retrying }).describeSnapshots(prod, 'us-east-1', {}, 'p');
      expect(calls).toBe(2);
    } finally {
      retrying.destroy();
    }
  });
});
