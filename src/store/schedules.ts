/** Scheduled reports and DR-policy runs fire once per slot across replicas; replicas say they are alive. */
import type { Ctx } from './requests.js';
import { iso } from './schema.js';

export async function claimScheduleSlot(
  { db }: Ctx,
  input: { name: string; slot: Date; owner: string; at: Date },
): Promise<boolean> {
  // The primary key (name, slot) lets exactly one replica insert; the others conflict quietly.
  const rows = await db
    .insertInto('schedule_runs')
    .values({ name: input.name, slot: iso(input.slot), owner: input.owner, claimed_at: iso(input.at) })
    .onConflict((oc) => oc.columns(['name', 'slot']).doNothing())
    .returning('name')
    .execute();
  return rows.length === 1;
}

export async function heartbeat({ db }: Ctx, input: { owner: string; at: Date }): Promise<void> {
  await db
    .insertInto('replicas')
    .values({ owner: input.owner, heartbeat_at: iso(input.at) })
    .onConflict((oc) => oc.column('owner').doUpdateSet({ heartbeat_at: iso(input.at) }))
    .execute();
}

export async function liveReplicas({ db }: Ctx, since: Date): Promise<Set<string>> {
  const rows = await db
    .selectFrom('replicas')
    .select('owner')
    .where('heartbeat_at', '>=', iso(since))
    .execute();
  return new Set(rows.map((r) => r.owner));
}
