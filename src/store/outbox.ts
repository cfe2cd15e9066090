/**
 * The Slack outbox (SPEC §8): every message is stored before it is sent, sent in order within its
 * thread, and leased so two replicas never send the same one. Nothing is deleted: a sent message
 * keeps its Slack result, a message Slack refuses for good is marked failed so its thread moves on.
 */
import { sql } from 'kysely';
import { inWriteTransaction } from './engine.js';
import type { ClaimMessagesInput, NewMessage, OutboxMessage } from './port.js';
import type { Ctx } from './requests.js';
import { toMessage } from './rows.js';
import { iso } from './schema.js';

export async function enqueueMessage({ db }: Ctx, m: NewMessage): Promise<{ id: number; enqueued: boolean }> {
  const at = iso(m.at);
  if (m.coalesce && m.threadKey !== null) {
    // The caller has committed its change before enqueueing, and a waiting message is rendered
    // only once claimed: an unleased one of the same kind will show this change. A leased one may
    // have rendered already, so it does not count. (Two enqueuers racing here both insert: harmless.)
    const waiting = await db
      .selectFrom('outbox')
      .select('id')
      .where('thread_key', '=', m.threadKey)
      .where('kind', '=', m.kind)
      .where('sent_at', 'is', null)
      .where('failed_at', 'is', null)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', at)]))
      .executeTakeFirst();
    if (waiting) return { id: Number(waiting.id), enqueued: false };
  }
  const inserted = await db
    .insertInto('outbox')
    .values({
      channel: m.channel,
      thread_key: m.threadKey,
      kind: m.kind,
      payload_json: JSON.stringify(m.payload ?? null),
      dedupe_key: m.dedupeKey ?? null,
      created_at: at,
      not_before: at,
      lease_owner: null,
      lease_until: null,
      attempts: 0,
      last_error: null,
      sent_at: null,
      failed_at: null,
      result_json: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted !== undefined) return { id: Number(inserted.id), enqueued: true };
  const existing = await db
    .selectFrom('outbox')
    .select('id')
    .where('dedupe_key', '=', m.dedupeKey ?? null)
    .executeTakeFirstOrThrow();
  return { id: Number(existing.id), enqueued: false };
}

export async function claimNextMessages(
  { db, engine }: Ctx,
  input: ClaimMessagesInput,
): Promise<OutboxMessage[]> {
  if (input.limit <= 0) return [];
  const now = iso(input.now);
  const leaseUntil = iso(new Date(input.now.getTime() + input.leaseMs));
  // Serialised ('claim-messages') so the head-of-thread read and the lease write are one step
  // for every replica; the section is two indexed statements long.
  return inWriteTransaction(db, engine, 'claim-messages', async (trx) => {
    // Only a thread's oldest unfinished message is a candidate, whatever its lease or notBefore:
    // a later message never overtakes an earlier one that is leased or waiting to be retried.
    // Each condition is a subquery of its own, not correlated with the candidate row, so that the
    // database computes it once per claim. Correlated, PostgreSQL ran them once per pending message
    // with plans made from statistics autovacuum had not caught up with: after a burst of 3,000
    // messages one claim took 0.9–1.3 s (SQLite: 4 ms), every cycle, until the next ANALYZE.
    const heads = await trx
      .selectFrom('outbox as o')
      .select(['o.id', 'o.channel'])
      .where('o.sent_at', 'is', null)
      .where('o.failed_at', 'is', null)
      .where('o.not_before', '<=', now)
      .where((eb) => eb.or([eb('o.lease_until', 'is', null), eb('o.lease_until', '<=', now)]))
      .where((eb) =>
        eb.or([
          eb('o.thread_key', 'is', null),
          eb(
            'o.id',
            'in',
            eb
              .selectFrom('outbox as p')
              .select(sql<number>`min(p.id)`.as('first'))
              .where('p.thread_key', 'is not', null)
              .where('p.sent_at', 'is', null)
              .where('p.failed_at', 'is', null)
              .groupBy('p.thread_key'),
          ),
        ]),
      )
      .$if(input.channelIntervalMs !== undefined, (q) =>
        q
          // A channel that sent within the interval, or has a message being sent now, waits.
          .where(
            'o.channel',
            'not in',
            trx
              .selectFrom('outbox as s')
              .select('s.channel')
              .where('s.sent_at', '>', iso(new Date(input.now.getTime() - (input.channelIntervalMs ?? 0)))),
          )
          .where(
            'o.channel',
            'not in',
            trx
              .selectFrom('outbox as l')
              .select('l.channel')
              .where('l.sent_at', 'is', null)
              .where('l.failed_at', 'is', null)
              .where('l.lease_until', '>', now),
          ),
      )
      .orderBy('o.id')
      .limit(input.channelIntervalMs === undefined ? input.limit : input.limit * 4)
      .execute();
    if (heads.length === 0) return [];
    const picked =
      input.channelIntervalMs === undefined ? heads : firstPerChannel(heads).slice(0, input.limit);
    const rows = await trx
      .updateTable('outbox')
      .set((eb) => ({ lease_owner: input.owner, lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where(
        'id',
        'in',
        picked.map((h) => Number(h.id)),
      )
      .returningAll()
      .execute();
    return rows.map(toMessage).sort((a, b) => a.id - b.id);
  });
}

export async function markMessageSent({ db }: Ctx, id: number, input: { at: Date; result: unknown }) {
  const result = await db
    .updateTable('outbox')
    .set({ sent_at: iso(input.at), result_json: JSON.stringify(input.result ?? null), lease_until: null })
    .where('id', '=', id)
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function retryMessageLater({ db }: Ctx, id: number, input: { notBefore: Date; error: string }) {
  await db
    .updateTable('outbox')
    .set({ not_before: iso(input.notBefore), last_error: input.error, lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('sent_at', 'is', null)
    .execute();
}

export async function failMessage({ db }: Ctx, id: number, input: { at: Date; error: string }) {
  await db
    .updateTable('outbox')
    .set({ failed_at: iso(input.at), last_error: input.error, lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('sent_at', 'is', null)
    .execute();
}

export async function countUnsent({ db }: Ctx): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select(sql<number>`cast(count(*) as integer)`.as('count'))
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The oldest candidate of each channel (candidates come ordered by id). */
function firstPerChannel<T extends { channel: string }>(rows: T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    if (seen.has(r.channel)) return false;
    seen.add(r.channel);
    return true;
  });
}

export async function releaseMessageLeases(
  { db }: Ctx,
  only?: { owner: string; ids: number[] },
): Promise<number> {
  if (only && only.ids.length === 0) return 0;
  let query = db
    .updateTable('outbox')
    .set({ lease_owner: null, lease_until: null })
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .where('lease_until', 'is not', null);
  if (only) query = query.where('lease_owner', '=', only.owner).where('id', 'in', only.ids);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
