import type { HandlerContext } from './behaviour.js';
import { copySnapshot } from './ec2-copy.js';
import { describeLockedSnapshots, isLocked, lockSnapshot } from './ec2-lock.js';
import { describeSnapshots, dryRun, findOwned, snapshotNotFound } from './ec2-snapshots.js';
import { createVolume, deleteVolume, describeVolumes } from './ec2-volumes.js';
import { AwsError } from './errors.js';
import { AWS_EBS_ALIAS, aliasArn } from './keys.js';
import type { QueryParams } from './protocol/query.js';
import type { XmlObject } from './protocol/xml.js';
import { MAX_TAGS_PER_RESOURCE, parseTags } from './tags.js';
import type { SnapshotRecord } from './world.js';

export type Ec2Handler = (ctx: HandlerContext, p: QueryParams) => XmlObject;

function attribute(p: QueryParams): string {
  const attr = p.get('Attribute');
  if (attr === undefined)
    throw new AwsError('MissingParameter', 'The request must contain the parameter Attribute');
  if (attr !== 'createVolumePermission' && attr !== 'productCodes') {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${attr}) for parameter attribute is invalid. Unknown attribute.`,
    );
  }
  return attr;
}

function snapshotIdParam(p: QueryParams): string {
  const id = p.get('SnapshotId');
  if (id === undefined)
    throw new AwsError('MissingParameter', 'The request must contain the parameter SnapshotId');
  return id;
}

type Permission = { userId?: string; group?: string };

interface PermissionChanges {
  add: Permission[];
  remove: Permission[];
}

function modifySnapshotAttribute(ctx: HandlerContext, p: QueryParams): XmlObject {
  const s = findOwned(ctx, snapshotIdParam(p));
  // Attribute is optional here: the CreateVolumePermission.* form implies it.
  if (p.has('Attribute') && attribute(p) !== 'createVolumePermission') {
    throw new AwsError(
      'InvalidParameterCombination',
      'Only createVolumePermission can be modified on snapshots.',
    );
  }
  const changes = permissionChanges(p);
  validatePermissions(changes);
  if (changes.add.length > 0 && s.encrypted) assertShareable(ctx, s, changes.add);
  if (p.bool('DryRun')) throw dryRun();
  applyPermissions(s, changes);
  return { return: true };
}

/**
 * Two request forms exist: `OperationType` + `UserId.N` / `UserGroup.N`, and
 * `CreateVolumePermission.Add.N.UserId` / `.Remove.N.UserId` (or `.Group`).
 */
function permissionChanges(p: QueryParams): PermissionChanges {
  const add: Permission[] = [];
  const remove: Permission[] = [];
  const op = p.get('OperationType');
  if (op !== undefined) {
    if (op !== 'add' && op !== 'remove') {
      throw new AwsError('InvalidParameterValue', `Value (${op}) for parameter operationType is invalid.`);
    }
    const target = op === 'add' ? add : remove;
    for (const userId of p.list('UserId')) target.push({ userId });
    for (const group of p.list('UserGroup')) target.push({ group });
  }
  for (const [list, prefix] of [
    [add, 'CreateVolumePermission.Add'],
    [remove, 'CreateVolumePermission.Remove'],
  ] as const) {
    for (const item of p.structs(prefix)) {
      const userId = item.get('UserId');
      const group = item.get('Group');
      if (userId !== undefined) list.push({ userId });
      if (group !== undefined) list.push({ group });
    }
  }
  return { add, remove };
}

function validatePermissions({ add, remove }: PermissionChanges): void {
  if (add.length === 0 && remove.length === 0) {
    throw new AwsError('MissingParameter', 'No create volume permissions to add or remove were specified.');
  }
  for (const perm of [...add, ...remove]) {
    if (perm.userId !== undefined && !/^\d{12}$/.test(perm.userId)) {
      throw new AwsError('InvalidUserID.Malformed', `Invalid user id: '${perm.userId}'`);
    }
    if (perm.group !== undefined && perm.group !== 'all') {
      throw new AwsError('InvalidParameterValue', `Invalid group '${perm.group}'; the only group is 'all'.`);
    }
  }
}

/** An encrypted snapshot can be shared with accounts, but not under an AWS managed key, nor publicly. */
function assertShareable(ctx: HandlerContext, s: SnapshotRecord, add: Permission[]): void {
  const key = ctx.world.keys.all().find((k) => k.arn === s.kmsKeyArn);
  if (key?.keyManager === 'AWS') {
    throw new AwsError(
      'InvalidParameter',
      "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.",
    );
  }
  if (add.some((perm) => perm.group === 'all')) {
    throw new AwsError('InvalidParameter', 'Encrypted snapshots cannot be made public.');
  }
}

function applyPermissions(s: SnapshotRecord, { add, remove }: PermissionChanges): void {
  for (const perm of add) {
    if (perm.userId !== undefined) s.sharedWith.add(perm.userId);
    if (perm.group === 'all') s.public = true;
  }
  for (const perm of remove) {
    if (perm.userId !== undefined) s.sharedWith.delete(perm.userId);
    if (perm.group === 'all') s.public = false;
  }
}

function describeSnapshotAttribute(ctx: HandlerContext, p: QueryParams): XmlObject {
  const s = findOwned(ctx, snapshotIdParam(p));
  const attr = attribute(p);
  if (p.bool('DryRun')) throw dryRun();
  if (attr === 'productCodes') return { snapshotId: s.id, productCodes: [] };
  const perms: XmlObject[] = [...s.sharedWith].map((userId) => ({ userId }));
  if (s.public) perms.push({ group: 'all' });
  return { snapshotId: s.id, createVolumePermission: perms };
}

function createTags(ctx: HandlerContext, p: QueryParams): XmlObject {
  const ids = p.list('ResourceId');
  if (ids.length === 0)
    throw new AwsError('MissingParameter', 'The request must contain the parameter ResourceId');
  const tags = parseTags(p.structs('Tag'));
  const targets = ids.map((id) => {
    if (!id.startsWith('snap-')) throw new AwsError('InvalidID', `The ID '${id}' is not valid`);
    return findOwned(ctx, id);
  });
  for (const s of targets) {
    const merged = new Map([...s.tags, ...tags]);
    if (merged.size > MAX_TAGS_PER_RESOURCE) {
      throw new AwsError(
        'TagLimitExceeded',
        `The maximum number of tags per resource is ${MAX_TAGS_PER_RESOURCE}`,
      );
    }
  }
  if (p.bool('DryRun')) throw dryRun();
  for (const s of targets) for (const [k, v] of tags) s.tags.set(k, v);
  return { return: true };
}

function deleteSnapshot(ctx: HandlerContext, p: QueryParams): XmlObject {
  const id = snapshotIdParam(p);
  const s = findOwned(ctx, id);
  // EC2 names no dedicated code for this in its error list; the message says what happened.
  if (isLocked(s, ctx.now)) {
    throw new AwsError('SnapshotLocked', `The snapshot '${id}' is locked and cannot be deleted.`);
  }
  if (p.bool('DryRun')) throw dryRun();
  if (!ctx.world.snapshots.delete(s.id)) throw snapshotNotFound(id);
  return { return: true };
}

function getEbsEncryptionByDefault(ctx: HandlerContext, p: QueryParams): XmlObject {
  if (p.bool('DryRun')) throw dryRun();
  const settings = ctx.world.regionSettings(ctx.principal.accountId, ctx.region);
  return { ebsEncryptionByDefault: settings.encryptionByDefault ?? false, sseType: 'none' };
}

/** Without a configured default, EC2 reports the alias ARN of the AWS managed key. */
function getEbsDefaultKmsKeyId(ctx: HandlerContext, p: QueryParams): XmlObject {
  if (p.bool('DryRun')) throw dryRun();
  const { accountId } = ctx.principal;
  const configured = ctx.world.regionSettings(accountId, ctx.region).defaultKmsKeyId;
  if (configured === undefined) return { kmsKeyId: aliasArn(ctx.region, accountId, AWS_EBS_ALIAS) };
  const r = ctx.world.keys.resolve(configured, { accountId, region: ctx.region });
  return { kmsKeyId: r.ok ? r.key.arn : r.reference };
}

export const EC2_ACTIONS: Record<string, Ec2Handler> = {
  DescribeSnapshots: describeSnapshots,
  CopySnapshot: copySnapshot,
  ModifySnapshotAttribute: modifySnapshotAttribute,
  DescribeSnapshotAttribute: describeSnapshotAttribute,
  CreateTags: createTags,
  DeleteSnapshot: deleteSnapshot,
  GetEbsEncryptionByDefault: getEbsEncryptionByDefault,
  GetEbsDefaultKmsKeyId: getEbsDefaultKmsKeyId,
  LockSnapshot: lockSnapshot,
  DescribeLockedSnapshots: describeLockedSnapshots,
  CreateVolume: createVolume,
  DescribeVolumes: describeVolumes,
  DeleteVolume: deleteVolume,
};
