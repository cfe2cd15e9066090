/**
 * The domain-facing port to AWS: the engine, listeners and doctor speak in domain terms here, and
 * no SDK type crosses this boundary. Every failure leaves as an `AwsError` with a domain code.
 */
import {
  CopySnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeLockedSnapshotsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type Filter,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  LockSnapshotCommand,
  ModifySnapshotAttributeCommand,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AccountConfig, AwsErrorCode, SourceSnapshot, Tag } from '../domain/types.js';
import type { AwsClients } from './clients.js';
import { AwsError, mapAwsErrors, snapshotFailureCode } from './errors.js';

export type SnapshotState = SourceSnapshot['state'];
const SNAPSHOT_STATES: readonly SnapshotState[] = [
  'pending',
  'completed',
  'error',
  'recoverable',
  'recovering',
];

/** Which snapshots to list. Every given criterion must match; lists within one match any value. */
export interface SnapshotQuery {
  snapshotIds?: string[];
  /** All of these tags. */
  tags?: Tag[];
  volumeIds?: string[];
  /**
   * Owners to include (`self` or account IDs). Defaults to `self` unless `snapshotIds` are given:
   * without an owner AWS lists every snapshot the account may use, public ones included.
   */
  ownerIds?: string[];
  /** Only snapshots these accounts may create volumes from (`self` or account IDs). */
  restorableBy?: string[];
  states?: SnapshotState[];
}

/** A snapshot as DescribeSnapshots reports it, in domain terms. */
export interface DescribedSnapshot extends SourceSnapshot {
  /** 0–100. */
  progress: number;
  stateMessage?: string;
}

/** What the poller needs of a copy in flight. */
export interface SnapshotStatus {
  snapshotId: string;
  state: SnapshotState;
  progress: number;
  stateMessage?: string;
  /** For `error`: what the StateMessage means (`key-not-accessible` or `unknown`). */
  failureCode?: AwsErrorCode;
  /** For `completed`: the encryption AWS gave the copy (the key as an ARN), for later predictions. */
  result?: { encrypted: boolean; kmsKeyId?: string };
}

export interface CopySnapshotInput {
  sourceRegion: string;
  sourceSnapshotId: string;
  encrypted?: boolean;
  /** Requires `encrypted: true` (AWS rule; the seed's encryption table). */
  kmsKeyId?: string;
  description?: string;
  /** Time-based copy: 15–2880, a multiple of 15. */
  completionDurationMinutes?: number;
  /** Put on the new snapshot (user tags of the source, request tags, provenance tags). */
  tags: Tag[];
}

export interface EncryptionDefaults {
  encryptionByDefault: boolean;
  /** As AWS reports it: a key ARN, or `alias/aws/ebs` when no customer key is set. */
  defaultKmsKeyId: string;
}

export interface KeyInfo {
  keyId: string;
  arn: string;
  manager: 'AWS' | 'CUSTOMER';
  enabled: boolean;
  /** KMS key state (`Enabled`, `Disabled`, `PendingDeletion`, …). */
  state: string;
}

export type LockMode = 'governance' | 'compliance';

export interface LockInput {
  mode: LockMode;
  days: number;
  /** Compliance only: hours during which the lock can still be changed. */
  coolOffHours?: number;
  dryRun?: boolean;
}

/** A snapshot's lock as AWS reports it (LockSnapshot, DescribeLockedSnapshots). */
export interface SnapshotLock {
  snapshotId: string;
  /** `compliance-cooloff`, `governance`, `compliance` or `expired`. */
  state: string;
  expiresOn: Date | null;
  coolOffExpiresOn: Date | null;
}

export interface VolumeInput {
  snapshotId: string;
  availabilityZone: string;
  tags: Tag[];
  /** CreateVolume is idempotent by it: a retry after a lost answer finds the same volume. */
  clientToken: string;
}

export interface VolumeStatus {
  volumeId: string;
  /** `creating`, `available`, `in-use`, `deleting`, `deleted` or `error`. */
  state: string;
  createTime: Date | null;
}

