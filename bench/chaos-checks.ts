/**
 * The figures of `npm run chaos`, judged from outside once everything settled: what Slack was told
 * (acks the driver received), what the simulated AWS world holds, what the Slack stand-in was last
 * told, and the bot's own records read through the store port after its processes stopped.
 */
import type { SimulatorHandle } from '../src/simulator/index.js';
import type { RequestRecord, Store } from '../src/store/port.js';
import type { SlackApiStandIn, SlackCall } from '../test/support/slack-api.js';

export const REQUEST_TAG = 'snapshot-copy:request';
export const SOURCE_TAG = 'snapshot-copy:source';

/** What the driver did for one request of the workload, as Slack would remember it. */
export interface Driven {
  i: number;
  /** The note of the command attempt Slack got an ack for (earlier, unacknowledged attempts are not promises). */
  ackedNote?: string;
  /** The request number the requester was told. */
  n?: number;
  cancelAcked: boolean;
  clickAcked: boolean;
  /** The response_url ids of the clicks: where the bot answered them. */
  clickIds?: string[];
}

export interface ChaosFigures {
  /** Acked commands whose request never appeared; acked cancels or Approve clicks that did not count. */
  requestsLost: number;
  /** Snapshots beyond the first carrying the same request, source and destination. */
  copiesMadeTwice: number;
  /** createVolumePermission entries added by the bot that remain after every copy ended. */
  sharesLeftBehind: number;
  /** Intermediate copies of two-hop requests (tag snapshot-copy:hop=intermediate) still in AWS. */
  intermediatesLeftBehind: number;
  /** Shares that existed before the run and were removed. */
  foreignSharesRemoved: number;
  /** Decisions and transitions with no audit entry. */
  auditEntriesMissing: number;
  /** Approval cards of decided, cancelled or expired requests whose last version still has buttons. */
  cardsWithLiveButtons: number;
  /** Approved requests with copies not ended, unsent messages, open steps, unfinished intents. */
  workLeftUndone: number;
}

export interface ChaosCheck {
  figures: ChaosFigures;
  /** A few examples of each non-zero figure, for whoever has to fix it. */
  examples: Record<string, string[]>;
  counts: {
    requestsFiled: number;
    copies: number;
    copiesCompleted: number;
    copiesFailed: number;
    cancelled: number;
    sharesAdded: number;
    unackedAttemptsFiled: number;
  };
}

const ENDED_COPY = new Set(['completed', 'failed', 'cancelled']);
const DECIDED = new Set([
  'approved',
  'queued',
  'copying',
  'completed',
  'failed',
  'rejected',
  'cancelled',
  'expired',
]);
const APPROVED = new Set(['approved', 'queued', 'copying', 'completed', 'failed']);

function shareKey(snapshotId: string, accountId: string): string {
  return `${snapshotId} ↔ ${accountId}`;
}

/** Every createVolumePermission entry of every snapshot, as `snap ↔ account`. */
/** The intermediate copies of two-hop requests that still exist. */
export function intermediatesOf(sim: SimulatorHandle): string[] {
  return sim.world
    .ownedSnapshots()
    .filter((s) => s.tags.get('snapshot-copy:hop') === 'intermediate')
    .map((s) => s.id);
}

export function sharesOf(sim: SimulatorHandle): Set<string> {
  const out = new Set<string>();
  for (const s of sim.world.snapshots.values()) for (const a of s.sharedWith) out.add(shareKey(s.id, a));
  return out;
}

/** Shares that ModifySnapshotAttribute calls added (either request form: `OperationType` + `UserId.N`, or `CreateVolumePermission.Add.N.UserId`). */
function sharesAddedBy(sim: SimulatorHandle): Set<string> {
  const out = new Set<string>();
  for (const c of sim.calls) {
    if (c.action !== 'ModifySnapshotAttribute' || c.outcome !== 'ok') continue;
    for (const [k, v] of Object.entries(c.params)) {
      const adds =
        (/^UserId\.\d+$/.test(k) && c.params.OperationType === 'add') ||
        /^CreateVolumePermission\.Add\.\d+\.UserId$/.test(k);
      if (adds) out.add(shareKey(String(c.params.SnapshotId), String(v)));
    }
  }
  return out;
}

