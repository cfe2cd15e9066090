/** Leases of the inbox and the durable steps: when another process may take a row over. */
import { type Expression, type SqlBool, sql } from 'kysely';

/**
 * A lease is lapsed when nobody holds it, its time is up, or — given the processes alive now — its
 * holder is not among them. Without that last case the intents and steps of a killed process
 * waited out their whole lease (two minutes) before anyone carried them on: an acknowledged
 * command unanswered, a share left in place that long (found by `npm run chaos` on two replicas).
 */
export function leaseLapsed(now: string, liveOwners?: readonly string[]): Expression<SqlBool> {
  const heldByTheDead =
    liveOwners === undefined
      ? sql`1 = 0`
      : liveOwners.length === 0
        ? sql`lease_owner is not null`
        : sql`lease_owner not in (${sql.join([...liveOwners])})`;
  return sql<SqlBool>`(lease_until is null or lease_until <= ${now} or ${heldByTheDead})`;
}
