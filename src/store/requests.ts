/** The request aggregate: filing, Slack references, state changes, approvals, cancel, expiry. */
import { copyFrom, requestFrom } from '../domain/transitions.js';
import type { CopyState, RequestState } from '../domain/types.js';
import { aggregateRequestState } from './aggregate.js';
import { type Db, type EngineProfile, inWriteTransaction, lockRequests } from './engine.js';
import type {
  ApprovalNudge,
  CancelResult,
  CopyRecord,
  DecisionRecord,
  FileRequestInput,
  NewCopy,
  RequestRecord,
  SlackRef,
  TransitionInput,
} from './port.js';
import { toCopy, toDecision, toRequest } from './rows.js';
import { bit, bitOrNull, iso, isoOrNull } from './schema.js';

export interface Ctx {
  db: Db;
  engine: EngineProfile;
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

/** Request states that end a request before any copy runs; their unstarted copies are cancelled. */
const CLOSING_STATES: readonly RequestState[] = ['rejected', 'expired', 'cancelled'];
/** Copies a cancel can still stop: those AWS has not been asked for. */
const UNSTARTED: CopyState[] = copyFrom('cancelled');

export async function fileRequest(
  { db, engine }: Ctx,
  input: FileRequestInput,
): Promise<{ request: RequestRecord; copies: CopyRecord[] }> {
  const { request: r, copies, audit } = input;
  if (copies.length === 0) throw new Error('a request needs at least one copy');
  const at = iso(r.at);
  const approved = r.state === 'approved';
  return inWriteTransaction(db, engine, null, async (trx) => {
    const row = await trx
      .insertInto('requests')
      .values({
        requester_id: r.requesterId,
        origin_channel: r.originChannel,
        state: r.state,
        policy_name: r.policyName ?? null,
        resolved_json: json(r.resolved),
        cross_account: bit(r.crossAccount),
        required_approvals: r.requiredApprovals,
        expires_at: isoOrNull(r.expiresAt),
        details_json: json(r.details),
        request_msg_channel: null,
        request_msg_ts: null,
        card_channel: null,
        card_ts: null,
        approved_at: approved ? at : null,
        closed_by: null,
        created_at: at,
        updated_at: at,
        intent_id: input.intentId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const n = Number(row.n);
    const row0 = (c: NewCopy, afterCopyId: number | null) => ({
      request_n: n,
      source_snapshot_id: c.source.snapshotId,
      source_account_id: c.source.accountId,
      source_region: c.source.region,
      source_volume_id: c.source.volumeId,
      source_size_gib: c.source.sizeGiB,
      source_encrypted: bit(c.source.encrypted),
      source_kms_key_id: c.source.kmsKeyId ?? null,
      dest_account: c.destination.account,
      dest_account_id: c.destination.accountId,
      dest_region: c.destination.region,
      encrypted: bitOrNull(c.encrypted),
      kms_key_id: c.kmsKeyId ?? null,
      transfer_kind: c.transfer.kind,
      transfer_reason: c.transfer.reason,
      state: approved ? 'queued' : 'waiting',
      queued_at: approved ? at : null,
      claimed_at: null,
      claim_owner: null,
      started_at: null,
      completed_at: null,
      new_snapshot_id: null,
      result_encrypted: null,
      result_kms_key_id: null,
      progress: null,
      failure_code: null,
      failure_message: null,
      attempts: 0,
      updated_at: at,
      unanswered_at: null,
      hop: c.hop?.kind ?? null,
      after_copy_id: afterCopyId,
      origin_snapshot_id: c.hop?.kind === 'final' ? c.source.snapshotId : null,
    });
    // Final hops name the copy they wait for by its ID: the copies they follow are inserted first.
    const first = copies.filter((c) => c.hop?.kind !== 'final');
    const copyRows = await trx
      .insertInto('copies')
      .values(first.map((c) => row0(c, null)))
      .returningAll()
      .execute();
    const finals = copies.filter((c) => c.hop?.kind === 'final');
    if (finals.length > 0) {
      const idOf = new Map(
        copyRows.map((r) => [`${r.source_snapshot_id}|${r.dest_account_id}|${r.dest_region}`, Number(r.id)]),
      );
      const afterId = (c: NewCopy) => {
        const after = c.hop?.kind === 'final' ? copies[c.hop.after] : undefined;
        const id =
          after &&
          idOf.get(`${after.source.snapshotId}|${after.destination.accountId}|${after.destination.region}`);
        if (id === undefined)
          throw new Error('a final hop must follow an intermediate copy of the same filing');
        return id;
      };
      copyRows.push(
        ...(await trx
          .insertInto('copies')
          .values(finals.map((c) => row0(c, afterId(c))))
          .returningAll()
          .execute()),
      );
    }
    await trx
      .insertInto('audit')
      .values({ at, actor: audit.actor, action: audit.action, request_n: n, detail_json: json(audit.detail) })
      .execute();
    return { request: toRequest(row), copies: copyRows.map(toCopy).sort((a, b) => a.id - b.id) };
  });
}

/** The request filed from this Slack intent, if any: a replayed filing finds it instead of filing twice. */
export async function findRequestByIntent({ db }: Ctx, intentId: number): Promise<RequestRecord | undefined> {
  const row = await db
    .selectFrom('requests')
    .selectAll()
    .where('intent_id', '=', intentId)
    .executeTakeFirst();
  return row && toRequest(row);
}

export async function lockRequest({ db, engine }: Ctx, n: number): Promise<RequestRecord | undefined> {
  await lockRequests(db, engine, [n]);
  return getRequest({ db, engine }, n);
}

export async function getRequest({ db }: Ctx, n: number): Promise<RequestRecord | undefined> {
  const row = await db.selectFrom('requests').selectAll().where('n', '=', n).executeTakeFirst();
  return row && toRequest(row);
}

export async function getCopies({ db }: Ctx, n: number): Promise<CopyRecord[]> {
  const rows = await db.selectFrom('copies').selectAll().where('request_n', '=', n).orderBy('id').execute();
  return rows.map(toCopy);
}

export async function listRequests(
  { db }: Ctx,
  filter: { requesterId?: string; states?: RequestState[]; limit: number },
): Promise<RequestRecord[]> {
  let q = db.selectFrom('requests').selectAll();
  if (filter.requesterId !== undefined) q = q.where('requester_id', '=', filter.requesterId);
  if (filter.states !== undefined) {
    if (filter.states.length === 0) return [];
    q = q.where('state', 'in', filter.states);
  }
  const rows = await q.orderBy('n', 'desc').limit(filter.limit).execute();
  return rows.map(toRequest);
}

export async function setSlackRef(
  { db }: Ctx,
  n: number,
  which: 'request' | 'card',
  ref: SlackRef,
): Promise<void> {
  const values =
    which === 'request'
      ? { request_msg_channel: ref.channel, request_msg_ts: ref.ts }
      : { card_channel: ref.channel, card_ts: ref.ts };
  const result = await db.updateTable('requests').set(values).where('n', '=', n).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new Error(`request R-${n} does not exist`);
}

async function cancelUnstartedCopies(trx: Db, ns: number[], at: string): Promise<CopyRecord[]> {
  if (ns.length === 0) return [];
  const rows = await trx
    .updateTable('copies')
    .set({ state: 'cancelled', updated_at: at })
    .where('request_n', 'in', ns)
    .where('state', 'in', UNSTARTED)
    .returningAll()
    .execute();
  return rows.map(toCopy).sort((a, b) => a.id - b.id);
}

export async function transitionRequest(
  { db, engine }: Ctx,
  n: number,
  t: TransitionInput,
): Promise<boolean> {
  const allowed = requestFrom(t.to);
  const from = t.from.filter((s) => allowed.includes(s));
  if (from.length === 0) return false;
  const at = iso(t.at);
  const patch = t.patch ?? {};
  return inWriteTransaction(db, engine, null, async (trx) => {
    const moved = await trx
      .updateTable('requests')
      .set({
        state: t.to,
        updated_at: at,
        ...(patch.details === undefined ? {} : { details_json: json(patch.details) }),
        ...(patch.requiredApprovals === undefined ? {} : { required_approvals: patch.requiredApprovals }),
        ...(patch.expiresAt === undefined ? {} : { expires_at: isoOrNull(patch.expiresAt) }),
        ...(patch.closedBy === undefined ? {} : { closed_by: patch.closedBy }),
      })
      .where('n', '=', n)
      .where('state', 'in', from)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return false;
    if (CLOSING_STATES.includes(t.to)) await cancelUnstartedCopies(trx, [n], at);
    return true;
  });
}

export async function recordDecision({ db }: Ctx, d: DecisionRecord): Promise<{ recorded: boolean }> {
  // The primary key (request_n, user_id) decides, not a prior read: double clicks and Slack
  // retries race, and only the database sees both.
  const rows = await db
    .insertInto('decisions')
    .values({
      request_n: d.requestNumber,
      user_id: d.userId,
      decision: d.decision,
      at: iso(d.at),
      reason: d.reason ?? null,
    })
    .onConflict((oc) => oc.columns(['request_n', 'user_id']).doNothing())
    .returning('user_id')
    .execute();
  return { recorded: rows.length === 1 };
}

export async function listDecisions({ db }: Ctx, n: number): Promise<DecisionRecord[]> {
  const rows = await db
    .selectFrom('decisions')
    .selectAll()
    .where('request_n', '=', n)
    .orderBy('at')
    .orderBy('user_id')
    .execute();
  return rows.map(toDecision);
}

export async function approveRequest(
  { db, engine }: Ctx,
  n: number,
  when: Date,
): Promise<RequestRecord | undefined> {
  const at = iso(when);
  return inWriteTransaction(db, engine, null, async (trx) => {
    const row = await trx
      .updateTable('requests')
      .set({ state: 'approved', approved_at: at, updated_at: at })
      .where('n', '=', n)
      .where('state', '=', 'pending_approval')
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) return undefined;
    await trx
      .updateTable('copies')
      .set({ state: 'queued', queued_at: at, updated_at: at })
      .where('request_n', '=', n)
      .where(
        'state',
        'in',
        copyFrom('queued').filter((s) => s === 'waiting'),
      )
      .execute();
    return toRequest(row);
  });
}

/** Recomputes a request's state from its copies, inside the caller's transaction. */
export async function refreshRequestState(
  trx: Db,
  n: number,
  at: string,
  closedBy?: string,
): Promise<{ request: RequestRecord; changed: boolean }> {
  const row = await trx.selectFrom('requests').selectAll().where('n', '=', n).executeTakeFirstOrThrow();
  const states = await trx.selectFrom('copies').select('state').where('request_n', '=', n).execute();
  const next = aggregateRequestState(
    row.state as RequestState,
    states.map((s) => s.state as CopyState),
  );
  if (next === row.state) return { request: toRequest(row), changed: false };
  const updated = await trx
    .updateTable('requests')
    .set({
      state: next,
      updated_at: at,
      ...(next === 'cancelled' && closedBy ? { closed_by: closedBy } : {}),
    })
    .where('n', '=', n)
    .where('state', '=', row.state)
    .where('state', 'in', requestFrom(next))
    .returningAll()
    .executeTakeFirst();
  // Refused by the transition table (or moved meanwhile): the stored state stands.
  if (updated === undefined) return { request: toRequest(row), changed: false };
  return { request: toRequest(updated), changed: true };
}

export async function cancelRequest(
  { db, engine }: Ctx,
  n: number,
  when: Date,
  by: string,
): Promise<CancelResult> {
  const at = iso(when);
  return inWriteTransaction(db, engine, null, async (trx) => {
    // The request's row first, as approvals and claims take it: one lock order, no deadlock, and
    // the state read here is the state this transaction changes.
    await lockRequests(trx, engine, [n]);
    const row = await trx.selectFrom('requests').selectAll().where('n', '=', n).executeTakeFirst();
    if (row === undefined) return { found: false, cancelled: [], inFlight: [], request: null };
    if (!requestFrom('cancelled').includes(row.state as RequestState)) {
      return { found: false, cancelled: [], inFlight: [], request: toRequest(row) };
    }
    const cancelled = await cancelUnstartedCopies(trx, [n], at);
    const inFlight = (
      await trx
        .selectFrom('copies')
        .selectAll()
        .where('request_n', '=', n)
        .where('state', 'in', ['starting', 'copying'])
        .orderBy('id')
        .execute()
    ).map(toCopy);
    let request: RequestRecord;
    if (row.state === 'pending_approval') {
      const updated = await trx
        .updateTable('requests')
        .set({ state: 'cancelled', closed_by: by, updated_at: at })
        .where('n', '=', n)
        .where('state', '=', 'pending_approval')
        .returningAll()
        .executeTakeFirstOrThrow();
      request = toRequest(updated);
    } else {
      request = (await refreshRequestState(trx, n, at, by)).request;
    }
    return { found: true, cancelled, inFlight, request };
  });
}

export async function expireRequests({ db, engine }: Ctx, now: Date): Promise<RequestRecord[]> {
  const at = iso(now);
  return inWriteTransaction(db, engine, null, async (trx) => {
    const rows = await trx
      .updateTable('requests')
      .set({ state: 'expired', updated_at: at })
      .where('state', '=', 'pending_approval')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', at)
      .returningAll()
      .execute();
    await cancelUnstartedCopies(
      trx,
      rows.map((r) => Number(r.n)),
      at,
    );
    return rows.map(toRequest).sort((a, b) => a.n - b.n);
  });
}

export async function claimApprovalNudges(
  { db, engine }: Ctx,
  kind: ApprovalNudge,
  filedBy: Date,
  now: Date,
): Promise<RequestRecord[]> {
  const at = iso(now);
  const column = kind === 'remind' ? 'reminded_at' : 'escalated_at';
  return inWriteTransaction(db, engine, null, async (trx) => {
    const rows = await trx
      .updateTable('requests')
      .set({ [column]: at })
      .where('state', '=', 'pending_approval')
      .where(column, 'is', null)
      .where('created_at', '<=', iso(filedBy))
      // A request past its deadline is expired by the same sweep, not nudged.
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
      .returningAll()
      .execute();
    return rows.map(toRequest).sort((a, b) => a.n - b.n);
  });
}
