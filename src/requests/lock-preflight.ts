/**
 * Pre-flight of a lock (SPEC §5.2): may the destination role lock the copy? `LockSnapshot` with
 * DryRun in each destination Region; a check that cannot run is said, never skipped silently.
 */
import type { AccountConfig, LockSpec } from '../domain/types.js';
import type { FilingAws } from './ports.js';

export async function lockWarnings(
  aws: FilingAws,
  lock: LockSpec | undefined,
  destination: AccountConfig,
  regions: string[],
  session: string,
): Promise<string[]> {
  if (!lock || !aws.mayLock) return [];
  const warnings: string[] = [];
  for (const region of regions) {
    try {
      if ((await aws.mayLock(destination, region, session)) === 'denied') {
        warnings.push(
          `The role of ${destination.alias} may not lock snapshots in ${region} (LockSnapshot DryRun: UnauthorizedOperation): the copies would be made but not locked. Grant ec2:LockSnapshot.`,
        );
      }
    } catch (err) {
      warnings.push(
        `Could not check whether ${destination.alias} may lock snapshots in ${region}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return warnings;
}