/** Actions `permissionProbe` can try with DryRun (what locks, retention and drills need). */
export type ProbedAction = 'LockSnapshot' | 'DeleteSnapshot' | 'CreateVolume' | 'DeleteVolume';

export interface CallerIdentity {
  accountId: string;
  arn: string;
  userId: string;
}

/**
 * Every operation takes the account (as configured), the Region, and a role-session label that
 * names who the work is for in CloudTrail (`R-12-U0ABC`, `snapshot-copy-poller`).
 */
export interface AwsGateway {
  describeSnapshots(
    account: AccountConfig,
    region: string,
    query: SnapshotQuery,
    session: string,
  ): Promise<DescribedSnapshot[]>;
  /**
   * States of many snapshots with as few DescribeSnapshots calls as possible (SPEC §8). A snapshot
   * that no longer exists is absent from the answer rather than failing the whole call.
   */
  snapshotStatuses(
    account: AccountConfig,
    region: string,
    snapshotIds: string[],
    session: string,
  ): Promise<SnapshotStatus[]>;
  /** Snapshots owned by the account carrying all these tags (lost-answer recovery, DR policies). */
  findSnapshotsByTags(
    account: AccountConfig,
    region: string,
    tags: Tag[],
    session: string,
  ): Promise<DescribedSnapshot[]>;
  /** CopySnapshot in the destination account and Region. */
  copySnapshot(
    account: AccountConfig,
    region: string,
    input: CopySnapshotInput,
    session: string,
  ): Promise<{ snapshotId: string }>;
  /**
   * CopySnapshot with DryRun and the parameters the copy will be made with: whether IAM lets the
   * destination role make it. `allowed` on DryRunOperation, `denied` on UnauthorizedOperation; any
   * other answer (a source it cannot see, a bad parameter, throttling) is thrown, as it says the
   * check could not decide.
   */
  mayCopySnapshot(
    account: AccountConfig,
    region: string,
    input: CopySnapshotInput,
    session: string,
  ): Promise<'allowed' | 'denied'>;
  /** ModifySnapshotAttribute (createVolumePermission add `withAccountId`) with DryRun, read as `mayCopySnapshot`. */
  mayShareSnapshot(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    withAccountId: string,
    session: string,
  ): Promise<'allowed' | 'denied'>;
  /** Who may already create volumes from (and so copy) a snapshot: DescribeSnapshotAttribute createVolumePermission. */
  snapshotSharedWith(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    session: string,
  ): Promise<{ userIds: string[]; public: boolean }>;
  /** Lets `withAccountId` create volumes from (and so copy) a snapshot of `account`. */
  shareSnapshot(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    withAccountId: string,
    session: string,
  ): Promise<void>;
  unshareSnapshot(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    withAccountId: string,
    session: string,
  ): Promise<void>;
  getEncryptionDefaults(account: AccountConfig, region: string, session: string): Promise<EncryptionDefaults>;
  describeKey(account: AccountConfig, region: string, keyId: string, session: string): Promise<KeyInfo>;
  callerIdentity(account: AccountConfig, session: string): Promise<CallerIdentity>;
  /** LockSnapshot (or, with `dryRun`, whether the role may: resolves on DryRunOperation). */
  lockSnapshot(
    account: AccountConfig,
    region: string,
    snapshotId: string,
    lock: LockInput,
    session: string,
  ): Promise<SnapshotLock>;
  /** Locks of these snapshots (those without a lock are absent). */
  lockedSnapshots(
    account: AccountConfig,
    region: string,
    snapshotIds: string[],
    session: string,
  ): Promise<SnapshotLock[]>;
  deleteSnapshot(account: AccountConfig, region: string, snapshotId: string, session: string): Promise<void>;
  createVolume(
    account: AccountConfig,
    region: string,
    input: VolumeInput,
    session: string,
  ): Promise<VolumeStatus>;
  /** The volume, or undefined when it does not exist (any more). */
  describeVolume(
    account: AccountConfig,
    region: string,
    volumeId: string,
    session: string,
  ): Promise<VolumeStatus | undefined>;
  /** Resolves when the volume is gone, also when it was already. */
  deleteVolume(account: AccountConfig, region: string, volumeId: string, session: string): Promise<void>;
  /**
   * Whether IAM lets the role call `action`: a DryRun on a placeholder resource. `allowed` when
   * AWS answers DryRunOperation or only that the placeholder does not exist (IAM let it through).
   */
  permissionProbe(
    account: AccountConfig,
    region: string,
    action: ProbedAction,
    session: string,
  ): Promise<'allowed' | 'denied'>;
}

