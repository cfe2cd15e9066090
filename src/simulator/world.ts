import { type KeyRecord, KeyStore } from './keys.js';
import { IdGenerator, seededRandom } from './rng.js';
import type {
  AccountSpec,
  IdentitySpec,
  KeySpec,
  RegionSettingsSpec,
  RoleSpec,
  SnapshotSpec,
  SnapshotState,
  WorldSpec,
} from './spec.js';

/** Who is calling: resolved from the access key of the request's SigV4 credential scope. */
export interface Principal {
  accountId: string;
  /** `arn:aws:iam::…:user/…` or `arn:aws:sts::…:assumed-role/<role>/<session>`. */
  arn: string;
  /** GetCallerIdentity UserId: the access key's unique ID, or `AROA…:<session>` for role sessions. */
  userId: string;
  /** Set for role sessions: the role's IAM ARN (what trust policies name for role chaining). */
  roleArn?: string;
}

export interface CredentialRecord {
  secretAccessKey: string;
  principal: Principal;
  /** Temporary credentials only. */
  sessionToken?: string;
  expiresAt?: number;
}

export interface RoleRecord extends RoleSpec {
  arn: string;
  accountId: string;
  uniqueId: string;
}

export interface AccountRecord {
  id: string;
  alias?: string;
  roles: Map<string, RoleRecord>;
  regions: Map<string, RegionSettingsSpec>;
}

/** What the simulator knows about a snapshot made by CopySnapshot (its own inspection API). */
export interface CopyRecord {
  snapshotId: string;
  sourceSnapshotId: string;
  sourceRegion: string;
  sourceOwnerId: string;
  sourceVolumeId: string;
  destinationAccountId: string;
  destinationRegion: string;
  encrypted: boolean;
  kmsKeyArn?: string;
  /** Only changed data moved: an earlier copy of the same volume with the same key is still there. */
  incremental: boolean;
  /** The earlier copy the increment is based on. */
  incrementalBase?: string;
  /** Why the copy is full or incremental, in words. */
  reason: string;
  startedAt: number;
  durationMs: number;
  completionDurationMinutes?: number;
  /** Set when the copy is doomed: which key the destination account cannot use. */
  keyFailure?: 'destination-key' | 'source-key';
}

export interface SnapshotRecord {
  id: string;
  ownerId: string;
  region: string;
  volumeId: string;
  sizeGiB: number;
  state: SnapshotState;
  progress: number;
  stateMessage?: string;
  storageTier: 'standard' | 'archive';
  encrypted: boolean;
  kmsKeyArn?: string;
  startTime: number;
  completionTime?: number;
  description: string;
  tags: Map<string, string>;
  sharedWith: Set<string>;
  public: boolean;
  /** Snapshots that move on their own: state and progress are derived from the clock. */
  timeline?: { startedAt: number; completeAt: number; failAt?: number; failMessage?: string };
  copy?: CopyRecord;
  /** EBS snapshot lock (LockSnapshot). */
  lock?: LockRecord;
}

export interface LockRecord {
  mode: 'governance' | 'compliance';
  durationDays?: number;
  createdOn: number;
  durationStartTime: number;
  expiresOn: number;
  coolOffHours?: number;
  coolOffExpiresOn?: number;
}

export type VolumeState = 'creating' | 'available' | 'in-use' | 'deleting' | 'deleted' | 'error';

export interface VolumeRecord {
  id: string;
  ownerId: string;
  region: string;
  availabilityZone: string;
  sizeGiB: number;
  volumeType: string;
  snapshotId?: string;
  state: VolumeState;
  createTime: number;
  encrypted: boolean;
  kmsKeyArn?: string;
  tags: Map<string, string>;
  /** `creating` ends at one of these. */
  timeline: { availableAt?: number; failAt?: number };
}

export const DEFAULT_COPY_LIMIT = 20;

/**
 * The mutable state of the simulated AWS world. Handlers and tests read and change it; time-driven
 * transitions (pending → completed / error) are applied by `refresh(now)` before every read.
 */
export class World {
  readonly ids: IdGenerator;
  readonly keys: KeyStore;
  readonly accounts = new Map<string, AccountRecord>();
  readonly credentials = new Map<string, CredentialRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  /** `account|region|volume` of every copy ever started, to tell "previous copy gone" from "first copy". */
  readonly copyHistory = new Set<string>();
  readonly volumes = new Map<string, VolumeRecord>();
  /** `account|region|ClientToken` → volume: CreateVolume is idempotent by its token. */
  readonly volumeTokens = new Map<string, string>();
  /** IDs of volumes DeleteVolume removed (for tests: "the drill volume is gone"). */
  readonly deletedVolumes = new Set<string>();
  /** `account|Action` pairs an IAM policy denies: the call answers UnauthorizedOperation. */
  readonly deniedActions = new Set<string>();
  copyLimit = DEFAULT_COPY_LIMIT;
  private readonly limitOverrides = new Map<string, number>();

