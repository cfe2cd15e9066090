import { CopySnapshotCommand, ModifySnapshotAttributeCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  A,
  awsError,
  B,
  baseWorld,
  C,
  ec2,
  OTHER_REGION,
  REGION,
  startTestSim,
  type TestSim,
  USERS,
} from './helpers.js';

const SNAP = 'snap-0000000000000dd01';
const AWS_MANAGED = 'snap-0000000000000dd02';
const PENDING = 'snap-0000000000000dd03';

/**
 * AWS answers a DryRun after IAM: a role without the permission gets UnauthorizedOperation, an
 * allowed one DryRunOperation (HTTP 412) — but only once the parameters and the resources check
 * out, so a DryRun with real parameters finds the failures the call itself would meet.
 */
describe('DryRun of CopySnapshot and ModifySnapshotAttribute', () => {
  let t: TestSim;
  beforeEach(async () => {
    t = await startTestSim(
      baseWorld({
        snapshots: [
          { id: SNAP, ownerId: A, region: REGION, sizeGiB: 8 },
          { id: AWS_MANAGED, ownerId: A, region: REGION, sizeGiB: 8, encrypted: true },
          { id: PENDING, ownerId: A, region: REGION, sizeGiB: 8, state: 'pending', progress: 10 },
        ],
      }),
    );
  });
  afterEach(() => t.sim.close());

  const copies = () => [...t.sim.world.snapshots.values()].filter((s) => s.copy);
  const copy = (account: string, input: Partial<ConstructorParameters<typeof CopySnapshotCommand>[0]> = {}) =>
    awsError(
      ec2(t.sim, USERS[account]!, { region: OTHER_REGION }).send(
        new CopySnapshotCommand({ SourceRegion: REGION, SourceSnapshotId: SNAP, DryRun: true, ...input }),
      ),
    );
  const share = (account: string, snapshotId = SNAP) =>
    awsError(
      ec2(t.sim, USERS[account]!).send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: snapshotId,
          Attribute: 'createVolumePermission',
          OperationType: 'add',
          UserIds: [B],
          DryRun: true,
        }),
      ),
    );

  it('answers an allowed CopySnapshot DryRun with DryRunOperation (412), and copies nothing', async () => {
    const err = await copy(A, { Encrypted: true, KmsKeyId: 'alias/anything' });
    expect(err.name).toBe('DryRunOperation');
    expect(err.$metadata?.httpStatusCode).toBe(412);
    expect(copies()).toEqual([]);
    expect(t.sim.calls.at(-1)).toMatchObject({ action: 'CopySnapshot', dryRun: true, httpStatus: 412 });
  });

  it('answers UnauthorizedOperation to a CopySnapshot DryRun of a role IAM denies, before anything else', async () => {
    t.sim.world.denyAction(A, 'CopySnapshot');
    expect((await copy(A)).name).toBe('UnauthorizedOperation');
    // IAM first: even a source it could not see is not revealed to a denied role.
    expect((await copy(A, { SourceSnapshotId: 'snap-0000000000000ffff' })).name).toBe(
      'UnauthorizedOperation',
    );
    expect(copies()).toEqual([]);
  });

  it('denies a copy that tags on creation when IAM denies ec2:CreateTags', async () => {
    t.sim.world.denyAction(A, 'CreateTags');
    const tagged = {
      TagSpecifications: [{ ResourceType: 'snapshot' as const, Tags: [{ Key: 'k', Value: 'v' }] }],
    };
    expect((await copy(A, tagged)).name).toBe('UnauthorizedOperation');
    expect((await copy(A)).name).toBe('DryRunOperation');
  });

  it('checks the parameters and the source before it answers DryRunOperation', async () => {
    // Not shared with B: B cannot see it, and the DryRun says so as the copy would.
    expect((await copy(B)).name).toBe('InvalidSnapshot.NotFound');
    expect((await copy(A, { KmsKeyId: 'alias/anything' })).name).toBe('InvalidParameterDependency');
    expect((await copy(A, { CompletionDurationMinutes: 10 })).name).toBe('InvalidParameterValue');
    expect((await copy(A, { SourceSnapshotId: PENDING })).name).toBe('IncorrectState');
    expect((await copy(A, { SourceRegion: OTHER_REGION })).name).toBe('InvalidSnapshot.NotFound');
    t.sim.world.snapshot(SNAP)?.sharedWith.add(B);
    expect((await copy(B)).name).toBe('DryRunOperation');
    expect(copies()).toEqual([]);
  });

  it('answers an allowed share DryRun with DryRunOperation, and shares nothing', async () => {
    const err = await share(A);
    expect(err.name).toBe('DryRunOperation');
    expect(err.$metadata?.httpStatusCode).toBe(412);
    expect(t.sim.world.snapshot(SNAP)?.sharedWith.size).toBe(0);
  });

  it('answers UnauthorizedOperation to a share DryRun of a role IAM denies', async () => {
    t.sim.world.denyAction(A, 'ModifySnapshotAttribute');
    expect((await share(A)).name).toBe('UnauthorizedOperation');
    expect(t.sim.world.snapshot(SNAP)?.sharedWith.size).toBe(0);
  });

  it('checks the snapshot before it answers a share DryRun: owned, shareable, existing', async () => {
    expect((await share(A, AWS_MANAGED)).name).toBe('InvalidParameter');
    expect((await share(A, 'snap-0000000000000ffff')).name).toBe('InvalidSnapshot.NotFound');
    t.sim.world.snapshot(SNAP)?.sharedWith.add(C);
    // C may see it but does not own it: it cannot share it on.
    expect((await share(C)).name).toBe('UnauthorizedOperation');
  });
});
