import { describe, expect, it } from 'vitest';
import { AwsError } from '../../src/aws/errors.js';
import type { AccountConfig, ResolvedRequest, SourceSnapshot } from '../../src/domain/types.js';
import { type CopyPreflightInput, copyWarnings } from '../../src/requests/copy-preflight.js';
import type { CopyCheck, FilingAws } from '../../src/requests/ports.js';

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  roleArn: 'arn:aws:iam::111111111111:role/snapshot-copy-bot',
  regions: ['us-east-1'],
  default: true,
  kmsKeys: {},
};
const audit: AccountConfig = {
  alias: 'audit',
  id: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/snapshot-copy-bot',
  regions: ['us-west-2', 'eu-west-1'],
  default: false,
  kmsKeys: { 'us-west-2': 'alias/audit-ebs' },
};

const snap = (id: string, over: Partial<SourceSnapshot> = {}): SourceSnapshot => ({
  snapshotId: id,
  ownerId: prod.id,
  volumeId: `vol-${id.slice(5)}`,
  volumeSizeGiB: 8,
  state: 'completed',
  encrypted: false,
  startTime: new Date(0),
  tags: [{ key: 'App', value: 'db' }],
  ...over,
});
const A = 'snap-0000000000000a001';
const B = 'snap-0000000000000b001';

const request = (over: Partial<ResolvedRequest> = {}): ResolvedRequest => ({
  sources: { kind: 'ids', ids: [A] },
  sourceAccount: 'prod',
  sourceRegion: 'us-east-1',
  destinationAccount: 'audit',
  destinationRegions: ['us-west-2', 'eu-west-1'],
  encrypt: false,
  tags: [{ key: 'Team', value: 'sre' }],
  ...over,
});

type Verdict = 'allowed' | 'denied';

/** A FilingAws whose pre-flight answers the test sets, recording what it was asked. */
function fakeAws(answers: {
  copy?: (account: AccountConfig, region: string, copy: CopyCheck) => Promise<Verdict>;
  share?: () => Promise<Verdict>;
  sharedWith?: () => Promise<{ userIds: string[]; public: boolean }>;
}) {
  const asked: string[] = [];
  const copies: Array<{ account: string; region: string; copy: CopyCheck }> = [];
  const unused = () => Promise.reject(new Error('not part of the pre-flight'));
  const aws: FilingAws = {
    findSources: unused,
    encryptionDefaults: unused,
    describeKey: unused,
    existingSnapshots: unused,
    async mayCopy(account, region, copy) {
      asked.push(`CopySnapshot ${account.alias} ${region} ${copy.sourceSnapshotId}`);
      copies.push({ account: account.id, region, copy });
      return (answers.copy ?? (async () => 'allowed'))(account, region, copy);
    },
    async mayShare(account, region, snapshotId, withAccountId) {
      asked.push(`ModifySnapshotAttribute ${account.alias} ${region} ${snapshotId} ${withAccountId}`);
      return (answers.share ?? (async () => 'allowed'))();
    },
    async sharedWith(account, region, snapshotId) {
      asked.push(`DescribeSnapshotAttribute ${account.alias} ${region} ${snapshotId}`);
      return (answers.sharedWith ?? (async () => ({ userIds: [], public: false })))();
    },
  };
  return { aws, asked, copies };
}

const input = (over: Partial<CopyPreflightInput> = {}): CopyPreflightInput => ({
  request: request(),
  source: prod,
  destination: audit,
  snapshots: [snap(A)],
  requesterId: 'U0REQUESTER',
  session: 'snapshot-copy-filing-U0REQUESTER',
  ...over,
});
const sameAccount = (over: Partial<CopyPreflightInput> = {}) =>
  input({ destination: prod, request: request({ destinationAccount: 'prod' }), ...over });

const unauthorized = () =>
  new AwsError(
    'unauthorized',
    'CopySnapshot (DryRun) in audit: UnauthorizedOperation: You are not authorized',
    {
      awsCode: 'UnauthorizedOperation',
    },
  );

