import { describe, expect, it } from 'vitest';
import type { AccountConfig, SourceSnapshot } from '../../src/domain/types.js';
import { intermediateCopy, isTwoHop, linkHops, planTwoHops } from '../../src/requests/two-hop.js';
import type { NewCopy } from '../../src/store/port.js';

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  regions: ['us-east-1'],
  default: true,
  kmsKeys: {},
  shareKmsKeys: { 'us-east-1': 'alias/ebs-share' },
};
const audit: AccountConfig = {
  alias: 'audit',
  id: '222222222222',
  regions: ['us-west-2'],
  default: false,
  kmsKeys: {},
};
const LEGACY: SourceSnapshot = {
  snapshotId: 'snap-0e0000000000000e1',
  ownerId: prod.id,
  volumeId: 'vol-0e0000000000000e1',
  volumeSizeGiB: 30,
  state: 'completed',
  encrypted: true,
  kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/aws-ebs',
  startTime: new Date(0),
  tags: [],
};
const SHARE_ARN = 'arn:aws:kms:us-east-1:111111111111:key/share';
const keys = (answer: () => Promise<{ arn: string; manager: 'AWS' | 'CUSTOMER' }>) => ({
  describeKey: answer,
});
const plan = (account: AccountConfig, aws = keys(async () => ({ arn: SHARE_ARN, manager: 'CUSTOMER' }))) =>
  planTwoHops(aws, LEGACY, { source: account, destination: audit, region: 'us-east-1', session: 's' });

describe('the two-hop plan of an aws/ebs source', () => {
  it('re-keys through the configured share key, known by its ARN', async () => {
    const planned = await plan(prod);
    expect(planned.ok && isTwoHop(planned.source) && planned.source.shareKey).toEqual({
      configured: 'alias/ebs-share',
      arn: SHARE_ARN,
    });
  });

  it('is refused without shareKmsKeys, naming the setting that fixes it', async () => {
    const planned = await plan({ ...prod, shareKmsKeys: {} });
    expect(planned.ok).toBe(false);
    expect(!planned.ok && planned.reason).toContain('Set accounts[prod].shareKmsKeys.us-east-1');
  });

  it('is refused when the share key cannot be read, or is AWS managed itself', async () => {
    const unreadable = await plan(
      prod,
      keys(async () => {
        throw new Error('AccessDeniedException');
      }),
    );
    expect(!unreadable.ok && unreadable.reason).toContain(
      'cannot read that key (kms:DescribeKey failed: AccessDeniedException)',
    );
    const managed = await plan(
      prod,
      keys(async () => ({ arn: SHARE_ARN, manager: 'AWS' })),
    );
    expect(!managed.ok && managed.reason).toContain('is an AWS managed key, which cannot be shared either');
  });

  it('copies within the source account and Region first, then points each final hop at it', async () => {
    const planned = await plan(prod);
    if (!planned.ok) throw new Error(planned.reason);
    const hop1 = intermediateCopy(planned.source, prod, 'us-east-1');
    expect(hop1).toMatchObject({
      destination: { account: 'prod', accountId: prod.id, region: 'us-east-1' },
      encrypted: true,
      kmsKeyId: 'alias/ebs-share',
      transfer: { kind: 'full' },
      hop: { kind: 'intermediate' },
    });
    const final = (region: string): NewCopy => ({
      ...hop1,
      destination: { account: 'audit', accountId: audit.id, region },
      hop: { kind: 'final', after: -1 },
    });
    const other: NewCopy = {
      ...final('us-west-2'),
      source: { ...hop1.source, snapshotId: 'snap-0000000000000aaa1' },
      hop: undefined,
    };
    const linked = linkHops([other, hop1, final('us-west-2'), final('eu-west-1')]);
    expect(linked.map((c) => c.hop)).toEqual([
      undefined,
      { kind: 'intermediate' },
      { kind: 'final', after: 1 },
      { kind: 'final', after: 1 },
    ]);
  });
});
