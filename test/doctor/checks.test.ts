import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsAccess } from '../../src/aws/access.js';
import type { AwsGateway } from '../../src/aws/gateway.js';
import { parseConfigText } from '../../src/config/load.js';
import type { BotConfig } from '../../src/config/schema.js';
import { KMS_COPY_ACTIONS } from '../../src/doctor/advice.js';
import { type DoctorRow, runDoctor } from '../../src/doctor/checks.js';
import type { AccountConfig } from '../../src/domain/types.js';
import {
  DEMO_ACCOUNTS,
  DEMO_KEYS,
  demoConfigYaml,
  demoWorld,
  SANDBOX_IDENTITY,
  type SimulatorHandle,
  startSimulator,
} from '../../src/simulator/index.js';

const { prod, audit, staging } = DEMO_ACCOUNTS;
const AUDIT_KEY_ARN = `arn:aws:kms:us-west-2:${audit}:key/${DEMO_KEYS.auditEbs}`;
const READ_ONLY_ACTIONS = new Set([
  'AssumeRole',
  'GetCallerIdentity',
  'GetEbsEncryptionByDefault',
  'GetEbsDefaultKmsKeyId',
  'DescribeSnapshots',
  'DescribeKey',
]);

let sim: SimulatorHandle;
let access: ReturnType<typeof createAwsAccess>;
let config: BotConfig;

beforeEach(async () => {
  sim = await startSimulator({ world: demoWorld() });
  // One attempt: failures surface at once instead of being retried with backoff.
  access = createAwsAccess({
    stsRegion: 'us-east-1',
    endpoint: sim.url,
    maxAttempts: 1,
    ownCredentials: async () => ({
      accessKeyId: SANDBOX_IDENTITY.accessKeyId,
      secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
    }),
  });
  config = parseConfigText(demoConfigYaml(), 'demo');
});

afterEach(async () => {
  access.destroy();
  await sim.close();
});

function accountNamed(alias: string): AccountConfig {
  const account = config.accounts.find((a) => a.alias === alias);
  if (account === undefined) throw new Error(`no account ${alias} in the demo config`);
  return account;
}

function rowsOf(rows: DoctorRow[], account: string): DoctorRow[] {
  return rows.filter((row) => row.account.startsWith(`${account} (`));
}

function find(rows: DoctorRow[], account: string, check: string, region?: string): DoctorRow {
  const row = rows.find(
    (r) => r.account.startsWith(`${account} (`) && r.check === check && r.region === region,
  );
  if (row === undefined) throw new Error(`no row ${account} ${region ?? '-'} ${check}`);
  return row;
}

describe('runDoctor against the demo world', () => {
  it('passes every check of the demo config, in config order', async () => {
    const rows = await runDoctor({ config, gateway: access.gateway });

    expect(rows.filter((row) => row.status !== 'ok')).toEqual([]);
    expect(rows.map((row) => [row.account, row.region ?? '-', row.check])).toEqual([
      [`prod (${prod})`, '-', 'assume role'],
      [`prod (${prod})`, '-', 'identity matches account'],
      [`prod (${prod})`, 'us-east-1', 'encryption by default'],
      [`prod (${prod})`, 'us-east-1', 'default EBS key'],
      [`prod (${prod})`, 'us-east-1', 'describe snapshots'],
      [`prod (${prod})`, 'us-west-2', 'encryption by default'],
      [`prod (${prod})`, 'us-west-2', 'default EBS key'],
      [`prod (${prod})`, 'us-west-2', 'describe snapshots'],
      [`audit (${audit})`, '-', 'assume role'],
      [`audit (${audit})`, '-', 'identity matches account'],
      [`audit (${audit})`, 'us-west-2', 'encryption by default'],
      [`audit (${audit})`, 'us-west-2', 'default EBS key'],
      [`audit (${audit})`, 'us-west-2', 'describe snapshots'],
      [`audit (${audit})`, 'us-west-2', 'KMS key alias/audit-ebs'],
      [`audit (${audit})`, 'eu-west-1', 'encryption by default'],
      [`audit (${audit})`, 'eu-west-1', 'default EBS key'],
      [`audit (${audit})`, 'eu-west-1', 'describe snapshots'],
      [`staging (${staging})`, '-', 'assume role'],
      [`staging (${staging})`, '-', 'identity matches account'],
      [`staging (${staging})`, 'us-east-1', 'encryption by default'],
      [`staging (${staging})`, 'us-east-1', 'default EBS key'],
      [`staging (${staging})`, 'us-east-1', 'describe snapshots'],
      [`staging (${staging})`, 'eu-west-1', 'encryption by default'],
      [`staging (${staging})`, 'eu-west-1', 'default EBS key'],
      [`staging (${staging})`, 'eu-west-1', 'describe snapshots'],
    ]);
  });

  it('reports what it found: the assumed role, encryption by default and the keys', async () => {
    const rows = await runDoctor({ config, gateway: access.gateway });

    expect(find(rows, 'prod', 'assume role').detail).toBe(
      `assumed as arn:aws:sts::${prod}:assumed-role/snapshot-copy-bot/snapshot-copy-doctor`,
    );
    expect(find(rows, 'audit', 'encryption by default', 'us-west-2').detail).toMatch(/^on/);
    expect(find(rows, 'audit', 'encryption by default', 'eu-west-1').detail).toBe('off');
    expect(find(rows, 'audit', 'default EBS key', 'us-west-2').detail).toBe(
      `${AUDIT_KEY_ARN} (customer managed, Enabled)`,
    );
    expect(find(rows, 'prod', 'default EBS key', 'us-east-1').detail).toContain(
      'alias/aws/ebs (AWS managed)',
    );
    expect(find(rows, 'audit', 'KMS key alias/audit-ebs', 'us-west-2').detail).toBe(
      `${AUDIT_KEY_ARN} (customer managed, Enabled)`,
    );
  });

  it('only reads, under the role session name snapshot-copy-doctor', async () => {
    sim.clearCalls();
    await runDoctor({ config, gateway: access.gateway });

    const actions = new Set(sim.calls.map((call) => call.action));
    expect([...actions].filter((action) => !READ_ONLY_ACTIONS.has(action))).toEqual([]);
    const assumes = sim.calls.filter((call) => call.action === 'AssumeRole');
    expect(assumes.length).toBe(3);
    expect(new Set(assumes.map((call) => call.params['RoleSessionName']))).toEqual(
      new Set(['snapshot-copy-doctor']),
    );
  });
});

