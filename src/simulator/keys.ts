import type { IdGenerator } from './rng.js';
import type { KeyManager, KeySpec } from './spec.js';

export interface KeyRecord {
  keyId: string;
  arn: string;
  accountId: string;
  region: string;
  aliases: string[];
  keyManager: KeyManager;
  enabled: boolean;
  /** Other accounts the key policy grants use of the key (never honoured for AWS managed keys). */
  allowedAccounts: Set<string>;
  description: string;
  creationDate: number;
}

/** Where a bare key ID or `alias/…` is looked up: the caller's account and the request's Region. */
export interface KeyScope {
  accountId: string;
  region: string;
}

export type KeyResolution =
  | { ok: true; key: KeyRecord }
  | { ok: false; kind: 'key' | 'alias' | 'invalid'; reference: string };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_ARN_RE = /^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN_RE = /^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

export const AWS_EBS_ALIAS = 'alias/aws/ebs';

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
}

export function aliasArn(region: string, accountId: string, alias: string): string {
  return `arn:aws:kms:${region}:${accountId}:${alias}`;
}

/** KMS keys of every account and Region, with alias resolution as KMS does it. */
export class KeyStore {
  private readonly byArn = new Map<string, KeyRecord>();
  private readonly aliasIndex = new Map<string, string>(); // account|region|alias → key ARN

  constructor(
    private readonly ids: IdGenerator,
    private readonly now: () => number,
    /** Whether an account exists in the world (AWS managed keys are created on demand only there). */
    private readonly accountExists: (accountId: string) => boolean,
  ) {}

  add(spec: KeySpec): KeyRecord {
    const keyId = spec.keyId ?? this.ids.uuid();
    const arn = keyArn(spec.region, spec.accountId, keyId);
    if (this.byArn.has(arn)) throw new Error(`KMS key ${arn} already exists`);
    const key: KeyRecord = {
      keyId,
      arn,
      accountId: spec.accountId,
      region: spec.region,
      aliases: [],
      keyManager: spec.keyManager ?? 'CUSTOMER',
      enabled: spec.enabled ?? true,
      allowedAccounts: new Set(spec.allowedAccounts ?? []),
      description: spec.description ?? '',
      creationDate: this.now(),
    };
    this.byArn.set(arn, key);
    for (const alias of spec.aliases ?? []) this.addAlias(key, alias);
    return key;
  }

  addAlias(key: KeyRecord, alias: string): void {
    if (!alias.startsWith('alias/')) throw new Error(`alias must start with alias/: ${alias}`);
    const k = `${key.accountId}|${key.region}|${alias}`;
    if (this.aliasIndex.has(k))
      throw new Error(`alias ${alias} already exists in ${key.accountId} ${key.region}`);
    this.aliasIndex.set(k, key.arn);
    key.aliases.push(alias);
  }

  all(): KeyRecord[] {
    return [...this.byArn.values()];
  }

  /**
   * The AWS managed key for EBS of an account and Region. AWS creates it on first use, so it is made
   * here on demand for any account the world knows.
   */
  awsManagedEbsKey(accountId: string, region: string): KeyRecord | undefined {
    const existing = this.aliasIndex.get(`${accountId}|${region}|${AWS_EBS_ALIAS}`);
    if (existing) return this.byArn.get(existing);
    if (!this.accountExists(accountId)) return undefined;
    return this.add({
      accountId,
      region,
      aliases: [AWS_EBS_ALIAS],
      keyManager: 'AWS',
      description: 'Default key that protects my EBS volumes when no other key is defined',
    });
  }

  /**
   * Resolves a key reference in any of the four forms KMS and EC2 accept: key ID, key ARN, `alias/…`,
   * alias ARN. Bare key IDs and aliases are looked up in `scope` (the caller's account and Region).
   */
  resolve(reference: string, scope: KeyScope): KeyResolution {
    const keyArnMatch = KEY_ARN_RE.exec(reference);
    if (keyArnMatch) {
      const key = this.byArn.get(reference);
      return key ? { ok: true, key } : { ok: false, kind: 'key', reference };
    }
    const aliasArnMatch = ALIAS_ARN_RE.exec(reference);
    if (aliasArnMatch) {
      return this.resolveAlias(aliasArnMatch[2]!, aliasArnMatch[1]!, aliasArnMatch[3]!, reference);
    }
    if (reference.startsWith('alias/')) {
      return this.resolveAlias(
        scope.accountId,
        scope.region,
        reference,
        aliasArn(scope.region, scope.accountId, reference),
      );
    }
    if (UUID_RE.test(reference)) {
      const arn = keyArn(scope.region, scope.accountId, reference);
      const key = this.byArn.get(arn);
      return key ? { ok: true, key } : { ok: false, kind: 'key', reference: arn };
    }
    return { ok: false, kind: 'invalid', reference };
  }

  private resolveAlias(accountId: string, region: string, alias: string, reference: string): KeyResolution {
    if (alias === AWS_EBS_ALIAS) {
      const key = this.awsManagedEbsKey(accountId, region);
      return key ? { ok: true, key } : { ok: false, kind: 'alias', reference };
    }
    const arn = this.aliasIndex.get(`${accountId}|${region}|${alias}`);
    const key = arn ? this.byArn.get(arn) : undefined;
    return key ? { ok: true, key } : { ok: false, kind: 'alias', reference };
  }

  /**
   * Whether principals of `accountId` may use the key for EBS (and DescribeKey it): the owner always,
   * other accounts only when a customer managed key's policy grants them.
   */
  policyAllows(key: KeyRecord, accountId: string): boolean {
    if (key.accountId === accountId) return true;
    return key.keyManager === 'CUSTOMER' && key.allowedAccounts.has(accountId);
  }

  /** Usable for encryption/decryption: allowed by policy and enabled. */
  usableBy(key: KeyRecord, accountId: string): boolean {
    return key.enabled && this.policyAllows(key, accountId);
  }
}
