import {
  CopySnapshotCommand,
  DescribeSnapshotsCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createManualClock } from '../../src/simulator/clock.js';
import {
  DEMO_ACCOUNTS,
  DEMO_PROD_EXTERNAL_ID,
  DEMO_SNAPSHOTS,
  demoConfigYaml,
  demoWorld,
  SANDBOX_IDENTITY,
} from '../../src/simulator/demo.js';
import { type SimulatorHandle, startSimulator } from '../../src/simulator/server.js';
import { type Creds, ec2, kms, sts } from './helpers.js';

interface ConfigAccount {
  alias: string;
  id: string;
  roleArn: string;
  externalId?: string;
  regions: string[];
  kmsKeys?: Record<string, string>;
}

describe('demo world', () => {
  let sim: SimulatorHandle;
  const clock = createManualClock();
  const config = parse(demoConfigYaml()) as { accounts: ConfigAccount[] };
  const account = (alias: string) => config.accounts.find((a) => a.alias === alias)!;

  beforeEach(async () => {
    sim = await startSimulator({ world: demoWorld(clock.now()), now: clock.now });
  });
  afterEach(() => sim.close());

  async function assume(alias: string): Promise<Creds> {
    const a = account(alias);
    const out = await sts(sim, SANDBOX_IDENTITY).send(
      new AssumeRoleCommand({
        RoleArn: a.roleArn,
        RoleSessionName: 'demo-test',
        ...(a.externalId ? { ExternalId: a.externalId } : {}),
      }),
    );
    return {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
  }

  it('has a config whose accounts, roles and keys exist in the world', async () => {
    expect(config.accounts.map((a) => [a.alias, a.id])).toEqual(Object.entries(DEMO_ACCOUNTS));
    expect(account('prod').externalId).toBe(DEMO_PROD_EXTERNAL_ID);
    for (const a of config.accounts) await assume(a.alias);
    const audit = await assume('audit');
    const key = await kms(sim, audit, { region: 'us-west-2' }).send(
      new DescribeKeyCommand({ KeyId: account('audit').kmsKeys!['us-west-2']! }),
    );
    expect(key.KeyMetadata?.AWSAccountId).toBe(DEMO_ACCOUNTS.audit);
  });

  it('finds the multi-volume group by tag in prod, and the snapshot shared by staging', async () => {
    const prod = ec2(sim, await assume('prod'));
    const group = await prod.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [{ Name: 'tag:Group', Values: ['db-cluster-1'] }],
      }),
    );
    expect(group.Snapshots?.map((s) => s.SnapshotId).sort()).toEqual([...DEMO_SNAPSHOTS.dbCluster1]);
    const shared = await prod.send(
      new DescribeSnapshotsCommand({ SnapshotIds: [DEMO_SNAPSHOTS.sharedFromStaging] }),
    );
    expect(shared.Snapshots?.[0]).toMatchObject({ OwnerId: DEMO_ACCOUNTS.staging, Encrypted: true });
    const pending = await prod.send(new DescribeSnapshotsCommand({ SnapshotIds: [DEMO_SNAPSHOTS.pending] }));
    expect(pending.Snapshots?.[0]?.State).toBe('pending');
  });

  it('demonstrates the silent key failure: restricted source key, copy into audit', async () => {
    const prod = ec2(sim, await assume('prod'));
    await prod.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: DEMO_SNAPSHOTS.restrictedKey,
        CreateVolumePermission: { Add: [{ UserId: DEMO_ACCOUNTS.audit }] },
      }),
    );
    const audit = ec2(sim, await assume('audit'), { region: 'us-west-2' });
    const out = await audit.send(
      new CopySnapshotCommand({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: DEMO_SNAPSHOTS.restrictedKey,
        Encrypted: true,
        KmsKeyId: 'alias/audit-ebs',
      }),
    );
    clock.advance(10_000);
    const d = await audit.send(new DescribeSnapshotsCommand({ SnapshotIds: [out.SnapshotId!] }));
    expect(d.Snapshots?.[0]).toMatchObject({
      State: 'error',
      StateMessage: 'Given key ID is not accessible',
    });
  });

  it('copies a customer-key snapshot into audit re-encrypted with the audit key, completing in tens of seconds', async () => {
    const prod = ec2(sim, await assume('prod'));
    await prod.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: DEMO_SNAPSHOTS.customerKey,
        CreateVolumePermission: { Add: [{ UserId: DEMO_ACCOUNTS.audit }] },
      }),
    );
    const audit = ec2(sim, await assume('audit'), { region: 'us-west-2' });
    const out = await audit.send(
      new CopySnapshotCommand({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: DEMO_SNAPSHOTS.customerKey,
        Encrypted: true,
        KmsKeyId: 'alias/audit-ebs',
      }),
    );
    clock.advance(90_000);
    const d = await audit.send(new DescribeSnapshotsCommand({ SnapshotIds: [out.SnapshotId!] }));
    expect(d.Snapshots?.[0]).toMatchObject({ State: 'completed', Encrypted: true });
    expect(d.Snapshots?.[0]?.KmsKeyId).toMatch(
      new RegExp(`^arn:aws:kms:us-west-2:${DEMO_ACCOUNTS.audit}:key/`),
    );
  });
});
