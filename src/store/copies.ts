/** The copy aggregate: slot claims, state changes the engine makes, and the queries it polls with. */
import { type Selectable, sql, type Updateable } from 'kysely';
import { destinationKey, pickStartable } from '../domain/slots.js';
import { copyFrom } from '../domain/transitions.js';
import type { CopyFailureCode, CopyState } from '../domain/types.js';
import { type Db, inWriteTransaction, lockRequests } from './engine.js';
import type {
  ClaimInput,
  CopyChange,
  CopyFilter,
  CopyRecord,
  DestinationQueue,
  InFlightGroup,
  RequeueInput,
} from './port.js';
import { type Ctx, refreshRequestState } from './requests.js';
import { toCopy } from './rows.js';
import { bitOrNull, type CopiesTable, date, iso } from './schema.js';

const IN_FLIGHT: CopyState[] = ['starting', 'copying'];

export async function getCopy({ db }: Ctx, copyId: number): Promise<CopyRecord | undefined> {
  const row = await db.selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirst();
  return row && toCopy(row);
}

async function inFlightLoad(trx: Db) {
  const rows = await trx
    .selectFrom('copies')
    .select(['dest_account_id', 'dest_region', sql<number>`cast(count(*) as integer)`.as('count')])
    .where('state', 'in', IN_FLIGHT)
    .groupBy(['dest_account_id', 'dest_region'])
    .execute();
  return rows.map((r) => ({
    accountId: r.dest_account_id,
    region: r.dest_region,
    inFlight: Number(r.count),
  }));
}

export async function claimStartableCopies({ db, engine }: Ctx, input: ClaimInput): Promise<CopyRecord[]> {
  const at = iso(input.now);
  // Why a critical section ('claim-slots': a PostgreSQL transaction advisory lock, SQLite's
  // BEGIN IMMEDIATE) rather than SELECT … FOR UPDATE SKIP LOCKED: the limit is a property of the
  // set of in-flight rows, which row locks on queued copies do not protect — two claimers each
  // skipping the other's locked rows would both count the same free slots and overshoot. A claim
  // is a few small queries (milliseconds) made by a handful of replicas, so serialising claimers
  // costs nothing measurable, and per-destination locks would buy parallelism nobody needs at the
  // price of lock-ordering care. No AWS call happens under the lock (STYLE habit 5).
  return inWriteTransaction(db, engine, 'claim-slots', async (trx) => {
    const [load, holds, queued] = [
      await inFlightLoad(trx),
      await trx.selectFrom('holds').selectAll().execute(),
      await trx
        .selectFrom('copies')
        .select(['id', 'dest_account', 'dest_account_id', 'dest_region', 'queued_at'])
        .where('state', '=', 'queued')
        // A final hop starts once the intermediate copy it copies has completed (SPEC §5.5).
        .where((eb) =>
          eb.or([
            eb('after_copy_id', 'is', null),
            eb.exists(
              eb
                .selectFrom('copies as hop1')
                .select('hop1.id')
                .whereRef('hop1.id', '=', 'copies.after_copy_id')
                .where('hop1.state', '=', 'completed'),
            ),
          ]),
        )
        .execute(),
    ];
    const holdCutoff =
      input.holdExpiryMs === undefined ? null : iso(new Date(input.now.getTime() - input.holdExpiryMs));
    const held = new Set(
      holds
        .filter((h) => holdCutoff === null || h.since > holdCutoff)
        .map((h) => destinationKey(h.dest_account_id, h.dest_region)),
    );
    const picked = pickStartable(
      queued.map((q) => ({
        id: Number(q.id),
        account: q.dest_account,
        accountId: q.dest_account_id,
        region: q.dest_region,
        queuedAt: q.queued_at ?? at,
      })),
      load,
      held,
      input.limits,
      input.max,
    );
    if (picked.length === 0) return [];
    // Their requests' rows first (the one lock order): a cancel of one of them waits, then finds
    // these copies started, or this claim finds them cancelled.
    const owners = await trx.selectFrom('copies').select('request_n').where('id', 'in', picked).execute();
    await lockRequests(
      trx,
      engine,
      owners.map((o) => Number(o.request_n)),
    );
    const rows = await trx
      .updateTable('copies')
      .set((eb) => ({
        state: 'starting',
        claimed_at: at,
        claim_owner: input.owner,
        attempts: eb('attempts', '+', 1),
        updated_at: at,
      }))
      .where('id', 'in', picked)
      .where('state', '=', 'queued')
      .returningAll()
      .execute();
    for (const n of new Set(rows.map((r) => Number(r.request_n)))) await refreshRequestState(trx, n, at);
    const order = new Map(picked.map((id, i) => [id, i]));
    return rows.map(toCopy).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  });
}

/**
 * Moves one copy from one of `from` states, applies `set`, runs `after`, and refreshes its
 * request's state, in one transaction. Undefined when the copy was not in a `from` state.
 */
