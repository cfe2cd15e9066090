/**
 * The inbox (SPEC §10): a Slack command, click or form submission is written here before Slack is
 * told it was accepted, and marked done in the transaction that writes its consequences. One that
 * is not done when its process dies is carried out by whichever process finds its lease lapsed.
 */

import type { Selectable } from 'kysely';
import { inWriteTransaction } from './engine.js';
import { leaseLapsed } from './leases.js';
import type { ClaimIntentsInput, IntentRecord, NewIntent } from './port.js';
import { urgently } from './priority.js';
import type { Ctx } from './requests.js';
import type { IntentsTable } from './schema.js';
import { date, iso } from './schema.js';

function toIntent(r: Selectable<IntentsTable>): IntentRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    userId: r.user_id,
    payload: JSON.parse(r.payload_json) as unknown,
    receivedAt: date(r.received_at),
    attempts: r.attempts,
  };
}

/** Before Slack's ack: its queries go ahead of queued work (`priority.ts`). */
export function recordIntent(ctx: Ctx, i: NewIntent): Promise<{ id: number; fresh: boolean }> {
  return urgently(() => insertIntent(ctx, i));
}

async function insertIntent({ db }: Ctx, i: NewIntent): Promise<{ id: number; fresh: boolean }> {
  const inserted = await db
    .insertInto('intents')
    .values({
      dedupe_key: i.dedupeKey,
      kind: i.kind,
      user_id: i.userId,
      payload_json: JSON.stringify(i.payload ?? null),
      received_at: iso(i.at),
      lease_owner: null,
      lease_until: null,
      attempts: 0,
      last_error: null,
      done_at: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: Number(inserted.id), fresh: true };
  const existing = await db
    .selectFrom('intents')
    .select('id')
    .where('dedupe_key', '=', i.dedupeKey)
    .executeTakeFirstOrThrow();
  return { id: Number(existing.id), fresh: false };
}

export async function claimIntent(
  { db }: Ctx,
  id: number,
  input: { owner: string; now: Date; leaseMs: number },
): Promise<IntentRecord | undefined> {
  const now = iso(input.now);
  const row = await db
    .updateTable('intents')
    .set((eb) => ({
      lease_owner: input.owner,
      lease_until: iso(new Date(input.now.getTime() + input.leaseMs)),
      attempts: eb('attempts', '+', 1),
    }))
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('lease_until', 'is', null),
        eb('lease_until', '<=', now),
        eb('lease_owner', '=', input.owner),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
  return row && toIntent(row);
}

export async function claimUnfinishedIntents(
  { db, engine }: Ctx,
  input: ClaimIntentsInput,
): Promise<IntentRecord[]> {
  // ignoreLeases: at start on a store no other process uses, every lease is a dead process's.
  const now = input.ignoreLeases ? '9999-12-31T00:00:00.000Z' : iso(input.now);
  const lapsed = leaseLapsed(now, input.liveOwners);
  return inWriteTransaction(db, engine, null, async (trx) => {
    const due = await trx
      .selectFrom('intents')
      .select('id')
      .where('done_at', 'is', null)
      .where(lapsed)
      .$if((input.exclude?.length ?? 0) > 0, (q) => q.where('id', 'not in', [...(input.exclude ?? [])]))
      .orderBy('id')
      .limit(input.limit)
      .execute();
    if (due.length === 0) return [];
    const rows = await trx
      .updateTable('intents')
      .set((eb) => ({
        lease_owner: input.owner,
        lease_until: iso(new Date(input.now.getTime() + input.leaseMs)),
        attempts: eb('attempts', '+', 1),
      }))
      .where(
        'id',
        'in',
        due.map((d) => Number(d.id)),
      )
      .where('done_at', 'is', null)
      // Re-checked here: on PostgreSQL another replica may have taken one since the select.
      .where(lapsed)
      .returningAll()
      .execute();
    return rows.map(toIntent).sort((a, b) => a.id - b.id);
  });
}

export async function renewIntentLease(
  { db }: Ctx,
  id: number,
  input: { owner: string; until: Date },
): Promise<boolean> {
  const renewed = await db
    .updateTable('intents')
    .set({ lease_until: iso(input.until) })
    .where('id', '=', id)
    .where('lease_owner', '=', input.owner)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  return Number(renewed.numUpdatedRows) > 0;
}

export async function completeIntent({ db }: Ctx, id: number, at: Date): Promise<void> {
  await db
    .updateTable('intents')
    .set({ done_at: iso(at), lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .execute();
}

export async function releaseIntent(
  { db }: Ctx,
  id: number,
  input: { error: string; retryAt: Date },
): Promise<void> {
  await db
    .updateTable('intents')
    .set({ last_error: input.error.slice(0, 1000), lease_until: iso(input.retryAt), lease_owner: null })
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .execute();
}
