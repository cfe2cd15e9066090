import type { HandlerContext } from './behaviour.js';
import { AwsError } from './errors.js';
import type { QueryParams } from './protocol/query.js';
import { isoTime, type XmlObject } from './protocol/xml.js';
import type { SnapshotRecord } from './world.js';

const SNAPSHOT_ID_RE = /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/;

export function assertSnapshotId(id: string): void {
  if (!SNAPSHOT_ID_RE.test(id)) {
    throw new AwsError('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`);
  }
}

export function snapshotNotFound(id: string): AwsError {
  return new AwsError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
}

/** createVolumePermission semantics: the owner, accounts it is shared with, and everyone when public. */
export function visibleTo(s: SnapshotRecord, accountId: string): boolean {
  return s.ownerId === accountId || s.sharedWith.has(accountId) || s.public;
}

/** A snapshot the caller can see in a Region, or InvalidSnapshot.NotFound (AWS does not reveal others'). */
export function findVisible(ctx: HandlerContext, id: string, region = ctx.region): SnapshotRecord {
  assertSnapshotId(id);
  const s = ctx.world.snapshots.get(id);
  if (!s || s.region !== region || !visibleTo(s, ctx.principal.accountId)) throw snapshotNotFound(id);
  return s;
}

/** A snapshot the caller owns in the request's Region. Visible-but-shared ones cannot be changed. */
export function findOwned(ctx: HandlerContext, id: string): SnapshotRecord {
  const s = findVisible(ctx, id);
  if (s.ownerId !== ctx.principal.accountId) {
    throw new AwsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403);
  }
  return s;
}

export function tagSet(tags: ReadonlyMap<string, string>): XmlObject[] | undefined {
  if (tags.size === 0) return undefined;
  return [...tags].map(([key, value]) => ({ key, value }));
}

/** One `<item>` of DescribeSnapshots' `snapshotSet`, element names as EC2 sends them. */
export function snapshotXml(s: SnapshotRecord): XmlObject {
  const timeBased = s.copy?.completionDurationMinutes !== undefined;
  return {
    snapshotId: s.id,
    volumeId: s.volumeId,
    status: s.state,
    statusMessage: s.stateMessage,
    startTime: isoTime(s.startTime),
    progress: `${s.progress}%`,
    ownerId: s.ownerId,
    volumeSize: s.sizeGiB,
    description: s.description,
    encrypted: s.encrypted,
    kmsKeyId: s.encrypted ? s.kmsKeyArn : undefined,
    tagSet: tagSet(s.tags),
    storageTier: s.storageTier,
    transferType: s.copy ? (timeBased ? 'time-based' : 'standard') : undefined,
    completionDurationMinutes: s.copy?.completionDurationMinutes,
    completionTime:
      s.state === 'completed' && s.completionTime !== undefined ? isoTime(s.completionTime) : undefined,
  };
}

type FilterFn = (s: SnapshotRecord, value: string) => boolean;

const FILTERS: Record<string, FilterFn> = {
  'snapshot-id': (s, v) => wildcard(v, s.id),
  'volume-id': (s, v) => wildcard(v, s.volumeId),
  status: (s, v) => wildcard(v, s.state),
  'owner-id': (s, v) => wildcard(v, s.ownerId),
  description: (s, v) => wildcard(v, s.description),
  encrypted: (s, v) => String(s.encrypted) === v,
  progress: (s, v) => wildcard(v, `${s.progress}%`),
  'volume-size': (s, v) => String(s.sizeGiB) === v,
  'start-time': (s, v) => wildcard(v, isoTime(s.startTime)),
  'storage-tier': (_s, v) => wildcard(v, 'standard'),
  'tag-key': (s, v) => [...s.tags.keys()].some((k) => wildcard(v, k)),
};

/** EC2 filter values accept `*` (any run) and `?` (any one character). */
function wildcard(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

function filterFor(name: string): FilterFn {
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return (s, v) => s.tags.has(key) && wildcard(v, s.tags.get(key)!);
  }
  const f = FILTERS[name];
  if (!f) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
  return f;
}

interface PageToken {
  after: string;
}

function decodeToken(token: string): PageToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && typeof (parsed as PageToken).after === 'string') {
      return parsed as PageToken;
    }
  } catch {
    // fall through: any undecodable token is reported the way EC2 does
  }
  throw new AwsError('InvalidPaginationToken', `Invalid pagination token: ${token}`);
}

export function describeSnapshots(ctx: HandlerContext, p: QueryParams): XmlObject {
  const caller = ctx.principal.accountId;
  const ids = p.list('SnapshotId');
  const owners = p.list('Owner');
  const restorableBy = p.list('RestorableBy');
  const maxResults = p.int('MaxResults');
  const nextToken = p.get('NextToken');
  const filters = p.structs('Filter').map((f) => {
    const name = f.get('Name');
    if (!name) throw new AwsError('InvalidParameterValue', 'The filter name must not be empty');
    return { fn: filterFor(name), values: f.list('Value') };
  });

  if (maxResults !== undefined) {
    if (ids.length > 0) {
      throw new AwsError(
        'InvalidParameterCombination',
        'The parameter snapshotSet cannot be used with the parameter maxResults',
      );
    }
    if (maxResults < 5 || maxResults > 1000) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
      );
    }
  }
  if (p.bool('DryRun')) throw dryRun();

  let candidates: SnapshotRecord[];
  if (ids.length > 0) {
    candidates = ids.map((id) => findVisible(ctx, id));
  } else {
    const listedBefore = ctx.now - ctx.behaviour.listingDelayMs;
    candidates = [...ctx.world.snapshots.values()].filter(
      (s) => s.region === ctx.region && visibleTo(s, caller) && s.startTime <= listedBefore,
    );
  }
  const matched = candidates
    .filter((s) => owners.length === 0 || owners.some((o) => (o === 'self' ? caller : o) === s.ownerId))
    .filter((s) => restorableBy.length === 0 || restorableBy.some((r) => restorable(s, r, caller)))
    .filter((s) => filters.every((f) => f.values.some((v) => f.fn(s, v))))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  let page = matched;
  let token: string | undefined;
  if (nextToken !== undefined) {
    const { after } = decodeToken(nextToken);
    page = page.filter((s) => s.id > after);
  }
  if (maxResults !== undefined && page.length > maxResults) {
    page = page.slice(0, maxResults);
    token = Buffer.from(JSON.stringify({ after: page[page.length - 1]!.id }), 'utf8').toString('base64url');
  }
  return { snapshotSet: page.map(snapshotXml), nextToken: token };
}

/** `RestorableBy`: `self` = own or explicitly shared; an account ID = explicitly shared; `all` = public. */
function restorable(s: SnapshotRecord, who: string, caller: string): boolean {
  if (who === 'all') return s.public;
  if (who === 'self' || who === caller) return s.ownerId === caller || s.sharedWith.has(caller);
  return s.sharedWith.has(who);
}

export function dryRun(): AwsError {
  return new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}
