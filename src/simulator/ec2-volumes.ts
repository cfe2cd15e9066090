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
import type { VolumeRecord } from './world.js';

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
  const { world, now } = ctx;
  const zone = p.get('AvailabilityZone');
  if (zone === undefined) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter AvailabilityZone');
  }
  if (!zone.startsWith(ctx.region) || !/^[a-z]$/.test(zone.slice(ctx.region.length))) {
    throw new AwsError('InvalidZone.NotFound', `The zone '${zone}' does not exist.`);
  }
  const token = p.get('ClientToken');
  const key = token === undefined ? undefined : `${ctx.principal.accountId}|${ctx.region}|${token}`;
  const earlier = key === undefined ? undefined : world.volumeTokens.get(key);
  if (earlier !== undefined) {
    const v = world.volumes.get(earlier);
    if (v) return volumeXml(v);
  }
  const snapshotId = p.get('SnapshotId');
  const size = p.int('Size');
  if (snapshotId === undefined && size === undefined) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter size or snapshotId');
  }
  const tags = parseTagSpecifications(p, 'volume');
  const source = snapshotId === undefined ? undefined : findVisible(ctx, snapshotId);
  if (source && source.state !== 'completed') {
    throw new AwsError('IncorrectState', `Snapshot is in invalid state - ${source.state}`);
  }
  if (source && size !== undefined && size < source.sizeGiB) {
    throw new AwsError(
      'InvalidParameterValue',
      `Volume of ${size}GiB is smaller than snapshot '${source.id}', expect size >= ${source.sizeGiB}GiB`,
    );
  }
  if (p.bool('DryRun')) throw dryRun();
  const kmsKeyId = p.get('KmsKeyId');
  const encrypted = (source?.encrypted ?? false) || p.bool('Encrypted') === true;
  let kmsKeyArn: string | undefined;
  let usable = true;
  if (encrypted) {
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
    kmsKeyArn = keyRecord?.arn ?? source?.kmsKeyArn ?? kmsKeyId;
    usable = keyRecord !== undefined && world.keys.usableBy(keyRecord, ctx.principal.accountId);
    // Restoring re-reads the snapshot's data: its own key must be usable as well.
    const sourceKey = source?.kmsKeyArn
      ? world.keys.all().find((k) => k.arn === source.kmsKeyArn)
      : undefined;
    if (source?.encrypted && (!sourceKey || !world.keys.usableBy(sourceKey, ctx.principal.accountId)))
      usable = false;
  }
  const id = world.ids.volumeId();
  const readyAt = now + ctx.behaviour.volumeCreateMs;
  const volume: VolumeRecord = {
    id,
    ownerId: ctx.principal.accountId,
    region: ctx.region,
    availabilityZone: zone,
    sizeGiB: size ?? source?.sizeGiB ?? 1,
    volumeType: p.get('VolumeType') ?? 'gp2',
    state: 'creating',
    createTime: now,
    encrypted,
    tags,
    timeline: usable
      ? { availableAt: readyAt }
      : { failAt: now + Math.min(ctx.behaviour.keyFailureDelayMs, ctx.behaviour.volumeCreateMs) },
  };
  if (source) volume.snapshotId = source.id;
  if (kmsKeyArn !== undefined) volume.kmsKeyArn = kmsKeyArn;
  world.volumes.set(id, volume);
  if (key !== undefined) world.volumeTokens.set(key, id);
  return volumeXml(volume);
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
