import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AssumeRoleParams,
  type Credentials,
  createCredentialSource,
  stsAssumeRole,
} from '../../src/aws/credentials.js';
import { AwsError } from '../../src/aws/errors.js';
import type { AccountConfig } from '../../src/domain/types.js';
import { type FakeAwsServer, startFakeAwsServer } from './fake-aws-server.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2024-05-01T10:00:00Z');

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  roleArn: 'arn:aws:iam::111111111111:role/snapshot-copy-bot',
  externalId: 'prod-ext-id',
  regions: ['us-east-1'],
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
const own: AccountConfig = {
  alias: 'own',
  id: '333333333333',
  regions: ['us-east-1'],
  default: false,
  kmsKeys: {},
};

/** A fake STS that counts AssumeRole calls and issues one-hour credentials from the fake clock. */
function fakeSts(clock: { now: number }) {
  const calls: AssumeRoleParams[] = [];
  let fail: unknown;
  let gate: Promise<void> | undefined;
  return {
    calls,
    failWith: (error: unknown) => {
      fail = error;
    },
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    assumeRole: async (params: AssumeRoleParams) => {
      calls.push(params);
      if (gate !== undefined) await gate;
      if (fail !== undefined) throw fail;
      return {
        accessKeyId: `ASIA${calls.length}`,
        secretAccessKey: 'secret',
        sessionToken: 'token',
        expiration: new Date(clock.now + params.durationSeconds * 1000),
      };
    },
  };
}

function setup() {
  const clock = { now: T0 };
  const sts = fakeSts(clock);
  const ownCalls: number[] = [];
  const source = createCredentialSource({
    assumeRole: sts.assumeRole,
    ownCredentials: async (): Promise<Credentials> => {
      ownCalls.push(clock.now);
      return { accessKeyId: 'AKIDOWN', secretAccessKey: 'own-secret' };
    },
    now: () => new Date(clock.now),
  });
  return { clock, sts, source, ownCalls };
}

describe('createCredentialSource', () => {
  it('assumes a role once per hour per (role, session), however often it is asked', async () => {
    const { clock, sts, source } = setup();
    for (let minute = 0; minute < 180; minute++) {
      clock.now = T0 + minute * 60_000;
      await source.get(prod, 'snapshot-copy-poller');
    }
    // Fresh at 0:00, then refreshed 5 minutes before each expiry: 0:55, 1:50, 2:45.
    expect(sts.calls).toHaveLength(4);
  });

  it('passes the external ID and session name to AssumeRole', async () => {
    const { sts, source } = setup();
    await source.get(prod, 'R-12-U0ABC');
    expect(sts.calls).toEqual([
      {
        roleArn: 'arn:aws:iam::111111111111:role/snapshot-copy-bot',
        sessionName: 'R-12-U0ABC',
        externalId: 'prod-ext-id',
        durationSeconds: 3600,
      },
    ]);
  });

  it('keeps separate sessions per role and per session name', async () => {
    const { sts, source } = setup();
    await source.get(prod, 'R-1-U1');
    await source.get(prod, 'R-2-U1');
    await source.get(audit, 'R-1-U1');
    await source.get(prod, 'R-1-U1');
    expect(sts.calls.map((c) => `${c.roleArn.split(':')[4]}/${c.sessionName}`)).toEqual([
      '111111111111/R-1-U1',
      '111111111111/R-2-U1',
      '222222222222/R-1-U1',
    ]);
    expect(sts.calls[2]).not.toHaveProperty('externalId');
  });

  it('shares one in-flight AssumeRole among concurrent callers', async () => {
    const { sts, source } = setup();
    const release = sts.hold();
    const pending = Array.from({ length: 10 }, () => source.get(prod, 'snapshot-copy-poller'));
    release();
    const results = await Promise.all(pending);
    expect(sts.calls).toHaveLength(1);
    expect(new Set(results.map((c) => c.accessKeyId))).toEqual(new Set(['ASIA1']));
  });

  it("uses the bot's own credentials for an account without roleArn", async () => {
    const { sts, source, ownCalls } = setup();
    expect(await source.get(own, 'R-1-U1')).toEqual({
      accessKeyId: 'AKIDOWN',
      secretAccessKey: 'own-secret',
    });
    expect(ownCalls).toHaveLength(1);
    expect(sts.calls).toHaveLength(0);
  });

  it('turns a refused AssumeRole into role-unavailable naming the role, and retries next time', async () => {
    const { sts, source } = setup();
    sts.failWith(
      Object.assign(new Error('not authorized to perform sts:AssumeRole'), {
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
      }),
    );
    const error = await source.get(prod, 'R-1-U1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: 'role-unavailable', awsCode: 'AccessDenied', retryable: false });
    expect((error as AwsError).message).toContain('arn:aws:iam::111111111111:role/snapshot-copy-bot');
    sts.failWith(undefined);
    await source.get(prod, 'R-1-U1');
    expect(sts.calls).toHaveLength(2);
  });

  it('keeps throttling during AssumeRole retryable', async () => {
    const { sts, source } = setup();
    sts.failWith(
      Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: {} }),
    );
    await expect(source.get(prod, 'R-1-U1')).rejects.toMatchObject({ code: 'throttled', retryable: true });
  });

  it('exposes the same credentials as an SDK provider', async () => {
    const { source } = setup();
    const credentials = await source.provider(audit, 'R-1-U1')();
    expect(credentials.accessKeyId).toBe('ASIA1');
    expect(credentials.expiration).toEqual(new Date(T0 + HOUR));
  });
});

