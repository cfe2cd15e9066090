/**
 * Durable steps (SPEC §10): follow-up AWS work written in the transaction of the state change that
 * needs it, then carried out by whichever live process claims it with a lease, retried with
 * backoff until done. Nothing is deleted: a done step keeps when it was done.
 */
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import { inWriteTransaction } from './engine.js';
import { leaseLapsed } from './leases.js';
import type { NewStep, StepRecord } from './port.js';
import type { Ctx } from './requests.js';
import { date, iso, type StepsTable } from './schema.js';

function toStep(r: Selectable<StepsTable>): StepRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    payload: JSON.parse(r.payload_json) as unknown,
    requestNumber: r.request_n === null ? null : Number(r.request_n),
    attempts: r.attempts,
    lastError: r.last_error,
    reportedAt: r.reported_at ? date(r.reported_at) : null,
    createdAt: date(r.created_at),
  };
}

export async function addStep({ db }: Ctx, s: NewStep): Promise<{ id: number; added: boolean }> {
  const at = iso(s.at);
  const inserted = await db
    .insertInto('steps')
    .values({
      kind: s.kind,
      payload_json: JSON.stringify(s.payload ?? null),
      dedupe_key: s.dedupeKey ?? null,
      request_n: s.requestNumber ?? null,
      created_at: at,
      not_before: at,
      lease_owner: null,
      lease_until: null,
      attempts: 0,
      last_error: null,
      reported_at: null,
      done_at: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: Number(inserted.id), added: true };
  const existing = await db
    .selectFrom('steps')
    .select('id')
    .where('dedupe_key', '=', s.dedupeKey ?? null)
    .executeTakeFirstOrThrow();
  return { id: Number(existing.id), added: false };
}

export async function claimSteps(
  { db, engine }: Ctx,
  input: { owner: string; now: Date; leaseMs: number; limit: number; liveOwners?: readonly string[] },
): Promise<StepRecord[]> {
  const now = iso(input.now);
  const lapsed = leaseLapsed(now, input.liveOwners);
  return inWriteTransaction(db, engine, null, async (trx) => {
    const due = await trx
      .selectFrom('steps')
      .select('id')
      .where('done_at', 'is', null)
      .where('not_before', '<=', now)
      .where(lapsed)
      .orderBy('not_before')
      .orderBy('id')
      .limit(input.limit)
      .execute();
    if (due.length === 0) return [];
    const rows = await trx
      .updateTable('steps')
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
      .where(lapsed)
      .returningAll()
      .execute();
    return rows.map(toStep).sort((a, b) => a.id - b.id);
  });
}

export async function completeStep({ db }: Ctx, id: number, at: Date): Promise<void> {
  await db
    .updateTable('steps')
    .set({ done_at: iso(at), lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .execute();
}

export async function retryStepLater(
  { db }: Ctx,
  id: number,
  input: { notBefore: Date; error: string; reported?: Date },
): Promise<void> {
  await db
    .updateTable('steps')
    .set({
      not_before: iso(input.notBefore),
      last_error: input.error.slice(0, 1000),
      lease_owner: null,
      lease_until: null,
      ...(input.reported ? { reported_at: iso(input.reported) } : {}),
    })
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .execute();
}

export async function countOpenSteps({ db }: Ctx): Promise<number> {
  const row = await db
    .selectFrom('steps')
    .select(sql<number>`cast(count(*) as integer)`.as('n'))
    .where('done_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Not done, not failing: the step waits for AWS (a volume being created) and runs again then. */
export async function postponeStep({ db }: Ctx, id: number, notBefore: Date): Promise<void> {
  await db
    .updateTable('steps')
    .set({ not_before: iso(notBefore), lease_owner: null, lease_until: null, attempts: 0, last_error: null })
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .execute();
}
