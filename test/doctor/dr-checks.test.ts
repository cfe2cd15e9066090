import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsAccess } from '../../src/aws/access.js';
import { parseConfigText } from '../../src/config/load.js';
import { runDoctor } from '../../src/doctor/checks.js';
import {
  DEMO_ACCOUNTS,
  demoConfigYaml,
  demoWorld,
  SANDBOX_IDENTITY,
  type SimulatorHandle,
  startSimulator,
} from '../../src/simulator/index.js';

let sim: SimulatorHandle;
let access: ReturnType<typeof createAwsAccess>;

beforeEach(async () => {
  sim = await startSimulator({ world: demoWorld() });
  access = createAwsAccess({
    stsRegion: 'us-east-1',
    endpoint: sim.url,
    maxAttempts: 1,
    ownCredentials: async () => ({
      accessKeyId: SANDBOX_IDENTITY.accessKeyId,
      secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
    }),
  });
});

afterEach(async () => {
  access.destroy();
  await sim.close();
});

const config = () =>
  parseConfigText(
    demoConfigYaml().replace(
      '    rpoHours: 24\n',
      '    rpoHours: 24\n    lock: { mode: governance, days: 30 }\n    retain: { count: 7 }\n    drill: { cron: "0 3 * * 0", availabilityZone: us-west-2a }\n',
    ),
    'demo',
  );

describe('doctor: what DR policies need in their destination', () => {
  it('checks lock, retention and drill permissions with DryRun, changing nothing', async () => {
    const rows = (await runDoctor({ config: config(), gateway: access.gateway })).filter((r) =>
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
    const rows = await runDoctor({ config: config(), gateway: access.gateway });
    const failed = rows.filter((r) => r.status === 'fail');
    expect(failed.map((r) => r.check)).toEqual([
      'policy prod-db-to-oregon: ec2:LockSnapshot',
      'policy prod-db-to-oregon: ec2:CreateVolume',
    ]);
    expect(failed[0]?.detail).toContain('grant ec2:LockSnapshot');
  });
});
