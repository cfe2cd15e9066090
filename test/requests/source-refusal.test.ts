import { describe, expect, it } from 'vitest';
import type { AccountConfig, SourceSnapshot } from '../../src/domain/types.js';
import { type FileInput, type FilingDeps, sourceRefusal } from '../../src/requests/filing.js';

const prod = { alias: 'prod', id: '111111111111' } as AccountConfig;
const snap = (over: Partial<SourceSnapshot> = {}): SourceSnapshot => ({
  snapshotId: 'snap-0123456789abcdef0',
  ownerId: prod.id,
  volumeId: 'vol-0123456789abcdef0',
  volumeSizeGiB: 8,
  state: 'completed',
  encrypted: false,
  startTime: new Date(0),
  tags: [],
  ...over,
});
const input = {
  request: { sourceRegion: 'us-east-1' },
  source: prod,
  destination: prod,
  crossAccount: false,
} as unknown as FileInput;
const deps = {} as FilingDeps;
const refusal = (s: SourceSnapshot) =>
  sourceRefusal(deps, input, s, 'session', (line) => {
    throw new Error(`unexpected warning: ${line}`);
  });

describe('source refusals at filing', () => {
  it('accepts a completed standard snapshot', async () => {
    expect(await refusal(snap())).toBeUndefined();
    expect(await refusal(snap({ storageTier: 'standard' }))).toBeUndefined();
  });

  it('refuses an archived snapshot, telling how to restore it first', async () => {
    const reason = await refusal(snap({ storageTier: 'archive' }));
    expect(reason).toBe(
      'snap-0123456789abcdef0 is in the archive tier (StorageTier: archive), and CopySnapshot does not accept archived snapshots. Restore it to the standard tier first with RestoreSnapshotTier (`aws ec2 restore-snapshot-tier --snapshot-id snap-0123456789abcdef0`), then ask again once it is restored.',
    );
  });

  it('refuses a snapshot that is not completed, in plain words', async () => {
    expect(await refusal(snap({ state: 'pending' }))).toBe(
      'snap-0123456789abcdef0 is pending: only completed snapshots can be copied; try again when it completes',
    );
  });
});

describe('a failed snapshot', () => {
  it('is refused with advice to take a new one', async () => {
    expect(await refusal(snap({ state: 'error' }))).toContain(
      'failed (state error): only completed snapshots can be copied',
    );
  });
});

describe('the aws/ebs check of a cross-account source', () => {
  const audit = { alias: 'audit', id: '222222222222' } as AccountConfig;
  const crossAccount = { ...input, destination: audit, crossAccount: true } as FileInput;
  const encrypted = snap({ encrypted: true, kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/k-1' });
  const judge = async (describeKey: FilingDeps['aws']['describeKey']) => {
    const warnings: string[] = [];
    const reason = await sourceRefusal(
      { aws: { describeKey } } as unknown as FilingDeps,
      crossAccount,
      encrypted,
      'session',
      (line) => warnings.push(line),
    );
    return { reason, warnings };
  };

  it('refuses a source under aws/ebs, naming the fix', async () => {
    const { reason, warnings } = await judge(async () => ({ arn: 'arn', manager: 'AWS' }));
    expect(reason).toContain('encrypted with the AWS managed key aws/ebs');
    expect(warnings).toEqual([]);
  });

  it('accepts a source under a customer managed key', async () => {
    expect(await judge(async () => ({ arn: 'arn', manager: 'CUSTOMER' }))).toEqual({
      reason: undefined,
      warnings: [],
    });
  });

  it('says the check could not run, and why, when DescribeKey of the source key fails — and does not refuse', async () => {
    const { reason, warnings } = await judge(() =>
      Promise.reject(new Error('DescribeKey in prod: AccessDeniedException: not allowed')),
    );
    expect(reason).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'Could not check whether snap-0123456789abcdef0 is encrypted with the AWS managed key aws/ebs',
    );
    expect(warnings[0]).toContain(
      'kms:DescribeKey of arn:aws:kms:us-east-1:111111111111:key/k-1 in prod failed',
    );
    expect(warnings[0]).toContain('AccessDeniedException: not allowed');
  });
});
