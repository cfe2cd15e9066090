/**
 * EBS snapshot lock (LockSnapshot, DescribeLockedSnapshots), as the EC2 API reference describes
 * it: governance or compliance mode, a duration in days or an expiration date, and for compliance
 * an optional cooling-off period in hours during which the lock can still be changed.
 */
import type { HandlerContext } from './behaviour.js';
import { dryRun, findOwned } from './ec2-snapshots.js';
import { AwsError } from './errors.js';
import type { QueryParams } from './protocol/query.js';
import { isoTime, type XmlObject } from './protocol/xml.js';
import type { LockRecord, SnapshotRecord } from './world.js';

export type LockState = 'compliance-cooloff' | 'governance' | 'compliance' | 'expired';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export function lockState(lock: LockRecord, now: number): LockState {
  if (now >= lock.expiresOn) return 'expired';
  if (lock.mode === 'governance') return 'governance';
  return lock.coolOffExpiresOn !== undefined && now < lock.coolOffExpiresOn
    ? 'compliance-cooloff'
    : 'compliance';
}

/** A lock that still stops DeleteSnapshot. */
export function isLocked(s: SnapshotRecord, now: number): boolean {
  return s.lock !== undefined && lockState(s.lock, now) !== 'expired';
}

function lockXml(s: SnapshotRecord, lock: LockRecord, now: number): XmlObject {
  return {
    snapshotId: s.id,
    lockState: lockState(lock, now),
    lockDuration: lock.durationDays,
    coolOffPeriod: lock.coolOffHours,
    coolOffPeriodExpiresOn: lock.coolOffExpiresOn !== undefined ? isoTime(lock.coolOffExpiresOn) : undefined,
    lockCreatedOn: isoTime(lock.createdOn),
    lockExpiresOn: isoTime(lock.expiresOn),
    lockDurationStartTime: isoTime(lock.durationStartTime),
  };
}

function invalid(name: string, value: string, expect: string): AwsError {
  return new AwsError(
    'InvalidParameterValue',
    `Value (${value}) for parameter ${name} is invalid. ${expect}`,
  );
}

interface LockRequest {
  id: string;
  mode: LockRecord['mode'];
  days: number | undefined;
  expiration: string | undefined;
  coolOff: number | undefined;
}

export function lockSnapshot(ctx: HandlerContext, p: QueryParams): XmlObject {
  const request = lockRequest(p);
  const s = findOwned(ctx, request.id);
  const { now } = ctx;
  // A lock on a pending snapshot starts counting once the snapshot completes.
  const start = s.state === 'completed' ? now : (s.timeline?.completeAt ?? now);
  const expiresOn = lockExpiry(request, start, now);
  assertLockChangeAllowed(s.lock, request.mode, expiresOn, now);
  if (p.bool('DryRun')) throw dryRun();
  const lock = newLock(request, s.lock, start, expiresOn, now);
  s.lock = lock;
  return lockXml(s, lock, now);
}

function lockRequest(p: QueryParams): LockRequest {
  const id = p.get('SnapshotId');
  if (id === undefined)
    throw new AwsError('MissingParameter', 'The request must contain the parameter SnapshotId');
  const mode = p.get('LockMode');
  if (mode === undefined)
    throw new AwsError('MissingParameter', 'The request must contain the parameter LockMode');
  if (mode !== 'governance' && mode !== 'compliance')
    throw invalid('LockMode', mode, "Expected: 'governance' or 'compliance'.");
  const days = p.int('LockDuration');
  const expiration = p.get('ExpirationDate');
  const coolOff = p.int('CoolOffPeriod');
  if ((days === undefined) === (expiration === undefined)) {
    throw new AwsError(
      'InvalidParameterCombination',
      'Specify exactly one of LockDuration or ExpirationDate.',
    );
  }
  if (days !== undefined && (days < 1 || days > 36_500))
    throw invalid('LockDuration', String(days), 'Specify 1 to 36500 days.');
  if (coolOff !== undefined) {
    if (mode !== 'compliance') {
      throw new AwsError(
        'InvalidParameterCombination',
        'CoolOffPeriod can only be specified for compliance mode.',
      );
    }
    if (coolOff < 1 || coolOff > 72)
      throw invalid('CoolOffPeriod', String(coolOff), 'Specify 1 to 72 hours.');
  }
  return { id, mode, days, expiration, coolOff };
}