async function changeCopy(
  { db, engine }: Ctx,
  copyId: number,
  to: CopyState,
  from: CopyState[],
  at: string,
  set: Updateable<CopiesTable>,
  after?: (trx: Db, row: Selectable<CopiesTable>) => Promise<void>,
): Promise<CopyChange | undefined> {
  const allowed = copyFrom(to).filter((s) => from.includes(s));
  return inWriteTransaction(db, engine, null, async (trx) => {
    // The request's row before the copy's (the one lock order; a copy's request never changes).
    const owner = await trx
      .selectFrom('copies')
      .select('request_n')
      .where('id', '=', copyId)
      .executeTakeFirst();
    if (owner === undefined) return undefined;
    await lockRequests(trx, engine, [Number(owner.request_n)]);
    const row = await trx
      .updateTable('copies')
      .set({ ...set, state: to, updated_at: at })
      .where('id', '=', copyId)
      .where('state', 'in', allowed)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) return undefined;
    if (after) await after(trx, row);
    const { request, changed } = await refreshRequestState(trx, Number(row.request_n), at);
    return { copy: toCopy(row), request, requestStateChanged: changed };
  });
}

export function markCopyStarted(ctx: Ctx, copyId: number, input: { snapshotId: string; at: Date }) {
  const at = iso(input.at);
  return changeCopy(
    ctx,
    copyId,
    'copying',
    ['starting'],
    at,
    { new_snapshot_id: input.snapshotId, started_at: at, progress: 0, unanswered_at: null },
    async (trx, row) => {
      if (row.hop !== 'intermediate') return;
      // Its final hops copy the intermediate from now on: it is the snapshot they share and copy
      // (their provenance keeps the original, origin_snapshot_id).
      await trx
        .updateTable('copies')
        .set({ source_snapshot_id: input.snapshotId, source_kms_key_id: row.kms_key_id, updated_at: at })
        .where('after_copy_id', '=', row.id)
        .where('state', 'in', ['waiting', 'queued'])
        .execute();
    },
  );
}

export function requeueCopy(ctx: Ctx, copyId: number, input: RequeueInput) {
  const at = iso(input.at);
  // queued_at is left alone: the copy goes back to its original place in the line.
  return changeCopy(
    ctx,
    copyId,
    'queued',
    ['starting'],
    at,
    {
      claimed_at: null,
      claim_owner: null,
      // AWS said no for certain (quota, throttling): no copy was made, there is nothing to wait for.
      // Otherwise the time a CopySnapshot may have been sent is kept for the next claimer.
      ...(input.definite ? { unanswered_at: null } : {}),
    },
    async (trx, row) => {
      if (!input.holdDestination) return;
      await trx
        .insertInto('holds')
        .values({
          dest_account_id: row.dest_account_id,
          dest_region: row.dest_region,
          since: at,
          reason: input.reason,
        })
        .onConflict((oc) =>
          oc.columns(['dest_account_id', 'dest_region']).doUpdateSet({ since: at, reason: input.reason }),
        )
        .execute();
    },
  );
}

/**
 * A CopySnapshot is about to be sent: from now until its answer is recorded, any process that
 * claims the copy (after a crash, a lost answer) waits before trusting a tag lookup that finds nothing.
 */
export async function markCopyAttempt({ db }: Ctx, copyId: number, at: Date): Promise<void> {
  await db
    .updateTable('copies')
    .set({ unanswered_at: iso(at) })
    .where('id', '=', copyId)
    .where('state', '=', 'starting')
    .execute();
}

export async function releaseHold({ db }: Ctx, accountId: string, region: string): Promise<void> {
  await db
    .deleteFrom('holds')
    .where('dest_account_id', '=', accountId)
    .where('dest_region', '=', region)
    .execute();
}

