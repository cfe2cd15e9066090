/**
 * The DR status report as data (SPEC §9): per DR policy, how fresh its copies in the destination
 * are against `rpoHours`, what happened in the last 24 hours, and how deep the queues are. Pure:
 * the caller loads the copies and passes the time.
 */
import type { DrPolicyConfig, DrPolicyEndpoint, DrPolicySource } from '../config/schema.js';
import type { CopyRecord, DestinationQueue, DrillRecord } from '../store/port.js';

export type Verdict = 'met' | 'at-risk' | 'missed';

/**
 * A policy turns "at risk" once its stalest volume is 75 % of the way to the RPO. With the usual
 * setup (snapshots daily, RPO 24 h) that is 18 h: one more scheduled run can still fix it, and the
 * DR owner hears about it a quarter of the RPO — most of a working day — before it is missed.
 */
export const AT_RISK_FRACTION = 0.75;

/** "Copies in the last 24 hours" (SPEC §9): completions and failures older than this are history. */
export const RECENT_WINDOW_MS = 24 * 3_600_000;

const HOUR_MS = 3_600_000;

export interface PolicyCopies {
  policy: DrPolicyConfig;
  /** The destination alias resolved through `accounts[]`; null when the alias is not configured. */
  destinationAccountId: string | null;
  /** Copies filed by this policy (any state); those to another destination are ignored. */
  copies: CopyRecord[];
  /** The last restore drill's result, if the policy has drills. */
  drill?: DrillRecord | null;
  /** Copies retention deleted (SPEC §9). */
  deletions?: { last24h: number; total: number };
}

export interface DrReportInput {
  policies: PolicyCopies[];
  /** Copies of every request (policy or not) changed in the recent window, plus those still queued or in flight. */
  recent: CopyRecord[];
  queues: DestinationQueue[];
  now: Date;
}

/** The newest completed copy of one volume; `completedAt` null: the volume was never copied. */
export interface VolumeFreshness {
  volumeId: string;
  completedAt: Date | null;
  ageMs: number | null;
  requestNumber: number | null;
  newSnapshotId: string | null;
}

export interface FailureLine {
  requestNumber: number;
  sourceSnapshotId: string;
  destinationRegion: string;
  code: string;
  message: string;
  at: Date;
}

export interface Activity {
  completed: number;
  /** Newest first. */
  failed: FailureLine[];
  inFlight: number;
  queued: number;
}

export interface PolicyStatus {
  name: string;
  source: DrPolicySource;
  destination: DrPolicyEndpoint;
  rpoHours: number;
  verdict: Verdict;
  /** The newest completed copy of any of its volumes. */
  newest: VolumeFreshness | null;
  /** The volume whose newest copy is the oldest (a never-copied one first): it decides the verdict. */
  worst: VolumeFreshness | null;
  /** Volumes seen in this policy's copies. */
  volumes: number;
  activity: Activity;
  /** Last restore drill; a failed one keeps the policy from being "met". */
  drill: DrillRecord | null;
  retention: { rule: DrPolicyConfig['retain']; last24h: number; total: number } | null;
}

export interface QueueStatus {
  account: string;
  accountId: string;
  region: string;
  queued: number;
  inFlight: number;
  /** How long the oldest queued copy has waited; null when nothing is queued. */
  oldestWaitMs: number | null;
  held: { since: Date; reason: string } | null;
}

export interface DrReport {
  at: Date;
  /** Worst verdict first, then by name: the ones that need attention lead. */
  policies: PolicyStatus[];
  totals: Record<Verdict, number>;
  /** All copies, policy or not. */
  activity: Activity;
  /** Destinations with something queued, in flight or held; deepest first. */
  queues: QueueStatus[];
}

/** The verdict for a volume whose newest completed copy is `ageMs` old (null: never copied). */
export function verdictFor(ageMs: number | null, rpoHours: number): Verdict {
  if (ageMs === null) return 'missed';
  const rpoMs = rpoHours * HOUR_MS;
  if (ageMs > rpoMs) return 'missed';
  return ageMs > rpoMs * AT_RISK_FRACTION ? 'at-risk' : 'met';
}

export const VERDICT_ORDER: readonly Verdict[] = ['missed', 'at-risk', 'met'];

export function buildDrReport(input: DrReportInput): DrReport {
  const { now } = input;
  const policies = input.policies
    .map((p) => policyStatus(p, now))
    .sort(
      (a, b) =>
        VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict) || a.name.localeCompare(b.name),
    );
  const totals: Record<Verdict, number> = { met: 0, 'at-risk': 0, missed: 0 };
  for (const p of policies) totals[p.verdict]++;
  return {
    at: now,
    policies,
    totals,
    activity: activity(input.recent, now),
    queues: queueStatuses(input.queues, now),
  };
}