describe('copy pre-flight within one account', () => {
  it('asks CopySnapshot DryRun per destination Region and source with the parameters of the copy', async () => {
    const { aws, asked, copies } = fakeAws({});
    const warnings = await copyWarnings(
      aws,
      sameAccount({
        destination: { ...prod, kmsKeys: { 'us-west-2': 'alias/prod-west' } },
        request: request({ destinationAccount: 'prod', withinMinutes: 60 }),
        snapshots: [snap(A), snap(B)],
      }),
    );
    expect(warnings).toEqual([]);
    expect(asked).toEqual([
      `CopySnapshot prod us-west-2 ${A}`,
      `CopySnapshot prod eu-west-1 ${A}`,
      `CopySnapshot prod us-west-2 ${B}`,
      `CopySnapshot prod eu-west-1 ${B}`,
    ]);
    const [west, eu] = copies;
    expect(west?.copy).toMatchObject({
      sourceRegion: 'us-east-1',
      sourceSnapshotId: A,
      encrypted: true,
      kmsKeyId: 'alias/prod-west',
      completionDurationMinutes: 60,
    });
    // No key configured for eu-west-1 and no `encrypt`: the copy sends neither, nor does its DryRun.
    expect(eu?.copy.encrypted).toBeUndefined();
    expect(eu?.copy.kmsKeyId).toBeUndefined();
    const tags = Object.fromEntries((west?.copy.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      App: 'db',
      Team: 'sre',
      'snapshot-copy:source': A,
      'snapshot-copy:source-region': 'us-east-1',
      'snapshot-copy:requested-by': 'U0REQUESTER',
    });
  });

  it('warns once per Region when the role may not copy, naming the role, the action and the statement', async () => {
    const { aws } = fakeAws({
      copy: async (_a, region) => (region === 'us-west-2' ? 'denied' : 'allowed'),
    });
    const warnings = await copyWarnings(aws, sameAccount({ snapshots: [snap(A), snap(B)] }));
    expect(warnings).toHaveLength(1);
    const [w] = warnings;
    expect(w).toContain('The role of prod (arn:aws:iam::111111111111:role/snapshot-copy-bot) may not copy');
    expect(w).toContain('prod (111111111111) us-west-2');
    expect(w).toContain('UnauthorizedOperation');
    expect(w).toContain('ec2:CopySnapshot');
    expect(w).toContain('"Action":"ec2:CopySnapshot","Resource":"arn:aws:ec2:*::snapshot/*"');
    expect(w).toContain('"ec2:CreateAction":"CopySnapshot"');
  });

  it("names the bot's own identity when the account has no roleArn", async () => {
    const own = { ...prod, roleArn: undefined } as unknown as AccountConfig;
    const { aws } = fakeAws({ copy: async () => 'denied' });
    const [w] = await copyWarnings(aws, sameAccount({ source: own, destination: own }));
    expect(w).toContain("The bot's own identity (used for prod: no roleArn configured) may not copy");
  });

  it('says a check throttled beyond the retries could not run, and why', async () => {
    const { aws } = fakeAws({
      copy: async () => {
        throw new AwsError(
          'throttled',
          'CopySnapshot (DryRun) in prod (111111111111) us-west-2: RequestLimitExceeded: Request limit exceeded.',
          { awsCode: 'RequestLimitExceeded' },
        );
      },
    });
    const warnings = await copyWarnings(
      aws,
      sameAccount({ request: request({ destinationRegions: ['us-west-2'] }) }),
    );
    expect(warnings).toEqual([
      "Could not check whether prod may copy into us-west-2 (CopySnapshot DryRun): AWS kept throttling it after the SDK's retries (CopySnapshot (DryRun) in prod (111111111111) us-west-2: RequestLimitExceeded: Request limit exceeded.)",
    ]);
  });

  it('asks no more once AWS throttled a check beyond the retries, and says how many did not run', async () => {
    const { aws, asked } = fakeAws({
      copy: async () => {
        throw new AwsError('throttled', 'CopySnapshot (DryRun): RequestLimitExceeded', {
          awsCode: 'RequestLimitExceeded',
        });
      },
    });
    const warnings = await copyWarnings(aws, sameAccount({ snapshots: [snap(A), snap(B)] }));
    expect(asked).toEqual([`CopySnapshot prod us-west-2 ${A}`]);
    expect(warnings).toEqual([
      "Could not check whether prod may copy into us-west-2 (CopySnapshot DryRun): AWS kept throttling it after the SDK's retries (CopySnapshot (DryRun): RequestLimitExceeded)",
      "3 more pre-flight checks did not run: AWS throttled an earlier one even after the SDK's retries, and each would only have waited out the same backoff.",
    ]);
  });

  it('keeps asking after a failure that is not throttling', async () => {
    const { aws, asked } = fakeAws({
      copy: async (_a, region) => {
        if (region === 'us-west-2') throw new AwsError('network', 'CopySnapshot (DryRun): ECONNRESET');
        return 'denied';
      },
    });
    const warnings = await copyWarnings(aws, sameAccount());
    expect(asked).toHaveLength(2);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('may not copy snapshots into prod (111111111111) eu-west-1');
  });

  it('says any other failure of the check, with its message', async () => {
    const { aws } = fakeAws({
      copy: async () => {
        throw new AwsError('not-found', `InvalidSnapshot.NotFound: The snapshot '${A}' does not exist.`);
      },
    });
    const [w] = await copyWarnings(
      aws,
      sameAccount({ request: request({ destinationRegions: ['us-west-2'] }) }),
    );
    expect(w).toMatch(/^Could not check whether prod may copy into us-west-2/);
    expect(w).toContain('InvalidSnapshot.NotFound');
  });
});