export interface AwsGatewayOptions {
  clients: AwsClients;
  /** DescribeSnapshots MaxResults (AWS allows 5–1000). */
  pageSize?: number;
  /** Values per filter in one call; bounded to keep each request's query string a sane size. */
  filterValuesPerCall?: number;
}

export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_FILTER_VALUES_PER_CALL = 200;

export function createAwsGateway(options: AwsGatewayOptions): AwsGateway {
  const { clients } = options;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const chunkSize = options.filterValuesPerCall ?? DEFAULT_FILTER_VALUES_PER_CALL;

  const where = (operation: string, account: AccountConfig, region: string) =>
    `${operation} in ${account.alias} (${account.id}) ${region}`;

  const describeSnapshots: AwsGateway['describeSnapshots'] = async (account, region, query, session) => {
    // Filters, not SnapshotIds: with SnapshotIds one deleted snapshot fails the whole call, and
    // SnapshotIds cannot be paginated with MaxResults.
    if (query.snapshotIds?.length === 0 || query.volumeIds?.length === 0) return [];
    const fixed: Filter[] = [
      ...(query.tags ?? []).map((tag) => ({ Name: `tag:${tag.key}`, Values: [tag.value] })),
      ...(query.states !== undefined && query.states.length > 0
        ? [{ Name: 'status', Values: query.states }]
        : []),
    ];
    const ownerIds = query.ownerIds ?? (query.snapshotIds === undefined ? ['self'] : undefined);
    const client = clients.ec2(account, region, session);
    const results: DescribedSnapshot[] = [];
    for (const ids of chunksOrAll(query.snapshotIds, chunkSize)) {
      for (const volumes of chunksOrAll(query.volumeIds, chunkSize)) {
        const filters: Filter[] = [
          ...fixed,
          ...(ids !== undefined ? [{ Name: 'snapshot-id', Values: ids }] : []),
          ...(volumes !== undefined ? [{ Name: 'volume-id', Values: volumes }] : []),
        ];
        let nextToken: string | undefined;
        do {
          const page = await mapAwsErrors(where('DescribeSnapshots', account, region), () =>
            client.send(
              new DescribeSnapshotsCommand({
                ...(filters.length > 0 ? { Filters: filters } : {}),
                ...(ownerIds !== undefined ? { OwnerIds: ownerIds } : {}),
                ...(query.restorableBy !== undefined ? { RestorableByUserIds: query.restorableBy } : {}),
                MaxResults: pageSize,
                ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
              }),
            ),
          );
          for (const snapshot of page.Snapshots ?? [])
            results.push(toDescribedSnapshot(snapshot, account, region));
          nextToken = page.NextToken === '' ? undefined : page.NextToken;
        } while (nextToken !== undefined);
      }
    }
    return results;
  };

  const shareCommand = (
    operation: 'add' | 'remove',
    snapshotId: string,
    withAccountId: string,
    dryRun = false,
  ) =>
    new ModifySnapshotAttributeCommand({
      SnapshotId: snapshotId,
      Attribute: 'createVolumePermission',
      OperationType: operation,
      UserIds: [withAccountId],
      ...(dryRun ? { DryRun: true } : {}),
    });

  const modifyShare = async (
    operation: 'add' | 'remove',
    account: AccountConfig,
    region: string,
    snapshotId: string,
    withAccountId: string,
    session: string,
  ): Promise<void> => {
    const client = clients.ec2(account, region, session);
    await mapAwsErrors(
      where(`ModifySnapshotAttribute (${operation} ${withAccountId})`, account, region),
      () => client.send(shareCommand(operation, snapshotId, withAccountId)),
    );
  };

  return {
    describeSnapshots,

    snapshotStatuses: async (account, region, snapshotIds, session) => {
      const unique = [...new Set(snapshotIds)];
      const snapshots = await describeSnapshots(account, region, { snapshotIds: unique }, session);
      return snapshots.map((s) => ({
        snapshotId: s.snapshotId,
        state: s.state,
        progress: s.progress,
        ...(s.stateMessage !== undefined ? { stateMessage: s.stateMessage } : {}),
        ...(s.state === 'error' ? { failureCode: snapshotFailureCode(s.stateMessage) } : {}),
        ...(s.state === 'completed'
          ? {
              result: {
                encrypted: s.encrypted,
                ...(s.kmsKeyId !== undefined ? { kmsKeyId: s.kmsKeyId } : {}),
              },
            }
          : {}),
      }));
    },

    findSnapshotsByTags: (account, region, tags, session) =>
      describeSnapshots(account, region, { tags, ownerIds: ['self'] }, session),

    copySnapshot: async (account, region, input, session) => {
      const context = where('CopySnapshot', account, region);
      if (input.kmsKeyId !== undefined && input.encrypted !== true) {
        throw new AwsError('invalid-parameter', `${context}: KmsKeyId requires Encrypted=true`);
      }
      // CopySnapshot has no ClientToken: a retry after a lost answer would copy twice.
      const client = clients.ec2(account, region, session, { idempotent: false });
      const output = await mapAwsErrors(context, () => client.send(copyCommand(input)));
      if (output.SnapshotId === undefined) {
        throw new AwsError('unknown', `${context}: AWS accepted the copy but returned no SnapshotId`);
      }
      return { snapshotId: output.SnapshotId };
    },

    snapshotSharedWith: async (account, region, snapshotId, session) => {
      const client = clients.ec2(account, region, session);
      const out = await mapAwsErrors(where('DescribeSnapshotAttribute', account, region), () =>
        client.send(
          new DescribeSnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission',
          }),
        ),
      );
      const perms = out.CreateVolumePermissions ?? [];
      return {
        userIds: perms.map((p) => p.UserId).filter((id): id is string => !!id),
        public: perms.some((p) => p.Group === 'all'),
      };
    },

    mayCopySnapshot: (account, region, input, session) => {
      const context = where('CopySnapshot (DryRun)', account, region);
      if (input.kmsKeyId !== undefined && input.encrypted !== true) {
        return Promise.reject(
          new AwsError('invalid-parameter', `${context}: KmsKeyId requires Encrypted=true`),
        );
      }
      // A DryRun changes nothing, so unlike the copy itself it may be retried.
      const client = clients.ec2(account, region, session);
      return dryRunVerdict(context, () => client.send(copyCommand(input, true)));
    },

    mayShareSnapshot: (account, region, snapshotId, withAccountId, session) => {
      const client = clients.ec2(account, region, session);
      return dryRunVerdict(
        where(`ModifySnapshotAttribute (DryRun, add ${withAccountId})`, account, region),
        () => client.send(shareCommand('add', snapshotId, withAccountId, true)),
      );
    },

    shareSnapshot: (account, region, snapshotId, withAccountId, session) =>
      modifyShare('add', account, region, snapshotId, withAccountId, session),
    unshareSnapshot: (account, region, snapshotId, withAccountId, session) =>
      modifyShare('remove', account, region, snapshotId, withAccountId, session),

    getEncryptionDefaults: async (account, region, session) => {
      const client = clients.ec2(account, region, session);
      const [byDefault, defaultKey] = await Promise.all([
        mapAwsErrors(where('GetEbsEncryptionByDefault', account, region), () =>
          client.send(new GetEbsEncryptionByDefaultCommand({})),
        ),
        mapAwsErrors(where('GetEbsDefaultKmsKeyId', account, region), () =>
          client.send(new GetEbsDefaultKmsKeyIdCommand({})),
        ),
      ]);
      return {
        encryptionByDefault: byDefault.EbsEncryptionByDefault === true,
        // AWS reports the managed key when no customer key is set; say so when it omits the field.
        defaultKmsKeyId: defaultKey.KmsKeyId ?? 'alias/aws/ebs',
      };
    },

    describeKey: async (account, region, keyId, session) => {
      const context = where(`DescribeKey ${keyId}`, account, region);
      const client = clients.kms(account, region, session);
      const output = await mapAwsErrors(context, () => client.send(new DescribeKeyCommand({ KeyId: keyId })));
      const meta = output.KeyMetadata;
      if (meta?.KeyId === undefined || meta.Arn === undefined) {
        throw new AwsError('unknown', `${context}: answer has no KeyMetadata`);
      }
      return {
        keyId: meta.KeyId,
        arn: meta.Arn,
        manager: meta.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
        enabled: meta.Enabled === true,
        state: meta.KeyState ?? (meta.Enabled === true ? 'Enabled' : 'Disabled'),
      };
    },

    lockSnapshot: async (account, region, snapshotId, lock, session) => {
      const client = clients.ec2(account, region, session);
      const context = where(`LockSnapshot ${snapshotId}`, account, region);
      try {
        const out = await mapAwsErrors(context, () =>
          client.send(
            new LockSnapshotCommand({
              SnapshotId: snapshotId,
              LockMode: lock.mode,
              LockDuration: lock.days,
              ...(lock.mode === 'compliance' && lock.coolOffHours !== undefined
                ? { CoolOffPeriod: lock.coolOffHours }
                : {}),
              ...(lock.dryRun ? { DryRun: true } : {}),
            }),
          ),
        );
        return {
          snapshotId,
          state: out.LockState ?? lock.mode,
          expiresOn: out.LockExpiresOn ?? null,
          coolOffExpiresOn: out.CoolOffPeriodExpiresOn ?? null,
        };
      } catch (err) {
        if (lock.dryRun && err instanceof AwsError && err.awsCode === 'DryRunOperation') {
          return { snapshotId, state: 'dry-run', expiresOn: null, coolOffExpiresOn: null };
        }
        throw err;
      }
    },

    lockedSnapshots: async (account, region, snapshotIds, session) => {
      if (snapshotIds.length === 0) return [];
      const client = clients.ec2(account, region, session);
      const locks: SnapshotLock[] = [];
      for (const ids of chunksOrAll(snapshotIds, chunkSize)) {
        const out = await mapAwsErrors(where('DescribeLockedSnapshots', account, region), () =>
          client.send(new DescribeLockedSnapshotsCommand({ ...(ids ? { SnapshotIds: ids } : {}) })),
        );
        for (const l of out.Snapshots ?? []) {
          if (l.SnapshotId === undefined) continue;
          locks.push({
            snapshotId: l.SnapshotId,
            state: l.LockState ?? 'unknown',
            expiresOn: l.LockExpiresOn ?? null,
            coolOffExpiresOn: l.CoolOffPeriodExpiresOn ?? null,
          });
        }
      }
      return locks;
    },

    deleteSnapshot: async (account, region, snapshotId, session) => {
      const client = clients.ec2(account, region, session);
      await mapAwsErrors(where(`DeleteSnapshot ${snapshotId}`, account, region), () =>
        client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })),
      );
    },

    createVolume: async (account, region, input, session) => {
      const client = clients.ec2(account, region, session);
      const context = where(`CreateVolume from ${input.snapshotId}`, account, region);
      const out = await mapAwsErrors(context, () =>
        client.send(
          new CreateVolumeCommand({
            SnapshotId: input.snapshotId,
            AvailabilityZone: input.availabilityZone,
            ClientToken: input.clientToken,
            TagSpecifications: [
              { ResourceType: 'volume', Tags: input.tags.map((t) => ({ Key: t.key, Value: t.value })) },
            ],
          }),
        ),
      );
      if (out.VolumeId === undefined) throw new AwsError('unknown', `${context}: answer has no VolumeId`);
      return { volumeId: out.VolumeId, state: out.State ?? 'creating', createTime: out.CreateTime ?? null };
    },

    describeVolume: async (account, region, volumeId, session) => {
      const client = clients.ec2(account, region, session);
      try {
        const out = await mapAwsErrors(where(`DescribeVolumes ${volumeId}`, account, region), () =>
          client.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })),
        );
        const v = out.Volumes?.[0];
        return v?.VolumeId === undefined
          ? undefined
          : { volumeId: v.VolumeId, state: v.State ?? 'unknown', createTime: v.CreateTime ?? null };
      } catch (err) {
        if (err instanceof AwsError && err.code === 'not-found') return undefined;
        throw err;
      }
    },

    deleteVolume: async (account, region, volumeId, session) => {
      const client = clients.ec2(account, region, session);
      try {
        await mapAwsErrors(where(`DeleteVolume ${volumeId}`, account, region), () =>
          client.send(new DeleteVolumeCommand({ VolumeId: volumeId })),
        );
      } catch (err) {
        if (err instanceof AwsError && err.code === 'not-found') return;
        throw err;
      }
    },

    permissionProbe: async (account, region, action, session) => {
      const client = clients.ec2(account, region, session);
      const snapshotId = 'snap-00000000000000000';
      const command =
        action === 'LockSnapshot'
          ? new LockSnapshotCommand({
              SnapshotId: snapshotId,
              LockMode: 'governance',
              LockDuration: 1,
              DryRun: true,
            })
          : action === 'DeleteSnapshot'
            ? new DeleteSnapshotCommand({ SnapshotId: snapshotId, DryRun: true })
            : action === 'CreateVolume'
              ? new CreateVolumeCommand({
                  SnapshotId: snapshotId,
                  AvailabilityZone: `${region}a`,
                  DryRun: true,
                  TagSpecifications: [
                    { ResourceType: 'volume', Tags: [{ Key: 'snapshot-copy:drill', Value: 'doctor' }] },
                  ],
                })
              : new DeleteVolumeCommand({ VolumeId: 'vol-00000000000000000', DryRun: true });
      try {
        // One type for the four commands: each resolves to its output, which is not read.
        await mapAwsErrors(where(`${action} (DryRun)`, account, region), () =>
          client.send(command as LockSnapshotCommand),
        );
        return 'allowed';
      } catch (err) {
        if (err instanceof AwsError && (err.awsCode === 'DryRunOperation' || err.code === 'not-found'))
          return 'allowed';
        if (err instanceof AwsError && err.code === 'unauthorized') return 'denied';
        throw err;
      }
    },

    callerIdentity: async (account, session) => {
      // STS is global but has regional endpoints; the account's first Region keeps calls local.
      const region = account.regions[0] ?? 'us-east-1';
      const context = where('GetCallerIdentity', account, region);
      const client = clients.sts(account, region, session);
      const output = await mapAwsErrors(context, () => client.send(new GetCallerIdentityCommand({})));
      if (output.Account === undefined || output.Arn === undefined) {
        throw new AwsError('unknown', `${context}: answer has no Account/Arn`);
      }
      return { accountId: output.Account, arn: output.Arn, userId: output.UserId ?? '' };
    },
  };
}

