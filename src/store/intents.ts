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

type Recorded = { id: number; fresh: boolean };

interface Waiting {
  intent: NewIntent;
  resolve: (r: Recorded) => void;
  reject: (err: unknown) => void;
}

/** Intents waiting for the next group write, per database. */
const batches = new WeakMap<object, Waiting[]>();

/** Intents written in one statement at most (a burst beyond it takes a few). */
const BATCH_MAX = 200;

/**
 * Before Slack's ack: its queries go ahead of queued work (`priority.ts`), and the intents that
 * arrive in the same turn of the event loop are written together — one INSERT, one commit — so a
 * burst of 50 commands waits for one round trip and one fsync instead of queueing for 50 (on
 * PostgreSQL they shared a few connections: `npm run bench`, ack inside the server).
 */
export function recordIntent(ctx: Ctx, intent: NewIntent): Promise<Recorded> {
  return new Promise<Recorded>((resolve, reject) => {
    const waiting = batches.get(ctx.db);
    if (waiting) {
      waiting.push({ intent, resolve, reject });
      return;
    }
    const batch: Waiting[] = [{ intent, resolve, reject }];
    batches.set(ctx.db, batch);
    setImmediate(() => {
      batches.delete(ctx.db);
      for (let i = 0; i < batch.length; i += BATCH_MAX) void writeBatch(ctx, batch.slice(i, i + BATCH_MAX));
    });
  });
}

async function writeBatch(ctx: Ctx, batch: Waiting[]): Promise<void> {
  try {
    const recorded = await urgently(() =>
      insertIntents(
        ctx,
        batch.map((w) => w.intent),
      ),
    );
    batch.forEach((w, i) => w.resolve(recorded[i]!));
  } catch (err) {
    for (const w of batch) w.reject(err);
  }
}

/**
 * One INSERT for them all. An interaction delivered twice (a Slack retry, in this batch or an
 * earlier one) is recorded once: the first of a dedupe key is `fresh`, any other finds its ID.
 */
async function insertIntents({ db }: Ctx, intents: NewIntent[]): Promise<Recorded[]> {
  // In key order: two replicas inserting overlapping keys (a Slack retry reaching both) then wait
  // for one another instead of deadlocking on each other's unique-index entries (PostgreSQL).
  const ordered = [...intents].sort((a, b) =>
    a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0,
  );
  const inserted = await db
    .insertInto('intents')
    .values(
      ordered.map((i) => ({
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
      })),
    )
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning(['id', 'dedupe_key'])
    .execute();
  const fresh = new Map(inserted.map((r) => [r.dedupe_key, Number(r.id)]));
  const missing = [...new Set(intents.map((i) => i.dedupeKey).filter((k) => !fresh.has(k)))];
  const existing = new Map<string, number>();
  if (missing.length > 0) {
    const rows = await db
      .selectFrom('intents')
      .select(['id', 'dedupe_key'])
      .where('dedupe_key', 'in', missing)
      .execute();
    for (const r of rows) existing.set(r.dedupe_key, Number(r.id));
  }
  const claimed = new Set<string>();
  return intents.map((i) => {
    const id = fresh.get(i.dedupeKey);
    if (id !== undefined && !claimed.has(i.dedupeKey)) {
      claimed.add(i.dedupeKey);
      return { id, fresh: true };
    }
    const known = id ?? existing.get(i.dedupeKey);
    if (known === undefined) throw new Error(`intent ${i.dedupeKey} was neither recorded nor found`);
    return { id: known, fresh: false };
  });
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