  constructor(
    spec: WorldSpec,
    readonly now: () => number,
  ) {
    this.ids = new IdGenerator(seededRandom(spec.seed ?? 1));
    this.keys = new KeyStore(this.ids, now, (id) => this.accounts.has(id));
    if (spec.copyLimit !== undefined) this.copyLimit = spec.copyLimit;
    for (const o of spec.copyLimitOverrides ?? []) this.setCopyLimit(o.limit, o);
    for (const a of spec.accounts) this.addAccount(a);
    for (const i of spec.identities ?? []) this.addIdentity(i);
    for (const k of spec.keys ?? []) this.addKey(k);
    for (const s of spec.snapshots ?? []) this.addSnapshot(s);
  }

  addAccount(spec: AccountSpec): AccountRecord {
    if (!/^\d{12}$/.test(spec.id)) throw new Error(`account id must be 12 digits: ${spec.id}`);
    if (this.accounts.has(spec.id)) throw new Error(`account ${spec.id} already exists`);
    const account: AccountRecord = { id: spec.id, roles: new Map(), regions: new Map() };
    if (spec.alias !== undefined) account.alias = spec.alias;
    this.accounts.set(spec.id, account);
    for (const [region, settings] of Object.entries(spec.regions ?? {}))
      account.regions.set(region, { ...settings });
    for (const role of spec.roles ?? []) this.addRole(spec.id, role);
    return account;
  }

  addRole(accountId: string, spec: RoleSpec): RoleRecord {
    const account = this.account(accountId);
    const role: RoleRecord = {
      ...spec,
      arn: `arn:aws:iam::${accountId}:role/${spec.name}`,
      accountId,
      uniqueId: this.ids.roleUniqueId(),
    };
    account.roles.set(spec.name, role);
    return role;
  }

  addIdentity(spec: IdentitySpec): void {
    this.account(spec.accountId);
    this.credentials.set(spec.accessKeyId, {
      secretAccessKey: spec.secretAccessKey,
      principal: {
        accountId: spec.accountId,
        arn: spec.arn,
        userId: spec.accessKeyId.replace(/^AKIA/, 'AIDA'),
      },
    });
  }

  addKey(spec: KeySpec): KeyRecord {
    this.account(spec.accountId);
    return this.keys.add(spec);
  }

