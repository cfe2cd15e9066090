/**
 * EBS volumes, as far as a restore drill needs them: CreateVolume from a snapshot in an
 * Availability Zone (idempotent by ClientToken), DescribeVolumes, DeleteVolume. A volume is
 * `creating`, then `available` after the simulator's restore time, or `error` when the account
 * cannot use the KMS key the data is encrypted with (EBS finds that out only while creating).
 */
import type { HandlerContext } from './behaviour.js';
import { dryRun, findVisible, tagSet } from './ec2-snapshots.js';
import { AwsError } from './errors.js';
import type { QueryParams } from './protocol/query.js';
import { isoTime, type XmlObject } from './protocol/xml.js';
import { parseTagSpecifications } from './tags.js';
import type { SnapshotRecord, VolumeRecord } from './world.js';

const VOLUME_ID_RE = /^vol-([0-9a-f]{8}|[0-9a-f]{17})$/;

function volumeNotFound(id: string): AwsError {
  return new AwsError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
}

export function volumeXml(v: VolumeRecord): XmlObject {
  return {
    volumeId: v.id,
    size: v.sizeGiB,
    snapshotId: v.snapshotId ?? '',
    availabilityZone: v.availabilityZone,
    status: v.state,
    createTime: isoTime(v.createTime),
    attachmentSet: [],
    volumeType: v.volumeType,
    encrypted: v.encrypted,
    kmsKeyId: v.kmsKeyArn,
    tagSet: tagSet(v.tags),
    multiAttachEnabled: false,
  };
}

export function createVolume(ctx: HandlerContext, p: QueryParams): XmlObject {
  const zone = availabilityZone(ctx, p);
  const token = p.get('ClientToken');
  const tokenKey = token === undefined ? undefined : `${ctx.principal.accountId}|${ctx.region}|${token}`;
  const earlier = sameTokenVolume(ctx, tokenKey);
  if (earlier) return volumeXml(earlier);
  const snapshotId = p.get('SnapshotId');
  const size = p.int('Size');
  if (snapshotId === undefined && size === undefined) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter size or snapshotId');
  }
  const tags = parseTagSpecifications(p, 'volume');
  const source = snapshotId === undefined ? undefined : restorableSnapshot(ctx, snapshotId, size);
  if (p.bool('DryRun')) throw dryRun();
  const encryption = volumeEncryption(ctx, p, source);
  const volume = newVolume(ctx, { zone, size, volumeType: p.get('VolumeType'), tags, source, encryption });
  ctx.world.volumes.set(volume.id, volume);
  if (tokenKey !== undefined) ctx.world.volumeTokens.set(tokenKey, volume.id);
  return volumeXml(volume);
}

function availabilityZone(ctx: HandlerContext, p: QueryParams): string {
  const zone = p.get('AvailabilityZone');
  if (zone === undefined) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter AvailabilityZone');
  }
  if (!zone.startsWith(ctx.region) || !/^[a-z]$/.test(zone.slice(ctx.region.length))) {
    throw new AwsError('InvalidZone.NotFound', `The zone '${zone}' does not exist.`);
  }
  return zone;
}

/** The volume an earlier call with the same ClientToken created: CreateVolume is idempotent by it. */
function sameTokenVolume(ctx: HandlerContext, tokenKey: string | undefined): VolumeRecord | undefined {
  const earlier = tokenKey === undefined ? undefined : ctx.world.volumeTokens.get(tokenKey);
  return earlier === undefined ? undefined : ctx.world.volumes.get(earlier);
}

function restorableSnapshot(
  ctx: HandlerContext,
  snapshotId: string,
  size: number | undefined,
): SnapshotRecord {
  const source = findVisible(ctx, snapshotId);
  if (source.state !== 'completed') {
    throw new AwsError('IncorrectState', `Snapshot is in invalid state - ${source.state}`);
  }
  if (size !== undefined && size < source.sizeGiB) {
    throw new AwsError(
      'InvalidParameterValue',
      `Volume of ${size}GiB is smaller than snapshot '${source.id}', expect size >= ${source.sizeGiB}GiB`,
    );
  }
  return source;
}

interface VolumeEncryption {
  encrypted: boolean;
  kmsKeyArn?: string;
  /** False when the account cannot use a key the volume needs: creating it fails. */
  usable: boolean;
}

