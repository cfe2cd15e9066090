import type { AccountSpec, IdentitySpec, KeySpec, RoleSpec, SnapshotSpec, WorldSpec } from './spec.js';

/**
 * Builds a `WorldSpec` in code — for tests and the bench, where a literal spec would be long.
 *
 *   const spec = new WorldBuilder()
 *     .identity(SANDBOX_IDENTITY)
 *     .account('111111111111', { role: { name: 'copier', trustedAccounts: ['999999999999'] } })
 *     .volumeSnapshots('111111111111', 'us-east-1', 100, { sizeGiB: 8, tags: { Backup: 'daily' } })
 *     .build();
 */
export class WorldBuilder {
  private readonly spec: Required<Pick<WorldSpec, 'accounts' | 'identities' | 'keys' | 'snapshots'>> &
    WorldSpec = { accounts: [], identities: [], keys: [], snapshots: [] };
  private counter = 0;

  account(
    id: string,
    options: Omit<AccountSpec, 'id' | 'roles'> & { role?: RoleSpec; roles?: RoleSpec[] } = {},
  ): this {
    const { role, roles, ...rest } = options;
    const all = [...(roles ?? []), ...(role ? [role] : [])];
    this.spec.accounts.push({ id, ...rest, ...(all.length > 0 ? { roles: all } : {}) });
    return this;
  }

  identity(identity: IdentitySpec): this {
    this.spec.identities.push(identity);
    return this;
  }

  key(key: KeySpec): this {
    this.spec.keys.push(key);
    return this;
  }

  snapshot(snapshot: SnapshotSpec): this {
    this.spec.snapshots.push(snapshot);
    return this;
  }

  /** `count` completed snapshots of distinct volumes, with deterministic IDs. */
  volumeSnapshots(
    ownerId: string,
    region: string,
    count: number,
    template: Omit<SnapshotSpec, 'ownerId' | 'region' | 'id' | 'volumeId'>,
  ): this {
    for (let i = 0; i < count; i++) {
      const n = ++this.counter;
      const hex = n.toString(16).padStart(12, '0');
      this.spec.snapshots.push({
        ...template,
        ownerId,
        region,
        id: `snap-0b${hex}aaa`,
        volumeId: `vol-0b${hex}aaa`,
      });
    }
    return this;
  }

  copyLimit(limit: number): this {
    this.spec.copyLimit = limit;
    return this;
  }

  seed(seed: number): this {
    this.spec.seed = seed;
    return this;
  }

  build(): WorldSpec {
    return structuredClone(this.spec);
  }
}
