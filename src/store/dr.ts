/**
 * Retention deletions and restore drills (SPEC §9). A drill row is open (`finished_at` null) from
 * its start until its volume is gone; the database allows one open drill per policy.
 */
import type { Selectable } from 'kysely';
import type { DrillPatch, DrillRecord, NewDrill, RetentionDeletion } from './port.js';
import type { Ctx } from './requests.js';
import { type DrillsTable, date, dateOrNull, iso } from './schema.js';

function toDrill(r: Selectable<DrillsTable>): DrillRecord {
  return {
    id: Number(r.id),
    policyName: r.policy_name,
    slot: date(r.slot),
    state: r.state as DrillRecord['state'],
    snapshotId: r.snapshot_id,
    destAccountId: r.dest_account_id,
    destRegion: r.dest_region,
    availabilityZone: r.availability_zone,
    volumeId: r.volume_id,
    startedAt: date(r.started_at),
    availableAt: dateOrNull(r.available_at),
    minutes: r.minutes === null ? null : Number(r.minutes),
    failure: r.failure,
    finishedAt: dateOrNull(r.finished_at),
  };
}

export async function recordRetentionDeletion({ db }: Ctx, d: RetentionDeletion): Promise<boolean> {
  const rows = await db
    .insertInto('retention_deletions')
    .values({
      snapshot_id: d.snapshotId,
      copy_id: d.copyId,
      policy_name: d.policyName,
      dest_account_id: d.destAccountId,
      dest_region: d.destRegion,
      deleted_at: iso(d.at),
    })
    .onConflict((oc) => oc.column('snapshot_id').doNothing())
    .returning('snapshot_id')
    .execute();
  return rows.length === 1;
}

export async function listRetentionDeletions(
  { db }: Ctx,
  f: { policyName: string; since?: Date },
): Promise<RetentionDeletion[]> {
  let q = db.selectFrom('retention_deletions').selectAll().where('policy_name', '=', f.policyName);
  if (f.since) q = q.where('deleted_at', '>=', iso(f.since));
  const rows = await q.orderBy('deleted_at', 'desc').limit(10_000).execute();
  return rows.map((r) => ({
    snapshotId: r.snapshot_id,
    copyId: Number(r.copy_id),
    policyName: r.policy_name,
    destAccountId: r.dest_account_id,
    destRegion: r.dest_region,
    at: date(r.deleted_at),
  }));
}

/** The new drill, or undefined when this slot ran already or the policy has a drill still open. */
export async function startDrill({ db }: Ctx, d: NewDrill): Promise<DrillRecord | undefined> {
  const row = await db
    .insertInto('drills')
    .values({
      policy_name: d.policyName,
      slot: iso(d.slot),
      state: 'running',
      snapshot_id: null,
      dest_account_id: null,
      dest_region: null,
      availability_zone: d.availabilityZone,
      volume_id: null,
      started_at: iso(d.at),
      available_at: null,
      minutes: null,
      failure: null,
      finished_at: null,
    })
    // Either unique index may refuse: the slot's own, or the one open drill per policy.
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toDrill(row) : undefined;
}

export async function getDrill({ db }: Ctx, id: number): Promise<DrillRecord | undefined> {
  const row = await db.selectFrom('drills').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toDrill(row) : undefined;
}

export async function updateDrill({ db }: Ctx, id: number, p: DrillPatch): Promise<void> {
  await db
    .updateTable('drills')
    .set({
      ...(p.state !== undefined ? { state: p.state } : {}),
      ...(p.snapshotId !== undefined ? { snapshot_id: p.snapshotId } : {}),
      ...(p.destAccountId !== undefined ? { dest_account_id: p.destAccountId } : {}),
      ...(p.destRegion !== undefined ? { dest_region: p.destRegion } : {}),
      ...(p.volumeId !== undefined ? { volume_id: p.volumeId } : {}),
      ...(p.availableAt !== undefined ? { available_at: iso(p.availableAt) } : {}),
      ...(p.minutes !== undefined ? { minutes: p.minutes } : {}),
      ...(p.failure !== undefined ? { failure: p.failure } : {}),
      ...(p.finishedAt !== undefined ? { finished_at: iso(p.finishedAt) } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** The newest drill result of each policy (a drill still running has none yet). */
export async function latestDrills({ db }: Ctx): Promise<DrillRecord[]> {
  const rows = await db
    .selectFrom('drills')
    .selectAll()
    .where('state', '!=', 'running')
    .orderBy('id', 'desc')
    .limit(1_000)
    .execute();
  const seen = new Map<string, DrillRecord>();
  for (const r of rows) if (!seen.has(r.policy_name)) seen.set(r.policy_name, toDrill(r));
  return [...seen.values()];
}
