import type { HandlerContext } from './behaviour.js';
import { assertSnapshotId, dryRun, findVisible, tagSet } from './ec2-snapshots.js';
import { type CopyEncryptionOutcome, copyEncryptionOutcome } from './encryption.js';
import { AwsError } from './errors.js';
import type { KeyRecord } from './keys.js';
import type { QueryParams } from './protocol/query.js';
import type { XmlObject } from './protocol/xml.js';
import { parseSnapshotTagSpecifications } from './tags.js';
import type { CopyRecord, SnapshotRecord } from './world.js';

/** What AWS puts in StateMessage when the destination account cannot use a key the copy needs. */
export const KEY_NOT_ACCESSIBLE = 'Given key ID is not accessible';

/** Copies get an arbitrary volume ID "that should not be used for any purpose" (the seed); AWS shows this one. */
export const COPY_VOLUME_ID = 'vol-ffffffff';

function required(p: QueryParams, name: string): string {
  const v = p.get(name);
  if (v === undefined || v === '') {
    throw new AwsError('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return v;
}

function validateCompletionDuration(minutes: number | undefined): void {
  if (minutes === undefined) return;
  if (minutes < 15 || minutes > 2880 || minutes % 15 !== 0) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${minutes}) for parameter CompletionDurationMinutes is invalid. ` +
        'Specify a value between 15 and 2880 minutes, in 15-minute increments.',
    );
  }
}

/** The key the copy will be encrypted with, or why it cannot be used (found out only after the call). */
interface TargetKey {
  arn?: string;
  usable: boolean;
}

function targetKey(
  ctx: HandlerContext,
  outcome: CopyEncryptionOutcome,
  kmsKeyId: string | undefined,
  source: SnapshotRecord,
): TargetKey {
  if (!outcome.encrypted) return { usable: true };
  const { world } = ctx;
  const dest = { accountId: ctx.principal.accountId, region: ctx.region };
  let key: KeyRecord | undefined;
  if (outcome.key === 'specified') {
    // EC2 checks KmsKeyId asynchronously (CopySnapshot API reference): an unknown key is not an
    // error here, the copy fails later.
    const r = world.keys.resolve(kmsKeyId!, dest);
    if (!r.ok) return { arn: r.reference, usable: false };
    key = r.key;
  } else if (outcome.key === 'source' && source.region === ctx.region) {
    key = source.kmsKeyArn ? world.keys.all().find((k) => k.arn === source.kmsKeyArn) : undefined;
  } else {
    // KMS keys are Regional: a copy into another Region cannot keep the source's key, so an owned
    // encrypted source crossing Regions without KmsKeyId gets the destination's default key.
    key = world.defaultEbsKey(dest.accountId, dest.region);
  }
  if (!key) return { arn: source.kmsKeyArn, usable: false };
  const usable = key.region === dest.region && world.keys.usableBy(key, dest.accountId);
  return { arn: key.arn, usable };
}

/** The source's key must be usable by the destination account to read (decrypt) the source. */
function sourceKeyUsable(ctx: HandlerContext, source: SnapshotRecord): boolean {
  if (!source.encrypted) return true;
  const key = ctx.world.keys.all().find((k) => k.arn === source.kmsKeyArn);
  return key !== undefined && ctx.world.keys.usableBy(key, ctx.principal.accountId);
}

/**
 * The volume a snapshot's data comes from, as AWS knows it internally: a copy reports the VolumeId
 * vol-ffffffff, but AWS still copies a copy of a copy incrementally from the original's lineage.
 */
function lineageOf(s: SnapshotRecord): string {
  return s.copy ? s.copy.sourceVolumeId : s.volumeId;
}

function sameVolume(s: SnapshotRecord, volumeId: string): boolean {
  return lineageOf(s) === volumeId;
}

/**
 * Full or incremental, per the seed: incremental only when a completed snapshot of the same volume
 * is already in the destination account and Region with the same encryption status and key.
 */
function incrementality(
  ctx: HandlerContext,
  source: SnapshotRecord,
  encrypted: boolean,
  kmsKeyArn: string | undefined,
): Pick<CopyRecord, 'incremental' | 'incrementalBase' | 'reason'> {
  const dest = ctx.principal.accountId;
  const same = [...ctx.world.snapshots.values()].filter(
    (s) =>
      s.ownerId === dest &&
      s.region === ctx.region &&
      s.state === 'completed' &&
      sameVolume(s, lineageOf(source)),
  );
  const base = same.find((s) => s.encrypted === encrypted && s.kmsKeyArn === kmsKeyArn);
  if (base) return { incremental: true, incrementalBase: base.id, reason: `incremental from ${base.id}` };
  if (same.some((s) => s.encrypted !== encrypted))
    return { incremental: false, reason: 'encryption status changed' };
  if (same.length > 0) return { incremental: false, reason: 'different KMS key' };
  if (ctx.world.copyHistory.has(`${dest}|${ctx.region}|${lineageOf(source)}`)) {
    return { incremental: false, reason: 'previous copy gone' };
  }
  return { incremental: false, reason: `first copy of ${lineageOf(source)} to ${ctx.region}` };
}

interface CopyRequest {
  sourceRegion: string;
  sourceId: string;
  encryptedParam: boolean;
  kmsKeyId: string | undefined;
  completionDurationMinutes: number | undefined;
  description: string | undefined;
  tags: Map<string, string>;
}

/** What the copy will be, decided at the call: AWS finds out only later that a key is unusable. */
interface CopyPlan {
  encrypted: boolean;
  kmsKeyArn: string | undefined;
  keyFailure: CopyRecord['keyFailure'];
  incrementality: Pick<CopyRecord, 'incremental' | 'incrementalBase' | 'reason'>;
  durationMs: number;
}

export function copySnapshot(ctx: HandlerContext, p: QueryParams): XmlObject {
  const request = copyRequest(p);
  const source = copyableSource(ctx, request);
  if (p.bool('DryRun')) throw dryRun();
  assertCopySlotFree(ctx);
  const plan = planCopy(ctx, request, source);
  const snapshot = pendingCopy(ctx, request, source, plan);
  ctx.world.snapshots.set(snapshot.id, snapshot);
  ctx.world.copyHistory.add(`${ctx.principal.accountId}|${ctx.region}|${lineageOf(source)}`);
  return { snapshotId: snapshot.id, tagSet: tagSet(request.tags) };
}

function copyRequest(p: QueryParams): CopyRequest {
  const sourceRegion = required(p, 'SourceRegion');
  const sourceId = required(p, 'SourceSnapshotId');
  assertSnapshotId(sourceId);
  const encryptedParam = p.bool('Encrypted') ?? false;
  const kmsKeyId = p.get('KmsKeyId');
  const completionDurationMinutes = p.int('CompletionDurationMinutes');
  validateCompletionDuration(completionDurationMinutes);
  if (kmsKeyId !== undefined && !encryptedParam) {
    throw new AwsError(
      'InvalidParameterDependency',
      'The parameter KmsKeyId requires the parameter Encrypted to be set.',
    );
  }
  const description = p.get('Description');
  if (description !== undefined && description.length > 255) {
    throw new AwsError('InvalidParameterValue', 'The description must be at most 255 characters long.');
  }
  const tags = parseSnapshotTagSpecifications(p);
  return { sourceRegion, sourceId, encryptedParam, kmsKeyId, completionDurationMinutes, description, tags };
}

function copyableSource(ctx: HandlerContext, { sourceId, sourceRegion }: CopyRequest): SnapshotRecord {
  const source = findVisible(ctx, sourceId, sourceRegion);
  if (source.state !== 'completed') {
    throw new AwsError('IncorrectState', `Snapshot is in invalid state - ${source.state}`);
  }
  if (source.storageTier === 'archive') {
    // Unverified wording: AWS documents that archived snapshots cannot be copied, not the exact error.
    throw new AwsError(
      'IncorrectState',
      `Snapshot ${source.id} is in the archive tier and cannot be copied. Restore it to the standard tier first (RestoreSnapshotTier).`,
    );
  }
  return source;
}

function assertCopySlotFree(ctx: HandlerContext): void {
  const dest = ctx.principal.accountId;
  const limit = ctx.world.copyLimitFor(dest, ctx.region);
  if (ctx.world.pendingCopies(dest, ctx.region) >= limit) {
    throw new AwsError(
      'ResourceLimitExceeded',
      `Too many snapshot copies in progress. The limit is ${limit} for this destination region.`,
    );
  }
}

function planCopy(ctx: HandlerContext, request: CopyRequest, source: SnapshotRecord): CopyPlan {
  const dest = ctx.principal.accountId;
  const settings = ctx.world.regionSettings(dest, ctx.region);
  const outcome = copyEncryptionOutcome({
    sourceEncrypted: source.encrypted,
    sourceOwned: source.ownerId === dest,
    encryptedParam: request.encryptedParam,
    kmsKeyIdGiven: request.kmsKeyId !== undefined,
    encryptionByDefault: settings.encryptionByDefault ?? false,
  });
  const target = targetKey(ctx, outcome, request.kmsKeyId, source);
  const keyFailure = !sourceKeyUsable(ctx, source)
    ? 'source-key'
    : !target.usable
      ? 'destination-key'
      : undefined;
  const incr = incrementality(ctx, source, outcome.encrypted, target.arn);
  const { completionDurationMinutes } = request;
  const durationMs = Math.max(
    1,
    ctx.behaviour.copyDuration({
      sizeGiB: source.sizeGiB,
      incremental: incr.incremental,
      crossRegion: request.sourceRegion !== ctx.region,
      ...(completionDurationMinutes !== undefined ? { completionDurationMinutes } : {}),
    }),
  );
  return {
    encrypted: outcome.encrypted,
    kmsKeyArn: target.arn,
    keyFailure,
    incrementality: incr,
    durationMs,
  };
}

/** The destination snapshot, `pending` from now, with the simulator's record of how it was made. */
function pendingCopy(
  ctx: HandlerContext,
  request: CopyRequest,
  source: SnapshotRecord,
  plan: CopyPlan,
): SnapshotRecord {
  const { now } = ctx;
  const { sourceRegion, description } = request;
  const { durationMs } = plan;
  const dest = ctx.principal.accountId;
  const id = ctx.world.ids.snapshotId();
  const snapshot: SnapshotRecord = {
    id,
    ownerId: dest,
    region: ctx.region,
    volumeId: COPY_VOLUME_ID,
    sizeGiB: source.sizeGiB,
    state: 'pending',
    progress: 0,
    storageTier: 'standard',
    encrypted: plan.encrypted,
    startTime: now,
    description:
      description ??
      `[Copied ${source.id} from ${sourceRegion}]${source.description ? ` ${source.description}` : ''}`,
    tags: request.tags,
    sharedWith: new Set(),
    public: false,
    timeline: { startedAt: now, completeAt: now + durationMs },
    copy: copyRecord(ctx, id, request, source, plan),
  };
  if (plan.encrypted && plan.kmsKeyArn !== undefined) snapshot.kmsKeyArn = plan.kmsKeyArn;
  if (plan.keyFailure && snapshot.timeline) {
    // Fails "a little later", and always before it could have completed.
    snapshot.timeline.failAt = now + Math.min(ctx.behaviour.keyFailureDelayMs, durationMs - 1);
    snapshot.timeline.failMessage = KEY_NOT_ACCESSIBLE;
  }
  return snapshot;
}

function copyRecord(
  ctx: HandlerContext,
  id: string,
  { sourceRegion, completionDurationMinutes }: CopyRequest,
  source: SnapshotRecord,
  plan: CopyPlan,
): CopyRecord {
  const copy: CopyRecord = {
    snapshotId: id,
    sourceSnapshotId: source.id,
    sourceRegion,
    sourceOwnerId: source.ownerId,
    sourceVolumeId: lineageOf(source),
    destinationAccountId: ctx.principal.accountId,
    destinationRegion: ctx.region,
    encrypted: plan.encrypted,
    ...plan.incrementality,
    startedAt: ctx.now,
    durationMs: plan.durationMs,
  };
  if (plan.kmsKeyArn !== undefined) copy.kmsKeyArn = plan.kmsKeyArn;
  if (completionDurationMinutes !== undefined) copy.completionDurationMinutes = completionDurationMinutes;
  if (plan.keyFailure) copy.keyFailure = plan.keyFailure;
  return copy;
}