function copyCommand(input: CopySnapshotInput, dryRun = false): CopySnapshotCommand {
  return new CopySnapshotCommand({
    SourceRegion: input.sourceRegion,
    SourceSnapshotId: input.sourceSnapshotId,
    ...(input.encrypted !== undefined ? { Encrypted: input.encrypted } : {}),
    ...(input.kmsKeyId !== undefined ? { KmsKeyId: input.kmsKeyId } : {}),
    ...(input.description !== undefined ? { Description: input.description } : {}),
    ...(input.completionDurationMinutes !== undefined
      ? { CompletionDurationMinutes: input.completionDurationMinutes }
      : {}),
    ...(input.tags.length > 0
      ? {
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: input.tags.map((t) => ({ Key: t.key, Value: t.value })),
            },
          ],
        }
      : {}),
    ...(dryRun ? { DryRun: true } : {}),
  });
}

/**
 * What a DryRun with real parameters says. AWS checks IAM first: UnauthorizedOperation means the
 * role lacks the permission; DryRunOperation (HTTP 412) that IAM and the parameters would let the
 * call through. Only UnauthorizedOperation counts as a denial — AuthFailure, OptInRequired and the
 * like are not fixed by an IAM statement, so they are thrown with the rest.
 */
async function dryRunVerdict(context: string, call: () => Promise<unknown>): Promise<'allowed' | 'denied'> {
  try {
    await mapAwsErrors(context, call);
    return 'allowed';
  } catch (err) {
    if (err instanceof AwsError && err.awsCode === 'DryRunOperation') return 'allowed';
    if (err instanceof AwsError && err.awsCode === 'UnauthorizedOperation') return 'denied';
    throw err;
  }
}