/** Versions of the approval cards the stand-in accepted: every posted card of `R-n`, with its last version. */
function cardVersions(
  slack: SlackApiStandIn,
  channel: string,
): Map<number, Array<{ ts: string; last: SlackCall }>> {
  const cards = new Map<number, Array<{ ts: string; last: SlackCall }>>();
  const byTs = new Map<string, { ts: string; last: SlackCall }>();
  for (const [i, call] of slack.calls.entries()) {
    if (call.args.channel !== channel) continue;
    if (call.method === 'chat.postMessage' && !call.args.thread_ts) {
      const m = /^R-(\d+):/.exec(String(call.args.text));
      const ts = slack.postedTs[i];
      if (!m || !ts) continue;
      const card = { ts, last: call };
      byTs.set(ts, card);
      const n = Number(m[1]);
      cards.set(n, [...(cards.get(n) ?? []), card]);
    } else if (call.method === 'chat.update') {
      const card = byTs.get(String(call.args.ts));
      if (card) card.last = call;
    }
  }
  return cards;
}

const answersTo = (slack: SlackApiStandIn, ids: string[]) =>
  slack.calls
    .filter((c) => c.method === 'response_url' && ids.some((id) => c.path === `/response/${id}`))
    .map((c) => String(c.args.text));

const hasButtons = (call: SlackCall) =>
  /approve_copy|reject_copy/.test(JSON.stringify(call.args.blocks ?? []));