describe('copy pre-flight across accounts', () => {
  it('checks the share, not the copy, while the source is not shared with the destination', async () => {
    const { aws, asked } = fakeAws({ share: async () => 'denied' });
    const warnings = await copyWarnings(aws, input());
    expect(asked).toEqual([
      `DescribeSnapshotAttribute prod us-east-1 ${A}`,
      `ModifySnapshotAttribute prod us-east-1 ${A} 222222222222`,
    ]);
    expect(warnings).toHaveLength(1);
    const [w] = warnings;
    expect(w).toContain('The role of prod (arn:aws:iam::111111111111:role/snapshot-copy-bot) may not share');
    expect(w).toContain('prod (111111111111) us-east-1 with audit (222222222222)');
    expect(w).toContain('ec2:ModifySnapshotAttribute');
    expect(w).toContain('"Action":"ec2:ModifySnapshotAttribute"');
  });

  it('is quiet when the source role may share', async () => {
    const { aws } = fakeAws({});
    expect(await copyWarnings(aws, input())).toEqual([]);
  });

  it('checks the copy in every destination Region once the source is shared with the destination', async () => {
    const { aws, asked } = fakeAws({
      sharedWith: async () => ({ userIds: [audit.id], public: false }),
      copy: async () => {
        throw unauthorized();
      },
    });
    const warnings = await copyWarnings(aws, input());
    expect(asked).toEqual([
      `DescribeSnapshotAttribute prod us-east-1 ${A}`,
      `CopySnapshot audit us-west-2 ${A}`,
      `CopySnapshot audit eu-west-1 ${A}`,
    ]);
    // A denial that reaches the port as an error is still a check that could not decide.
    expect(warnings.every((w) => w.startsWith('Could not check whether audit may copy'))).toBe(true);
  });

  it('warns for a denied copy of a shared source with the destination role', async () => {
    const { aws } = fakeAws({
      sharedWith: async () => ({ userIds: [], public: true }),
      copy: async () => 'denied',
    });
    const warnings = await copyWarnings(aws, input());
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('The role of audit (arn:aws:iam::222222222222:role/snapshot-copy-bot)');
    expect(warnings[0]).toContain('audit (222222222222) us-west-2');
    expect(warnings[1]).toContain('audit (222222222222) eu-west-1');
  });

  it('warns that the source role may not read the share, and still checks the share', async () => {
    const { aws, asked } = fakeAws({
      sharedWith: async () => {
        throw new AwsError('unauthorized', 'DescribeSnapshotAttribute in prod: UnauthorizedOperation', {
          awsCode: 'UnauthorizedOperation',
        });
      },
    });
    const warnings = await copyWarnings(aws, input());
    expect(asked).toContain(`ModifySnapshotAttribute prod us-east-1 ${A} 222222222222`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'may not read who snapshots in prod (111111111111) us-east-1 are shared with',
    );
    expect(warnings[0]).toContain('ec2:DescribeSnapshotAttribute');
  });

  it('says when whether the source is shared could not be read, and still checks the share', async () => {
    const { aws, asked } = fakeAws({
      sharedWith: async () => {
        throw new AwsError('network', 'DescribeSnapshotAttribute in prod: ECONNRESET: socket hang up');
      },
      share: async () => {
        throw new AwsError('throttled', 'ModifySnapshotAttribute (DryRun) in prod: RequestLimitExceeded');
      },
    });
    const warnings = await copyWarnings(aws, input());
    expect(asked).toHaveLength(2);
    expect(warnings).toEqual([
      'Could not check whether the sources are already shared with audit (DescribeSnapshotAttribute in prod): DescribeSnapshotAttribute in prod: ECONNRESET: socket hang up',
      "Could not check whether prod may share the sources with audit (ModifySnapshotAttribute DryRun): AWS kept throttling it after the SDK's retries (ModifySnapshotAttribute (DryRun) in prod: RequestLimitExceeded)",
    ]);
  });
});