describe('runDoctor when something is broken', () => {
  it('fails assume role with the trust-policy fix when the externalId is wrong, and checks the other accounts', async () => {
    accountNamed('prod').externalId = 'wrong-ext-id';

    const rows = await runDoctor({ config, gateway: access.gateway });

    const prodRows = rowsOf(rows, 'prod');
    expect(prodRows).toHaveLength(1);
    expect(prodRows[0]).toMatchObject({ check: 'assume role', ok: false, status: 'fail' });
    expect(prodRows[0]?.detail).toContain(
      `AccessDenied assuming arn:aws:iam::${prod}:role/snapshot-copy-bot with externalId "wrong-ext-id"`,
    );
    expect(prodRows[0]?.detail).toContain("check the role's trust policy");
    expect(prodRows[0]?.detail).toContain('other checks of this account skipped');
    expect([...rowsOf(rows, 'audit'), ...rowsOf(rows, 'staging')].every((row) => row.ok)).toBe(true);
    expect(rowsOf(rows, 'staging')).toHaveLength(8);
  });

  it('fails the KMS key row when the destination role may not describe the configured key', async () => {
    const key = sim.world.addKey({
      accountId: prod,
      region: 'us-west-2',
      aliases: ['alias/prod-west-private'],
      description: 'granted to nobody else',
    });
    accountNamed('audit').kmsKeys['us-west-2'] = key.arn;

    const rows = await runDoctor({ config, gateway: access.gateway });

    const row = find(rows, 'audit', `KMS key ${key.arn}`, 'us-west-2');
    expect(row).toMatchObject({ ok: false, status: 'fail' });
    expect(row.detail).toContain('AccessDeniedException');
    expect(row.detail).toContain(`the key policy must allow arn:aws:iam::${audit}:role/snapshot-copy-bot`);
    expect(row.detail).toContain(KMS_COPY_ACTIONS);
    // Everything else in the account still works.
    expect(rowsOf(rows, 'audit').filter((r) => !r.ok)).toEqual([row]);
  });

  it('fails the KMS key row with a Region hint when the alias does not exist', async () => {
    accountNamed('audit').kmsKeys['eu-west-1'] = 'alias/audit-ebs';

    const rows = await runDoctor({ config, gateway: access.gateway });

    const row = find(rows, 'audit', 'KMS key alias/audit-ebs', 'eu-west-1');
    expect(row.ok).toBe(false);
    expect(row.detail).toContain('NotFoundException');
    expect(row.detail).toContain('KMS keys are regional');
    expect(find(rows, 'audit', 'KMS key alias/audit-ebs', 'us-west-2').ok).toBe(true);
  });

  it('fails the identity row when the credentials belong to another account than the configured id', async () => {
    config.accounts.push({
      alias: 'tools',
      id: '999999999998',
      regions: ['us-east-1'],
      default: false,
      kmsKeys: {},
    });

    const rows = await runDoctor({ config, gateway: access.gateway });

    expect(find(rows, 'tools', 'assume role')).toMatchObject({ ok: true });
    expect(find(rows, 'tools', 'assume role').detail).toContain("no roleArn: the bot's own credentials");
    const row = find(rows, 'tools', 'identity matches account');
    expect(row).toMatchObject({ ok: false, status: 'fail' });
    expect(row.detail).toContain(
      `credentials belong to account ${SANDBOX_IDENTITY.accountId}, but the config says 999999999998`,
    );
    expect(row.detail).toContain('fix the id of tools');
  });

  it('fails both key rows when the key that encrypts by default is disabled', async () => {
    sim.world.setKeyEnabled(AUDIT_KEY_ARN, false);

    const rows = await runDoctor({ config, gateway: access.gateway });

    const configured = find(rows, 'audit', 'KMS key alias/audit-ebs', 'us-west-2');
    expect(configured).toMatchObject({ ok: false, status: 'fail' });
    expect(configured.detail).toContain('Disabled');
    expect(configured.detail).toContain('enable the key');
    const byDefault = find(rows, 'audit', 'default EBS key', 'us-west-2');
    expect(byDefault).toMatchObject({ ok: false, status: 'fail' });
    expect(byDefault.detail).toContain('modify-ebs-default-kms-key-id');
  });

  it('warns, without failing, about an AWS managed key configured as a copy key', async () => {
    accountNamed('staging').kmsKeys['us-east-1'] = 'alias/aws/ebs';

    const rows = await runDoctor({ config, gateway: access.gateway });

    const row = find(rows, 'staging', 'KMS key alias/aws/ebs', 'us-east-1');
    expect(row).toMatchObject({ ok: true, status: 'warn' });
    expect(row.detail).toContain('AWS managed');
    expect(row.detail).toContain('use a customer managed key');
    expect(rows.every((r) => r.ok)).toBe(true);
  });

  it('warns when encryption by default uses the AWS managed key and no copy key is configured', async () => {
    sim.world.setEncryptionByDefault(staging, 'eu-west-1', true);

    const rows = await runDoctor({ config, gateway: access.gateway });

    expect(find(rows, 'staging', 'encryption by default', 'eu-west-1').detail).toMatch(/^on/);
    const row = find(rows, 'staging', 'default EBS key', 'eu-west-1');
    expect(row).toMatchObject({ ok: true, status: 'warn' });
    expect(row.detail).toContain('set kmsKeys.eu-west-1');
  });
});

