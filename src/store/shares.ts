/**
 * Shares of source snapshots with destination accounts (SPEC §5.5): which ones the bot added, so
 * it removes only those, and only once none of its copies needs them.
 */
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import { inWriteTransaction } from './engine.js';
import type { ShareKey, ShareRecord } from './port.js';
import type { Ctx } from './requests.js';
import { date, iso, type SharesTable } from './schema.js';

function toShare(r: Selectable<SharesTable>): ShareRecord {
  return {
    sourceAccountId: r.source_account_id,
    sourceRegion: r.source_region,
    snapshotId: r.snapshot_id,
    destAccountId: r.dest_account_id,
    owned: r.owned === 1,
    generation: Number(r.generation),
    sharedAt: date(r.shared_at),
    removedAt: r.removed_at ? date(r.removed_at) : null,
    removalStartedAt: r.removal_started_at ? date(r.removal_started_at) : null,
  };
}

export async function getShare({ db }: Ctx, key: ShareKey): Promise<ShareRecord | undefined> {
  const row = await db
    .selectFrom('shares')
    .selectAll()
    .where('source_region', '=', key.sourceRegion)
    .where('snapshot_id', '=', key.snapshotId)
    .where('dest_account_id', '=', key.destAccountId)
    .executeTakeFirst();
  return row && toShare(row);
}

export async function recordShare(
  { db }: Ctx,
  s: ShareKey & { sourceAccountId: string; owned: boolean; at: Date },
): Promise<ShareRecord> {
  const at = iso(s.at);
  const row = await db
    .insertInto('shares')
    .values({
      source_account_id: s.sourceAccountId,
      source_region: s.sourceRegion,
      snapshot_id: s.snapshotId,
      dest_account_id: s.destAccountId,
      owned: s.owned ? 1 : 0,
      generation: 1,
      shared_at: at,
      removed_at: null,
      removal_started_at: null,
    })
    .onConflict((oc) =>
      oc.columns(['source_region', 'snapshot_id', 'dest_account_id']).doUpdateSet({
        owned: s.owned ? 1 : 0,
        generation: sql`shares.generation + 1`,
        shared_at: at,
        removed_at: null,
        removal_started_at: null,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toShare(row);
}

export async function markShareRemoved(
  { db }: Ctx,
  key: ShareKey & { generation: number; at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('shares')
    .set({ removed_at: iso(key.at), removal_started_at: null })
    .where('source_region', '=', key.sourceRegion)
    .where('snapshot_id', '=', key.snapshotId)
    .where('dest_account_id', '=', key.destAccountId)
    .where('generation', '=', key.generation)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function beginShareRemoval(
  ctx: Ctx,
  key: ShareKey & { generation: number; at: Date },
): Promise<boolean> {
  return inWriteTransaction(ctx.db, ctx.engine, null, async (trx) => {
    const tx = { ...ctx, db: trx };
    const share = await getShare(tx, key);
    if (!share?.owned || share.removedAt || share.generation !== key.generation) return false;
    if (share.removalStartedAt) return true;
    if ((await countCopiesNeedingShare(tx, key)) > 0) return false;
    await trx
      .updateTable('shares')
      .set({ removal_started_at: iso(key.at) })
      .where('source_region', '=', key.sourceRegion)
      .where('snapshot_id', '=', key.snapshotId)
      .where('dest_account_id', '=', key.destAccountId)
      .where('generation', '=', key.generation)
      .execute();
    return true;
  });
}

export async function countCopiesNeedingShare({ db }: Ctx, key: ShareKey): Promise<number> {
  const row = await db
    .selectFrom('copies')
    .select(sql<number>`cast(count(*) as integer)`.as('n'))
    .where('source_snapshot_id', '=', key.snapshotId)
    .where('source_region', '=', key.sourceRegion)
    .where('dest_account_id', '=', key.destAccountId)
    // Not `waiting`: a request not approved yet shares anew if it is approved after the removal.
    .where('state', 'in', ['queued', 'starting', 'copying'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