describe('stsAssumeRole', () => {
  let server: FakeAwsServer;
  let sts: STSClient;
  beforeAll(async () => {
    server = await startFakeAwsServer();
    sts = new STSClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDOWN', secretAccessKey: 'own-secret' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    sts.destroy();
    await server.close();
  });

  it('sends RoleArn, RoleSessionName, ExternalId and DurationSeconds and reads the credentials', async () => {
    server.respond(() => ({
      body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken><Expiration>2024-05-01T11:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/snapshot-copy-bot/R-1-U1</Arn><AssumedRoleId>AROA:R-1-U1</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    }));
    const credentials = await stsAssumeRole(sts)({
      roleArn: prod.roleArn!,
      sessionName: 'R-1-U1',
      externalId: 'prod-ext-id',
      durationSeconds: 3600,
    });
    expect(credentials).toEqual({
      accessKeyId: 'ASIAROLE',
      secretAccessKey: 'role-secret',
      sessionToken: 'role-token',
      expiration: new Date('2024-05-01T11:00:00Z'),
    });
    const sent = server.requests.at(-1)!;
    expect(sent.action).toBe('AssumeRole');
    expect(Object.fromEntries(sent.params)).toMatchObject({
      RoleArn: 'arn:aws:iam::111111111111:role/snapshot-copy-bot',
      RoleSessionName: 'R-1-U1',
      ExternalId: 'prod-ext-id',
      DurationSeconds: '3600',
    });
  });

  it('surfaces an STS AccessDenied as role-unavailable through the credential source', async () => {
    server.respond(() => ({
      status: 403,
      body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>r2</RequestId></ErrorResponse>`,
    }));
    const source = createCredentialSource({
      assumeRole: stsAssumeRole(sts),
      ownCredentials: async () => ({ accessKeyId: 'AKIDOWN', secretAccessKey: 'own-secret' }),
      now: () => new Date(T0),
    });
    await expect(source.get(prod, 'R-1-U1')).rejects.toMatchObject({
      code: 'role-unavailable',
      awsCode: 'AccessDenied',
      message: expect.stringContaining(
        'AssumeRole arn:aws:iam::111111111111:role/snapshot-copy-bot (session R-1-U1)',
      ),
    });
  });
});