export async function recordProgress({ db }: Ctx, copyId: number, input: { progress: number; at: Date }) {
  const result = await db
    .updateTable('copies')
    .set({ progress: input.progress, updated_at: iso(input.at) })
    .where('id', '=', copyId)
    .where('state', '=', 'copying')
    .where((eb) => eb.or([eb('progress', 'is', null), eb('progress', '!=', input.progress)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function completeCopy(
  ctx: Ctx,
  copyId: number,
  input: { at: Date; encrypted?: boolean; kmsKeyId?: string },
) {
  const at = iso(input.at);
  return changeCopy(
    ctx,
    copyId,
    'completed',
    ['copying'],
    at,
    {
      completed_at: at,
      progress: 100,
      result_encrypted: bitOrNull(input.encrypted),
      result_kms_key_id: input.kmsKeyId ?? null,
    },
    // A completion of the bot's own copy is the signal that ends a ResourceLimitExceeded hold (SPEC §6).
    async (trx, row) => {
      await trx
        .deleteFrom('holds')
        .where('dest_account_id', '=', row.dest_account_id)
        .where('dest_region', '=', row.dest_region)
        .execute();
    },
  );
}

export function failCopy(
  ctx: Ctx,
  copyId: number,
  input: { code: CopyFailureCode; message: string; at: Date },
) {
  const at = iso(input.at);
  return changeCopy(ctx, copyId, 'failed', ['queued', 'starting', 'copying'], at, {
    completed_at: at,
    failure_code: input.code,
    failure_message: input.message,
  });
}

export async function listInFlightCopies({ db }: Ctx): Promise<InFlightGroup[]> {
  const rows = await db
    .selectFrom('copies')
    .selectAll()
    .where('state', '=', 'copying')
    .orderBy('dest_account_id')
    .orderBy('dest_region')
    .orderBy('id')
    .execute();
  const groups = new Map<string, InFlightGroup>();
  for (const row of rows) {
    const key = destinationKey(row.dest_account_id, row.dest_region);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        accountId: row.dest_account_id,
        region: row.dest_region,
        account: row.dest_account,
        copies: [],
      };
      groups.set(key, group);
    }
    group.copies.push(toCopy(row));
  }
  return [...groups.values()];
}

export async function listStartingCopies({ db }: Ctx): Promise<CopyRecord[]> {
  const rows = await db
    .selectFrom('copies')
    .selectAll()
    .where('state', '=', 'starting')
    .orderBy('id')
    .execute();
  return rows.map(toCopy);
}

export async function queueSnapshot({ db }: Ctx): Promise<DestinationQueue[]> {
  const [rows, holds] = await Promise.all([
    db
      .selectFrom('copies')
      .select(['id', 'request_n', 'state', 'dest_account', 'dest_account_id', 'dest_region', 'queued_at'])
      .where('state', 'in', ['queued', ...IN_FLIGHT])
      .orderBy('queued_at')
      .orderBy('id')
      .execute(),
    db.selectFrom('holds').selectAll().execute(),
  ]);
  const queues = new Map<string, DestinationQueue>();
  const queueOf = (account: string, accountId: string, region: string) => {
    const key = destinationKey(accountId, region);
    let q = queues.get(key);
    if (q === undefined) {
      q = {
        account,
        accountId,
        region,
        queued: 0,
        inFlight: 0,
        oldestQueuedAt: null,
        held: null,
        positions: [],
      };
      queues.set(key, q);
    }
    return q;
  };
  for (const r of rows) {
    const q = queueOf(r.dest_account, r.dest_account_id, r.dest_region);
    if (r.state !== 'queued') {
      q.inFlight++;
      continue;
    }
    q.queued++;
    if (q.oldestQueuedAt === null && r.queued_at !== null) q.oldestQueuedAt = date(r.queued_at);
    q.positions.push({ copyId: Number(r.id), requestNumber: Number(r.request_n), position: q.queued });
  }
  for (const h of holds) {
    // A hold on a destination with nothing queued there is still worth showing: the alias is unknown, so the ID stands in.
    queueOf(h.dest_account_id, h.dest_account_id, h.dest_region).held = {
      since: date(h.since),
      reason: h.reason,
    };
  }
  return [...queues.values()];
}

export async function findPreviousCopies(
  { db }: Ctx,
  q: { volumeId: string; destAccountId: string; destRegion: string; states?: CopyState[] },
): Promise<CopyRecord[]> {
  const states = q.states ?? ['completed'];
  if (states.length === 0) return [];
  const rows = await db
    .selectFrom('copies')
    .selectAll()
    .where('source_volume_id', '=', q.volumeId)
    .where('dest_account_id', '=', q.destAccountId)
    .where('dest_region', '=', q.destRegion)
    .where('state', 'in', states)
    // coalesce: PostgreSQL sorts NULLs first in descending order, SQLite last.
    .orderBy(sql`coalesce(completed_at, updated_at)`, 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toCopy);
}

export async function listCopies({ db }: Ctx, f: CopyFilter): Promise<CopyRecord[]> {
  let q = db.selectFrom('copies').selectAll('copies');
  if (f.states !== undefined) {
    if (f.states.length === 0) return [];
    q = q.where('copies.state', 'in', f.states);
  }
  if (f.requestNumber !== undefined) q = q.where('copies.request_n', '=', f.requestNumber);
  if (f.destAccountId !== undefined) q = q.where('copies.dest_account_id', '=', f.destAccountId);
  if (f.destRegion !== undefined) q = q.where('copies.dest_region', '=', f.destRegion);
  if (f.updatedSince !== undefined) q = q.where('copies.updated_at', '>=', iso(f.updatedSince));
  if (f.policyName !== undefined) {
    const policyName = f.policyName;
    q = q.where('copies.request_n', 'in', (eb) =>
      eb.selectFrom('requests').select('requests.n').where('requests.policy_name', '=', policyName),
    );
  }
  const rows = await q
    .orderBy('copies.updated_at', 'desc')
    .orderBy('copies.id', 'desc')
    .limit(f.limit ?? 500)
    .execute();
  return rows.map(toCopy);
}
