import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  A,
  awsError,
  B,
  baseWorld,
  C,
  ec2,
  kms,
  REGION,
  startTestSim,
  sts,
  type TestSim,
  USERS,
} from './helpers.js';

const KEY_A = '0000000a-0000-4000-8000-00000000000a';
const KEY_A_PRIVATE = '0000000a-0000-4000-8000-0000000000a2';
const arnA = (id: string) => `arn:aws:kms:${REGION}:${A}:key/${id}`;
const ROLE_B = `arn:aws:iam::${B}:role/copier`;
const ROLE_C = `arn:aws:iam::${C}:role/copier`;

function world() {
  const w = baseWorld({
    keys: [
      { accountId: A, region: REGION, keyId: KEY_A, aliases: ['alias/shared'], allowedAccounts: [B] },
      { accountId: A, region: REGION, keyId: KEY_A_PRIVATE, aliases: ['alias/private'] },
    ],
    snapshots: [{ id: 'snap-0000000000000bb01', ownerId: B, region: REGION, sizeGiB: 1 }],
  });
  w.accounts = [
    { id: A },
    { id: B, roles: [{ name: 'copier', externalId: 'ext-123', trustedPrincipals: [USERS[A]!.arn] }] },
    { id: C, roles: [{ name: 'copier', trustedAccounts: [A] }] },
  ];
  return w;
}

describe('KMS DescribeKey', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(world());
  });
  afterEach(() => t.sim.close());

  it('describes an owned key by key ID, key ARN, alias and alias ARN', async () => {
    const client = kms(t.sim, USERS[A]!);
    for (const ref of [KEY_A, arnA(KEY_A), 'alias/shared', `arn:aws:kms:${REGION}:${A}:alias/shared`]) {
      const out = await client.send(new DescribeKeyCommand({ KeyId: ref }));
      expect(out.KeyMetadata).toMatchObject({
        KeyId: KEY_A,
        Arn: arnA(KEY_A),
        AWSAccountId: A,
        KeyManager: 'CUSTOMER',
        KeyState: 'Enabled',
        Enabled: true,
      });
      expect(out.KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    }
  });

  it('lets another account describe a key only when the key policy grants it', async () => {
    const client = kms(t.sim, USERS[B]!);
    await expect(client.send(new DescribeKeyCommand({ KeyId: arnA(KEY_A) }))).resolves.toBeTruthy();
    const err = await awsError(client.send(new DescribeKeyCommand({ KeyId: arnA(KEY_A_PRIVATE) })));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain('is not authorized to perform: kms:DescribeKey');
    // AWS managed keys are never usable across accounts.
    const ebs = await kms(t.sim, USERS[A]!).send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));
    expect(ebs.KeyMetadata?.KeyManager).toBe('AWS');
    expect((await awsError(client.send(new DescribeKeyCommand({ KeyId: ebs.KeyMetadata!.Arn! })))).name).toBe(
      'AccessDeniedException',
    );
  });

  it('answers NotFoundException for unknown keys and aliases, and reports disabled keys', async () => {
    const client = kms(t.sim, USERS[A]!);
    expect((await awsError(client.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })))).name).toBe(
      'NotFoundException',
    );
    expect(
      (await awsError(client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' }))))
        .name,
    ).toBe('NotFoundException');
    // An alias name alone resolves in the caller's own account only.
    expect(
      (await awsError(kms(t.sim, USERS[B]!).send(new DescribeKeyCommand({ KeyId: 'alias/shared' })))).name,
    ).toBe('NotFoundException');
    t.sim.world.setKeyEnabled(arnA(KEY_A), false);
    expect((await client.send(new DescribeKeyCommand({ KeyId: KEY_A }))).KeyMetadata).toMatchObject({
      Enabled: false,
      KeyState: 'Disabled',
    });
  });
});

describe('STS AssumeRole and GetCallerIdentity', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(world(), { sessionLifetimeSeconds: 900 });
  });
  afterEach(() => t.sim.close());

  it('identifies the base caller', async () => {
    const out = await sts(t.sim, USERS[A]!).send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Account: A, Arn: USERS[A]!.arn });
  });

  it('requires the role ExternalId, and denies a wrong or missing one', async () => {
    const client = sts(t.sim, USERS[A]!);
    for (const ExternalId of [undefined, 'wrong']) {
      const err = await awsError(
        client.send(
          new AssumeRoleCommand({
            RoleArn: ROLE_B,
            RoleSessionName: 'R-1-alice',
            ...(ExternalId ? { ExternalId } : {}),
          }),
        ),
      );
      expect(err.name).toBe('AccessDenied');
      expect(err.$metadata?.httpStatusCode).toBe(403);
    }
    const out = await client.send(
      new AssumeRoleCommand({ RoleArn: ROLE_B, RoleSessionName: 'R-1-alice', ExternalId: 'ext-123' }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.Expiration?.getTime()).toBe(t.clock.now() + 900_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${B}:assumed-role/copier/R-1-alice`);
  });

  it('issues temporary credentials that act as the role account, until they expire', async () => {
    const out = await sts(t.sim, USERS[A]!).send(
      new AssumeRoleCommand({ RoleArn: ROLE_C, RoleSessionName: 'bot' }),
    );
    const creds = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const me = await sts(t.sim, creds).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: C, Arn: `arn:aws:sts::${C}:assumed-role/copier/bot` });
    await ec2(t.sim, creds).send(new DescribeSnapshotsCommand({}));
    expect(t.sim.calls.at(-1)).toMatchObject({
      action: 'DescribeSnapshots',
      accountId: C,
      accessKeyId: creds.accessKeyId,
    });
    t.clock.advance(900_000);
    expect((await awsError(sts(t.sim, creds).send(new GetCallerIdentityCommand({})))).name).toBe(
      'ExpiredToken',
    );
    expect((await awsError(ec2(t.sim, creds).send(new DescribeSnapshotsCommand({})))).name).toBe(
      'RequestExpired',
    );
  });

  it('denies principals the trust policy does not name', async () => {
    const err = await awsError(
      sts(t.sim, USERS[B]!).send(new AssumeRoleCommand({ RoleArn: ROLE_C, RoleSessionName: 'x1' })),
    );
    expect(err.name).toBe('AccessDenied');
    expect(err.message).toBe(
      `User: ${USERS[B]!.arn} is not authorized to perform: sts:AssumeRole on resource: ${ROLE_C}`,
    );
  });

  it.each([
    ['a', 'greater than or equal to 2'],
    ['x'.repeat(65), 'less than or equal to 64'],
    ['has space', 'regular expression pattern'],
  ])('validates RoleSessionName %j', async (name, constraint) => {
    const err = await awsError(
      sts(t.sim, USERS[A]!).send(new AssumeRoleCommand({ RoleArn: ROLE_C, RoleSessionName: name })),
    );
    expect(err.name).toBe('ValidationError');
    expect(err.message).toContain(constraint);
  });

  it('validates DurationSeconds against the role maximum', async () => {
    const err = await awsError(
      sts(t.sim, USERS[A]!).send(
        new AssumeRoleCommand({ RoleArn: ROLE_C, RoleSessionName: 'bot', DurationSeconds: 7200 }),
      ),
    );
    expect(err.name).toBe('ValidationError');
    expect(err.message).toContain('MaxSessionDuration');
  });
});