function volumeEncryption(
  ctx: HandlerContext,
  p: QueryParams,
  source: SnapshotRecord | undefined,
): VolumeEncryption {
  const { world } = ctx;
  const kmsKeyId = p.get('KmsKeyId');
  const encrypted = (source?.encrypted ?? false) || p.bool('Encrypted') === true;
  if (!encrypted) return { encrypted, usable: true };
  const scope = { accountId: ctx.principal.accountId, region: ctx.region };
  const keyRecord =
    kmsKeyId !== undefined
      ? (() => {
          const r = world.keys.resolve(kmsKeyId, scope);
          return r.ok ? r.key : undefined;
        })()
      : source?.kmsKeyArn !== undefined
        ? world.keys.all().find((k) => k.arn === source.kmsKeyArn)
        : world.defaultEbsKey(scope.accountId, scope.region);
  const kmsKeyArn = keyRecord?.arn ?? source?.kmsKeyArn ?? kmsKeyId;
  let usable = keyRecord !== undefined && world.keys.usableBy(keyRecord, ctx.principal.accountId);
  // Restoring re-reads the snapshot's data: its own key must be usable as well.
  const sourceKey = source?.kmsKeyArn ? world.keys.all().find((k) => k.arn === source.kmsKeyArn) : undefined;
  if (source?.encrypted && (!sourceKey || !world.keys.usableBy(sourceKey, ctx.principal.accountId)))
    usable = false;
  return kmsKeyArn !== undefined ? { encrypted, kmsKeyArn, usable } : { encrypted, usable };
}

interface NewVolume {
  zone: string;
  size: number | undefined;
  volumeType: string | undefined;
  tags: Map<string, string>;
  source: SnapshotRecord | undefined;
  encryption: VolumeEncryption;
}

function newVolume(ctx: HandlerContext, v: NewVolume): VolumeRecord {
  const { now } = ctx;
  const readyAt = now + ctx.behaviour.volumeCreateMs;
  const volume: VolumeRecord = {
    id: ctx.world.ids.volumeId(),
    ownerId: ctx.principal.accountId,
    region: ctx.region,
    availabilityZone: v.zone,
    sizeGiB: v.size ?? v.source?.sizeGiB ?? 1,
    volumeType: v.volumeType ?? 'gp2',
    state: 'creating',
    createTime: now,
    encrypted: v.encryption.encrypted,
    tags: v.tags,
    timeline: v.encryption.usable
      ? { availableAt: readyAt }
      : { failAt: now + Math.min(ctx.behaviour.keyFailureDelayMs, ctx.behaviour.volumeCreateMs) },
  };
  if (v.source) volume.snapshotId = v.source.id;
  if (v.encryption.kmsKeyArn !== undefined) volume.kmsKeyArn = v.encryption.kmsKeyArn;
  return volume;
}

type VolumeFilter = (v: VolumeRecord, value: string) => boolean;
const VOLUME_FILTERS: Record<string, VolumeFilter> = {
  'volume-id': (v, x) => v.id === x,
  status: (v, x) => v.state === x,
  'snapshot-id': (v, x) => v.snapshotId === x,
  'availability-zone': (v, x) => v.availabilityZone === x,
  'tag-key': (v, x) => v.tags.has(x),
};

function volumeFilter(name: string): VolumeFilter {
  if (name.startsWith('tag:')) {
    const k = name.slice(4);
    return (v, x) => v.tags.get(k) === x || (x === '*' && v.tags.has(k));
  }
  const f = VOLUME_FILTERS[name];
  if (!f) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
  return f;
}

export function describeVolumes(ctx: HandlerContext, p: QueryParams): XmlObject {
  const ids = p.list('VolumeId');
  for (const id of ids)
    if (!VOLUME_ID_RE.test(id)) throw new AwsError('InvalidVolumeID.Malformed', `Invalid id: "${id}"`);
  const filters = p
    .structs('Filter')
    .map((f) => ({ fn: volumeFilter(f.get('Name') ?? ''), values: f.list('Value') }));
  if (p.bool('DryRun')) throw dryRun();
  const mine = (v: VolumeRecord) => v.ownerId === ctx.principal.accountId && v.region === ctx.region;
  let volumes: VolumeRecord[];
  if (ids.length > 0) {
    volumes = ids.map((id) => {
      const v = ctx.world.volumes.get(id);
      if (!v || !mine(v)) throw volumeNotFound(id);
      return v;
    });
  } else {
    volumes = [...ctx.world.volumes.values()].filter(mine);
  }
  const matched = volumes
    .filter((v) => filters.every((f) => f.values.some((x) => f.fn(v, x))))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return { volumeSet: matched.map(volumeXml) };
}

export function deleteVolume(ctx: HandlerContext, p: QueryParams): XmlObject {
  const id = p.get('VolumeId');
  if (id === undefined)
    throw new AwsError('MissingParameter', 'The request must contain the parameter VolumeId');
  if (!VOLUME_ID_RE.test(id)) throw new AwsError('InvalidVolumeID.Malformed', `Invalid id: "${id}"`);
  const v = ctx.world.volumes.get(id);
  if (!v || v.ownerId !== ctx.principal.accountId || v.region !== ctx.region) throw volumeNotFound(id);
  if (v.state === 'in-use') throw new AwsError('VolumeInUse', `Volume ${id} is currently attached.`);
  if (p.bool('DryRun')) throw dryRun();
  ctx.world.volumes.delete(id);
  ctx.world.deletedVolumes.add(id);
  return { return: true };
}