export async function checkChaos(o: {
  store: Store;
  sim: SimulatorHandle;
  slack: SlackApiStandIn;
  approvalsChannel: string;
  driven: Driven[];
  /** Shares that existed before the run. */
  sharesBefore: Set<string>;
}): Promise<ChaosCheck> {
  const { store, sim, slack } = o;
  const examples: Record<string, string[]> = {};
  const figures: ChaosFigures = {
    requestsLost: 0,
    copiesMadeTwice: 0,
    sharesLeftBehind: 0,
    intermediatesLeftBehind: 0,
    foreignSharesRemoved: 0,
    auditEntriesMissing: 0,
    cardsWithLiveButtons: 0,
    workLeftUndone: 0,
  };
  const count = (figure: keyof ChaosFigures, example: string) => {
    figures[figure]++;
    const list = examples[figure] ?? [];
    if (list.length < 5) list.push(example);
    examples[figure] = list;
  };

  const requests = await store.listRequests({ limit: 100_000 });
  const byNote = new Map<string, RequestRecord[]>();
  for (const r of requests) {
    const note = r.resolved.note;
    if (note) byNote.set(note, [...(byNote.get(note) ?? []), r]);
  }

  // Requests lost: every ack is a promise.
  const acked = new Set<string>();
  for (const d of o.driven) {
    if (!d.ackedNote) continue;
    acked.add(d.ackedNote);
    const found = byNote.get(d.ackedNote) ?? [];
    if (found.length === 0) {
      count('requestsLost', `#${d.i}: command acked ("${d.ackedNote}"), no request filed`);
      continue;
    }
    const r = found[0]!;
    if (d.cancelAcked && r.state !== 'cancelled')
      count('requestsLost', `R-${r.n}: cancel acked, request is ${r.state}`);
    if (d.clickAcked) {
      const decisions = await store.listDecisions(r.n);
      if (!APPROVED.has(r.state) || !decisions.some((x) => x.decision === 'approve'))
        count(
          'requestsLost',
          `R-${r.n}: Approve click acked, request is ${r.state} (${cardVersions(slack, o.approvalsChannel).get(r.n)?.length ?? 0} cards posted; answered: ${answersTo(slack, d.clickIds ?? []).join(' | ')})`,
        );
    }
  }
  const unackedAttemptsFiled = requests.filter((r) => r.resolved.note && !acked.has(r.resolved.note)).length;

  // Copies made twice: counted in the simulated world, whoever made them.
  const made = new Map<string, string[]>();
  for (const s of sim.world.snapshots.values()) {
    const request = s.tags.get(REQUEST_TAG);
    if (!request) continue;
    const key = `${request} ${s.tags.get(SOURCE_TAG)} → ${s.ownerId}/${s.region}`;
    made.set(key, [...(made.get(key) ?? []), s.id]);
  }
  for (const [key, ids] of made)
    for (const extra of ids.slice(1)) count('copiesMadeTwice', `${key}: ${ids[0]} and ${extra}`);

  // Shares: the bot's are gone, everyone else's are kept.
  const after = sharesOf(sim);
  for (const s of after) if (!o.sharesBefore.has(s)) count('sharesLeftBehind', s);
  for (const s of o.sharesBefore) if (!after.has(s)) count('foreignSharesRemoved', s);
  const added = sharesAddedBy(sim);
  // Two hops: every intermediate copy is deleted once its final hop ended.
  for (const id of intermediatesOf(sim)) count('intermediatesLeftBehind', id);

  // Audit: every decision and transition has its entry.
  const audit = await store.listAudit({ limit: 1_000_000 });
  const auditOf = new Map<number, Array<{ action: string; actor: string; detail: unknown }>>();
  for (const a of audit)
    if (a.requestNumber !== null) auditOf.set(a.requestNumber, [...(auditOf.get(a.requestNumber) ?? []), a]);
  const cards = cardVersions(slack, o.approvalsChannel);
  let copies = 0;
  let copiesCompleted = 0;
  let copiesFailed = 0;
  for (const r of requests) {
    const entries = auditOf.get(r.n) ?? [];
    const has = (action: string, actor?: string) =>
      entries.some((e) => e.action === action && (actor === undefined || e.actor === actor));
    if (!has('request.filed') && !has('request.filed-by-policy'))
      count('auditEntriesMissing', `R-${r.n}: request.filed`);
    for (const d of await store.listDecisions(r.n))
      if (!has(`request.${d.decision}`, d.userId))
        count('auditEntriesMissing', `R-${r.n}: request.${d.decision} by ${d.userId}`);
    if (APPROVED.has(r.state) && r.requiredApprovals > 0 && !has('request.approved'))
      count('auditEntriesMissing', `R-${r.n}: request.approved (${r.state})`);
    for (const end of ['cancelled', 'rejected', 'expired', 'completed', 'failed'])
      if (r.state === end && !has(`request.${end}`)) count('auditEntriesMissing', `R-${r.n}: request.${end}`);

    const rc = await store.getCopies(r.n);
    copies += rc.length;
    copiesCompleted += rc.filter((c) => c.state === 'completed').length;
    copiesFailed += rc.filter((c) => c.state === 'failed').length;
    // Each copy's end is in the audit log with the copy it names (a copy cancelled before it started has none).
    const audited = (action: string, copyId: number) =>
      entries.some((e) => e.action === action && (e.detail as { copy?: number } | null)?.copy === copyId);
    for (const c of rc)
      if ((c.state === 'completed' || c.state === 'failed') && !audited(`copy.${c.state}`, c.id))
        count('auditEntriesMissing', `R-${r.n}: copy.${c.state} of copy ${c.id}`);
    if (APPROVED.has(r.state)) {
      const open = rc.filter((c) => !ENDED_COPY.has(c.state));
      if (open.length > 0 || !['completed', 'failed'].includes(r.state))
        count('workLeftUndone', `R-${r.n}: ${r.state}, copies ${rc.map((c) => c.state).join(',')}`);
    }

    if (DECIDED.has(r.state)) {
      const versions = cards.get(r.n) ?? [];
      if (versions.length === 0)
        count('workLeftUndone', `R-${r.n}: ${r.state}, its approval card never posted`);
      for (const v of versions)
        if (hasButtons(v.last))
          count(
            'cardsWithLiveButtons',
            `R-${r.n} (${r.state}): card ${v.ts} last ${v.last.method} has buttons`,
          );
    }
  }
  const removals = audit.filter((a) => a.action === 'share.removed');
  for (const s of added) {
    if (after.has(s) || o.sharesBefore.has(s)) continue;
    const [snapshotId, account] = s.split(' ↔ ');
    const audited = removals.some((a) => {
      const detail = a.detail as { snapshotId?: string; account?: string };
      return detail.snapshotId === snapshotId && detail.account === account;
    });
    if (!audited) count('auditEntriesMissing', `share.removed of ${s}`);
  }

  const unsent = await store.countUnsent();
  if (unsent > 0) count('workLeftUndone', `${unsent} Slack messages unsent`);
  const steps = await store.countOpenSteps();
  if (steps > 0) count('workLeftUndone', `${steps} follow-up steps open`);
  const intents = await store.claimUnfinishedIntents({
    owner: 'chaos-check',
    now: new Date(),
    leaseMs: 1,
    limit: 100,
    ignoreLeases: true,
  });
  if (intents.length > 0)
    count('workLeftUndone', `${intents.length} intents unfinished: ${intents.map((i) => i.kind).join(',')}`);

  return {
    figures,
    examples,
    counts: {
      requestsFiled: requests.length,
      copies,
      copiesCompleted,
      copiesFailed,
      cancelled: requests.filter((r) => r.state === 'cancelled').length,
      sharesAdded: added.size,
      unackedAttemptsFiled,
    },
  };
}
