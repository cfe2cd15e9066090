import { LRUCache } from 'lru-cache';
import { AwsError } from '../aws/errors.js';
import type { AwsGateway, DescribedSnapshot } from '../aws/gateway.js';
import { provenanceKey } from '../domain/provenance.js';
import type { AccountConfig, SourceSelector } from '../domain/types.js';
import type { FilingAws } from './ports.js';

/**
 * Encryption defaults and key metadata change rarely, and every filing asks for them: answers are
 * kept briefly so a burst of requests does not repeat the same look-ups while acks wait for the
 * CPU. Only successes are kept — a key that cannot be read is asked again, so a fixed key policy
 * shows at once.
 */
const CACHE_TTL_MS = 5 * 60_000;

/** Filing's AWS reads, over the gateway. */
export function filingAws(gateway: AwsGateway): FilingAws {
  const cache = new LRUCache<string, object>({ max: 1_000, ttl: CACHE_TTL_MS });
  const cached = async <T extends object>(key: string, load: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key) as T | undefined;
    if (hit) return hit;
    const value = await load();
    cache.set(key, value);
    return value;
  };
  return {
    mayLock: (account, region, session) => gateway.permissionProbe(account, region, 'LockSnapshot', session),
    mayCopy: (account, region, copy, session) => gateway.mayCopySnapshot(account, region, copy, session),
    mayShare: (account, region, snapshotId, withAccountId, session) =>
      gateway.mayShareSnapshot(account, region, snapshotId, withAccountId, session),
    // Not cached: the engine shares right before copying, and a share may change any time.
    sharedWith: (account, region, snapshotId, session) =>
      gateway.snapshotSharedWith(account, region, snapshotId, session),
    async findSources(account, region, selector: SourceSelector, session) {
      if (selector.kind === 'tag') {
        const tagged = await gateway.describeSnapshots(
          account,
          region,
          { tags: [{ key: selector.key, value: selector.value }] },
          session,
        );
        if (tagged.length === 0) {
          return {
            snapshots: [],
            problems: [`no snapshots tagged ${selector.key}=${selector.value} in ${account.alias} ${region}`],
          };
        }
        return { snapshots: newestPerVolume(tagged), problems: [] };
      }
      const found = await describeEach(gateway, account, region, selector.ids, session);
      const problems = selector.ids
        .filter((id) => !found.has(id))
        .map(
          (id) =>
            `${id} was not found in ${account.alias} (${account.id}) ${region}, or is not shared with it. If it was deleted, it may be in the Recycle Bin: check with \`aws rbin list-rules\` and \`aws ec2 list-snapshots-in-recycle-bin --snapshot-ids ${id}\`, and recover it there first`,
        );
      return { snapshots: selector.ids.flatMap((id) => found.get(id) ?? []), problems };
    },
    encryptionDefaults: (account, region, session) =>
      cached(`defaults|${account.id}|${region}`, () =>
        gateway.getEncryptionDefaults(account, region, session),
      ),
    describeKey: (account, region, keyId, session) =>
      cached(`key|${account.id}|${region}|${keyId}`, () =>
        gateway.describeKey(account, region, keyId, session),
      ),
    async existingSnapshots(account, region, ids, session) {
      const statuses = await gateway.snapshotStatuses(account, region, ids, session);
      return new Set(statuses.map((s) => s.snapshotId));
    },
  };
}

/**
 * DescribeSnapshots with explicit IDs fails as a whole when one is missing; only then is each ID
 * asked on its own, so every missing one is named.
 */
async function describeEach(
  gateway: AwsGateway,
  account: AccountConfig,
  region: string,
  ids: string[],
  session: string,
) {
  const byId = new Map<string, DescribedSnapshot>();
  try {
    for (const s of await gateway.describeSnapshots(account, region, { snapshotIds: ids }, session))
      byId.set(s.snapshotId, s);
    return byId;
  } catch (err) {
    if (!(err instanceof AwsError && err.code === 'not-found')) throw err;
  }
  for (const id of ids) {
    try {
      for (const s of await gateway.describeSnapshots(account, region, { snapshotIds: [id] }, session))
        byId.set(s.snapshotId, s);
    } catch (err) {
      if (!(err instanceof AwsError && err.code === 'not-found')) throw err;
    }
  }
  return byId;
}

/**
 * A tag can match many snapshots of one volume (daily backups share tags). The seed's multi-volume
 * group means one snapshot per volume — its provenance volume, as copies all report vol-ffffffff: take the newest completed one of each, or the newest at all
 * when none has completed (filing then says it is not completed yet).
 */
export function newestPerVolume(snapshots: DescribedSnapshot[]): DescribedSnapshot[] {
  const byVolume = new Map<string, DescribedSnapshot>();
  const rank = (s: DescribedSnapshot) => (s.state === 'completed' ? 1 : 0);
  for (const s of snapshots) {
    const best = byVolume.get(provenanceKey(s));
    if (
      !best ||
      rank(s) > rank(best) ||
      (rank(s) === rank(best) && s.startTime.getTime() > best.startTime.getTime())
    ) {
      byVolume.set(provenanceKey(s), s);
    }
  }
  return [...byVolume.values()].sort((a, b) => provenanceKey(a).localeCompare(provenanceKey(b)));
}
