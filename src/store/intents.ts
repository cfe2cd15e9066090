/**
 * The inbox (SPEC §10): a Slack command, click or form submission is written here before Slack is
 * told it was accepted, and marked done in the transaction that writes its consequences. One that
 * is not done when its process dies is carried out by whichever process finds its lease lapsed.
 */

import DataLoader from 'dataloader';
import type { Selectable } from 'kysely';
import { inWriteTransaction } from './engine.js';
import { leaseLapsed } from './leases.js';
import type { ClaimIntentsInput, IntentRecord, NewIntent, RecordedIntent } from './port.js';
import { urgently } from './priority.js';
import type { Ctx } from './requests.js';
import type { IntentsTable } from './schema.js';
import { date, iso } from './schema.js';

function toIntent(
  r: Pick<Selectable<IntentsTable>, 'id' | 'kind' | 'user_id' | 'payload_json' | 'received_at' | 'attempts'>,
): IntentRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    userId: r.user_id,
    payload: JSON.parse(r.payload_json) as unknown,
    receivedAt: date(r.received_at),
    attempts: r.attempts,
  };
}

function intentRow(i: NewIntent) {
  return {
    dedupe_key: i.dedupeKey,
    kind: i.kind,
    user_id: i.userId,
    payload_json: JSON.stringify(i.payload ?? null),
    received_at: iso(i.at),
    lease_owner: i.lease?.owner ?? null,
    lease_until: i.lease ? iso(i.lease.until) : null,
    // Leased at once counts as the first attempt, as a claim would.
    attempts: i.lease ? 1 : 0,
    last_error: null,
    done_at: null,
  };
}

/**
 * Before Slack's ack, so its queries go ahead of queued work (`priority.ts`). The intents asked
 * for in one turn of the event loop are written by one multi-row insert: on PostgreSQL one commit,
 * one WAL flush and one round trip for a burst of acks instead of one each (`npm run bench`, ack).
 * Every caller still waits for that commit before its ack; a failed insert fails each of them.
 */
export function intentRecorder(ctx: Ctx): (i: NewIntent) => Promise<RecordedIntent> {
  const loader = new DataLoader<NewIntent, RecordedIntent>((batch) => recordIntents(ctx, batch), {
    cache: false,
    maxBatchSize: 100,
    // The Slack requests of one poll phase reach here from separate I/O callbacks, each with its
    // own microtasks; the check phase right after that poll phase sends them together.
    batchScheduleFn: (send) => setImmediate(send),
  });
  return (i) => loader.load(i);
}

/** In the order asked; a key delivered twice (a Slack retry) is fresh once, the first time. */
export async function recordIntents({ db }: Ctx, intents: readonly NewIntent[]): Promise<RecordedIntent[]> {
  // One row per key, in key order: the batches of two replicas that share keys (a Slack retry
  // delivered to each) then lock them in the same order. In arrival order PostgreSQL found two
  // such inserts deadlocked (the store's conformance suite, in CI).
  const rows = new Map<string, ReturnType<typeof intentRow>>();
  for (const i of intents) if (!rows.has(i.dedupeKey)) rows.set(i.dedupeKey, intentRow(i));
  const inserted = await urgently(() =>
    db
      .insertInto('intents')
      .values([...rows.keys()].sort().map((k) => rows.get(k)!))
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning(['id', 'dedupe_key'])
      .execute(),
  );
  const fresh = new Map(inserted.map((r) => [r.dedupe_key, Number(r.id)]));
  const before = [...new Set(intents.map((i) => i.dedupeKey).filter((k) => !fresh.has(k)))];
  const existing = new Map<string, number>();
  if (before.length) {
    const found = await urgently(() =>
      db.selectFrom('intents').select(['id', 'dedupe_key']).where('dedupe_key', 'in', before).execute(),
    );
    for (const r of found) existing.set(r.dedupe_key, Number(r.id));
  }
  const taken = new Set<string>();
  return intents.map((i) => {
    const id = fresh.get(i.dedupeKey);
    if (id !== undefined && !taken.has(i.dedupeKey)) {
      taken.add(i.dedupeKey);
      // What a claim would read back: the payload from the JSON just written, the first attempt.
      return { id, fresh: true, intent: toIntent({ ...rows.get(i.dedupeKey)!, id }) };
    }
    const known = id ?? existing.get(i.dedupeKey);
    if (known === undefined) throw new Error(`intent ${i.dedupeKey} was neither recorded nor found`);
    return { id: known, fresh: false };
  });
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