/** `[undefined]` when there is no list (one unfiltered pass), else the list in chunks. */
function chunksOrAll(values: string[] | undefined, size: number): Array<string[] | undefined> {
  if (values === undefined) return [undefined];
  const chunks: string[][] = [];
  for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
  return chunks;
}

function toDescribedSnapshot(snapshot: Snapshot, account: AccountConfig, region: string): DescribedSnapshot {
  const context = `DescribeSnapshots in ${account.alias} ${region}`;
  const { SnapshotId, State, StartTime, OwnerId, VolumeSize } = snapshot;
  if (SnapshotId === undefined || State === undefined || StartTime === undefined) {
    throw new AwsError('unknown', `${context}: a snapshot lacks SnapshotId, State or StartTime`);
  }
  const state = SNAPSHOT_STATES.find((known) => known === State);
  if (state === undefined)
    throw new AwsError('unknown', `${context}: ${SnapshotId} has unknown state "${State}"`);
  return {
    snapshotId: SnapshotId,
    ownerId: OwnerId ?? account.id,
    // Copies report the placeholder vol-ffffffff; an absent VolumeId is reported the same way.
    volumeId: snapshot.VolumeId ?? 'vol-ffffffff',
    volumeSizeGiB: VolumeSize ?? 0,
    state,
    encrypted: snapshot.Encrypted === true,
    ...(snapshot.KmsKeyId !== undefined ? { kmsKeyId: snapshot.KmsKeyId } : {}),
    ...(snapshot.StorageTier === 'archive' ? { storageTier: 'archive' as const } : {}),
    startTime: StartTime,
    ...(snapshot.Description !== undefined && snapshot.Description !== ''
      ? { description: snapshot.Description }
      : {}),
    tags: (snapshot.Tags ?? []).flatMap((t) =>
      t.Key !== undefined ? [{ key: t.Key, value: t.Value ?? '' }] : [],
    ),
    progress: parseProgress(snapshot.Progress, state),
    ...(snapshot.StateMessage !== undefined && snapshot.StateMessage !== ''
      ? { stateMessage: snapshot.StateMessage }
      : {}),
  };
}

/** AWS reports progress as text (`"45%"`), sometimes empty while a copy is being set up. */
function parseProgress(progress: string | undefined, state: SnapshotState): number {
  const match = progress === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(progress);
  if (match?.[1] !== undefined) return Math.min(100, Number(match[1]));
  return state === 'completed' ? 100 : 0;
}