  account(accountId: string): AccountRecord {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`unknown account ${accountId}`);
    return account;
  }

  regionSettings(accountId: string, region: string): RegionSettingsSpec {
    return this.accounts.get(accountId)?.regions.get(region) ?? {};
  }

  setEncryptionByDefault(
    accountId: string,
    region: string,
    enabled: boolean,
    defaultKmsKeyId?: string,
  ): void {
    const account = this.account(accountId);
    const settings = { ...account.regions.get(region), encryptionByDefault: enabled };
    if (defaultKmsKeyId !== undefined) settings.defaultKmsKeyId = defaultKmsKeyId;
    account.regions.set(region, settings);
  }

  /** The account's default EBS key in a Region (the configured one, else `aws/ebs`). */
  defaultEbsKey(accountId: string, region: string): KeyRecord | undefined {
    const configured = this.regionSettings(accountId, region).defaultKmsKeyId;
    if (configured) {
      const r = this.keys.resolve(configured, { accountId, region });
      return r.ok ? r.key : undefined;
    }
    return this.keys.awsManagedEbsKey(accountId, region);
  }

  /** Key reference → key, for tests: resolves in the key's own scope when given an ARN. */
  key(reference: string, scope: { accountId: string; region: string }): KeyRecord {
    const r = this.keys.resolve(reference, scope);
    if (!r.ok) throw new Error(`unknown KMS key ${reference}`);
    return r.key;
  }

  setKeyAccess(keyArn: string, allowedAccounts: string[]): void {
    this.keyByArn(keyArn).allowedAccounts = new Set(allowedAccounts);
  }

  setKeyEnabled(keyArn: string, enabled: boolean): void {
    this.keyByArn(keyArn).enabled = enabled;
  }

  private keyByArn(arn: string): KeyRecord {
    const key = this.keys.all().find((k) => k.arn === arn);
    if (!key) throw new Error(`unknown KMS key ${arn}`);
    return key;
  }

  setCopyLimit(limit: number, scope?: { accountId: string; region: string }): void {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`copy limit must be a positive integer: ${limit}`);
    if (scope) this.limitOverrides.set(`${scope.accountId}|${scope.region}`, limit);
    else this.copyLimit = limit;
  }

  copyLimitFor(accountId: string, region: string): number {
    return this.limitOverrides.get(`${accountId}|${region}`) ?? this.copyLimit;
  }

  addSnapshot(spec: SnapshotSpec): SnapshotRecord {
    this.account(spec.ownerId);
    const id = spec.id ?? this.ids.snapshotId();
    if (!/^snap-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) throw new Error(`malformed snapshot id ${id}`);
    if (this.snapshots.has(id)) throw new Error(`snapshot ${id} already exists`);
    const state = spec.state ?? 'completed';
    const encrypted = spec.encrypted ?? spec.kmsKeyId !== undefined;
    let kmsKeyArn: string | undefined;
    if (encrypted) {
      const key = spec.kmsKeyId
        ? this.key(spec.kmsKeyId, { accountId: spec.ownerId, region: spec.region })
        : this.defaultEbsKey(spec.ownerId, spec.region);
      if (!key) throw new Error(`no default EBS key for ${spec.ownerId} ${spec.region}`);
      kmsKeyArn = key.arn;
    }
    const startTime = spec.startTime ? new Date(spec.startTime).getTime() : this.now();
    const snapshot: SnapshotRecord = {
      id,
      ownerId: spec.ownerId,
      region: spec.region,
      volumeId: spec.volumeId ?? this.ids.volumeId(),
      sizeGiB: spec.sizeGiB,
      state,
      progress: spec.progress ?? (state === 'completed' ? 100 : 0),
      storageTier: spec.storageTier ?? 'standard',
      encrypted,
      startTime,
      description: spec.description ?? '',
      tags: new Map(Object.entries(spec.tags ?? {})),
      sharedWith: new Set(spec.sharedWith ?? []),
      public: spec.public ?? false,
    };
    if (kmsKeyArn) snapshot.kmsKeyArn = kmsKeyArn;
    if (spec.stateMessage !== undefined) snapshot.stateMessage = spec.stateMessage;
    if (state === 'completed') snapshot.completionTime = startTime;
    if (state === 'pending' && spec.completesAt !== undefined) {
      snapshot.timeline = { startedAt: startTime, completeAt: spec.completesAt };
    }
    this.snapshots.set(id, snapshot);
    return snapshot;
  }

  deleteSnapshot(id: string): void {
    if (!this.snapshots.delete(id)) throw new Error(`unknown snapshot ${id}`);
  }

  snapshot(id: string): SnapshotRecord | undefined {
    this.refresh();
    return this.snapshots.get(id);
  }

  /** Snapshots owned in an account (and Region), state as of now. */
  ownedSnapshots(accountId?: string, region?: string): SnapshotRecord[] {
    this.refresh();
    return [...this.snapshots.values()].filter(
      (s) =>
        (accountId === undefined || s.ownerId === accountId) && (region === undefined || s.region === region),
    );
  }

  /** Every copy CopySnapshot started, with full/incremental and key-failure details. */
  copies(): CopyRecord[] {
    this.refresh();
    return [...this.snapshots.values()].flatMap((s) => (s.copy ? [s.copy] : []));
  }

  /** Applies time-driven transitions. Progress grows linearly from start to completion. */
  refresh(now = this.now()): void {
    for (const s of this.snapshots.values()) {
      const t = s.timeline;
      if (!t || s.state !== 'pending') continue;
      if (t.failAt !== undefined && now >= t.failAt) {
        s.state = 'error';
        s.progress = progressAt(t.startedAt, t.completeAt, t.failAt);
        if (t.failMessage !== undefined) s.stateMessage = t.failMessage;
      } else if (now >= t.completeAt) {
        s.state = 'completed';
        s.progress = 100;
        s.completionTime = t.completeAt;
      } else {
        s.progress = progressAt(t.startedAt, t.completeAt, now);
      }
    }
    for (const v of this.volumes.values()) {
      if (v.state !== 'creating') continue;
      if (v.timeline.failAt !== undefined && now >= v.timeline.failAt) v.state = 'error';
      else if (v.timeline.availableAt !== undefined && now >= v.timeline.availableAt) v.state = 'available';
    }
  }

  /** Makes an action answer UnauthorizedOperation for an account (a missing IAM permission). */
  denyAction(accountId: string, action: string, denied = true): void {
    if (denied) this.deniedActions.add(`${accountId}|${action}`);
    else this.deniedActions.delete(`${accountId}|${action}`);
  }

  isDenied(accountId: string, action: string): boolean {
    return this.deniedActions.has(`${accountId}|${action}`);
  }

  /** Pending copies that hold a slot of the destination's concurrent-copy quota. */
  pendingCopies(accountId: string, region: string): number {
    this.refresh();
    let n = 0;
    for (const s of this.snapshots.values()) {
      if (s.copy && s.state === 'pending' && s.ownerId === accountId && s.region === region) n++;
    }
    return n;
  }
}

function progressAt(start: number, end: number, at: number): number {
  if (end <= start) return 100;
  // Floor, and never report 100% before the state says completed.
  return Math.min(99, Math.max(0, Math.floor(((at - start) / (end - start)) * 100)));
}