function lockExpiry({ days, expiration }: LockRequest, start: number, now: number): number {
  if (expiration === undefined) return start + (days as number) * DAY_MS;
  const expiresOn = Date.parse(expiration);
  if (Number.isNaN(expiresOn) || expiresOn <= now) {
    throw invalid('ExpirationDate', expiration, 'The expiration date must be in the future.');
  }
  return expiresOn;
}

/** Past its cooling-off period, a compliance lock can only be extended, in compliance mode. */
function assertLockChangeAllowed(
  previous: LockRecord | undefined,
  mode: LockRecord['mode'],
  expiresOn: number,
  now: number,
): void {
  if (previous && lockState(previous, now) === 'compliance' && expiresOn < previous.expiresOn) {
    throw new AwsError(
      'InvalidParameterValue',
      'The snapshot is locked in compliance mode after its cooling-off period: the lock can only be extended.',
    );
  }
  if (previous && lockState(previous, now) === 'compliance' && mode !== 'compliance') {
    throw new AwsError(
      'InvalidParameterValue',
      'A compliance-mode lock after its cooling-off period cannot change mode.',
    );
  }
}

function newLock(
  { mode, days, coolOff }: LockRequest,
  previous: LockRecord | undefined,
  start: number,
  expiresOn: number,
  now: number,
): LockRecord {
  const lock: LockRecord = {
    mode,
    createdOn: previous?.createdOn ?? now,
    durationStartTime: start,
    expiresOn,
  };
  if (days !== undefined) lock.durationDays = days;
  if (mode === 'compliance' && coolOff !== undefined) {
    lock.coolOffHours = coolOff;
    lock.coolOffExpiresOn = now + coolOff * HOUR_MS;
  }
  return lock;
}

const LOCK_FILTERS: Record<string, (s: SnapshotRecord, lock: LockRecord, v: string, now: number) => boolean> =
  {
    'lock-state': (_s, lock, v, now) => lockState(lock, now) === v,
  };

export function describeLockedSnapshots(ctx: HandlerContext, p: QueryParams): XmlObject {
  const ids = new Set(p.list('SnapshotId'));
  const filters = p.structs('Filter').map((f) => {
    const name = f.get('Name') ?? '';
    const fn = LOCK_FILTERS[name];
    if (!fn) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
    return { fn, values: f.list('Value') };
  });
  const maxResults = p.int('MaxResults');
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000)) {
    throw invalid('MaxResults', String(maxResults), 'Expecting a value between 5 and 1000.');
  }
  if (p.bool('DryRun')) throw dryRun();
  const { now } = ctx;
  const matched = [...ctx.world.snapshots.values()]
    .filter((s) => s.ownerId === ctx.principal.accountId && s.region === ctx.region && s.lock !== undefined)
    .filter((s) => ids.size === 0 || ids.has(s.id))
    .filter((s) => filters.every((f) => f.values.some((v) => f.fn(s, s.lock as LockRecord, v, now))))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const after = p.get('NextToken');
  let page = after === undefined ? matched : matched.filter((s) => s.id > after);
  let nextToken: string | undefined;
  if (maxResults !== undefined && page.length > maxResults) {
    page = page.slice(0, maxResults);
    nextToken = page[page.length - 1]?.id;
  }
  return {
    snapshotSet: page.map((s) => ({ ownerId: s.ownerId, ...lockXml(s, s.lock as LockRecord, now) })),
    nextToken,
  };
}