describe('runDoctor concurrency', () => {
  it('keeps at most `concurrency` AWS calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const counted =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return await fn(...args);
        } finally {
          inFlight--;
        }
      };
    const real = access.gateway;
    const gateway: AwsGateway = {
      ...real,
      callerIdentity: counted(real.callerIdentity),
      getEncryptionDefaults: counted(real.getEncryptionDefaults),
      describeSnapshots: counted(real.describeSnapshots),
      describeKey: counted(real.describeKey),
    };

    const rows = await runDoctor({ config, gateway, concurrency: 2 });

    expect(rows.every((row) => row.ok)).toBe(true);
    expect(peak).toBe(2);
  });
});

const drConfig = () =>
  parseConfigText(
    demoConfigYaml().replace(
      '    rpoHours: 24\n',
      '    rpoHours: 24\n    lock: { mode: governance, days: 30 }\n    retain: { count: 7 }\n    drill: { cron: "0 3 * * 0", availabilityZone: us-west-2a }\n',
    ),
    'demo',
  );

describe('doctor: what DR policies need in their destination', () => {
  it('checks lock, retention and drill permissions with DryRun, changing nothing', async () => {
    const rows = (await runDoctor({ config: drConfig(), gateway: access.gateway })).filter((r) =>
      r.check.startsWith('policy '),
    );
    expect(rows.map((r) => [r.check, r.status])).toEqual([
      ['policy prod-db-to-oregon: ec2:LockSnapshot', 'ok'],
      ['policy prod-db-to-oregon: ec2:DeleteSnapshot', 'ok'],
      ['policy prod-db-to-oregon: ec2:CreateVolume', 'ok'],
      ['policy prod-db-to-oregon: ec2:DeleteVolume', 'ok'],
      ['policy prod-db-to-oregon: ec2:DescribeLockedSnapshots', 'ok'],
    ]);
    expect(sim.world.volumes.size).toBe(0);
  });

  it('names the permission a policy lacks', async () => {
    sim.world.denyAction(DEMO_ACCOUNTS.audit, 'LockSnapshot');
    sim.world.denyAction(DEMO_ACCOUNTS.audit, 'CreateVolume');
    const rows = await runDoctor({ config: drConfig(), gateway: access.gateway });
    const failed = rows.filter((r) => r.status === 'fail');
    expect(failed.map((r) => r.check)).toEqual([
      'policy prod-db-to-oregon: ec2:LockSnapshot',
      'policy prod-db-to-oregon: ec2:CreateVolume',
    ]);
    expect(failed[0]?.detail).toContain('grant ec2:LockSnapshot');
  });
});