function policyStatus(
  { policy, destinationAccountId, copies, drill, deletions }: PolicyCopies,
  now: Date,
): PolicyStatus {
  const mine = copies.filter(
    (c) =>
      c.destination.accountId === destinationAccountId && c.destination.region === policy.destination.region,
  );
  const perVolume = newestPerVolume(mine, now);
  const newest = perVolume.reduce<VolumeFreshness | null>(
    (best, v) => (v.completedAt && (!best?.completedAt || v.completedAt > best.completedAt) ? v : best),
    null,
  );
  const worst = perVolume.reduce<VolumeFreshness | null>(
    (stalest, v) => (stalest === null || isStaler(v, stalest) ? v : stalest),
    null,
  );
  return {
    name: policy.name,
    source: policy.source,
    destination: policy.destination,
    rpoHours: policy.rpoHours,
    verdict: withDrill(verdictFor(worst?.ageMs ?? null, policy.rpoHours), drill ?? null),
    newest,
    worst,
    volumes: perVolume.length,
    activity: activity(mine, now),
    drill: drill ?? null,
    retention: policy.retain ? { rule: policy.retain, ...(deletions ?? { last24h: 0, total: 0 }) } : null,
  };
}

/** A copy that did not restore at the last drill is not a met objective, however fresh. */
function withDrill(verdict: Verdict, drill: DrillRecord | null): Verdict {
  return drill?.state === 'failed' && verdict === 'met' ? 'at-risk' : verdict;
}

/** Never copied is stalest; then the older copy; ties by volume ID so the report is stable. */
function isStaler(a: VolumeFreshness, b: VolumeFreshness): boolean {
  if (a.completedAt === null || b.completedAt === null) {
    if (a.completedAt === b.completedAt) return a.volumeId < b.volumeId;
    return a.completedAt === null;
  }
  const diff = a.completedAt.getTime() - b.completedAt.getTime();
  return diff < 0 || (diff === 0 && a.volumeId < b.volumeId);
}

function newestPerVolume(copies: CopyRecord[], now: Date): VolumeFreshness[] {
  const byVolume = new Map<string, VolumeFreshness>();
  for (const c of copies) {
    const seen = byVolume.get(c.source.volumeId);
    const completedAt = c.state === 'completed' ? c.completedAt : null;
    if (seen && (completedAt === null || (seen.completedAt !== null && seen.completedAt >= completedAt))) {
      continue;
    }
    byVolume.set(c.source.volumeId, {
      volumeId: c.source.volumeId,
      completedAt,
      ageMs: completedAt ? Math.max(0, now.getTime() - completedAt.getTime()) : null,
      requestNumber: completedAt ? c.requestNumber : null,
      newSnapshotId: completedAt ? c.newSnapshotId : null,
    });
  }
  return [...byVolume.values()];
}

/** Completions and failures within the window; queued and in-flight copies as they are now. */
export function activity(copies: CopyRecord[], now: Date): Activity {
  const since = now.getTime() - RECENT_WINDOW_MS;
  const result: Activity = { completed: 0, failed: [], inFlight: 0, queued: 0 };
  for (const c of copies) {
    switch (c.state) {
      case 'completed':
        if ((c.completedAt ?? c.updatedAt).getTime() >= since) result.completed++;
        break;
      case 'failed':
        if (c.updatedAt.getTime() >= since) {
          result.failed.push({
            requestNumber: c.requestNumber,
            sourceSnapshotId: c.source.snapshotId,
            destinationRegion: c.destination.region,
            code: c.failure?.code ?? 'unknown',
            message: c.failure?.message ?? 'no reason was recorded',
            at: c.updatedAt,
          });
        }
        break;
      case 'starting':
      case 'copying':
        result.inFlight++;
        break;
      case 'queued':
        result.queued++;
        break;
      default:
        // waiting (not approved yet) and cancelled copies are not DR activity.
        break;
    }
  }
  result.failed.sort((a, b) => b.at.getTime() - a.at.getTime() || b.requestNumber - a.requestNumber);
  return result;
}

function queueStatuses(queues: DestinationQueue[], now: Date): QueueStatus[] {
  return queues
    .filter((q) => q.queued > 0 || q.inFlight > 0 || q.held !== null)
    .map((q) => ({
      account: q.account,
      accountId: q.accountId,
      region: q.region,
      queued: q.queued,
      inFlight: q.inFlight,
      oldestWaitMs: q.oldestQueuedAt ? Math.max(0, now.getTime() - q.oldestQueuedAt.getTime()) : null,
      held: q.held,
    }))
    .sort(
      (a, b) =>
        b.queued - a.queued ||
        b.inFlight - a.inFlight ||
        a.account.localeCompare(b.account) ||
        a.region.localeCompare(b.region),
    );
}
