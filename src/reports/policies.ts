/**
 * One run of a DR policy (SPEC §9): for each volume its source selector matches, the newest
 * completed snapshot that has no copy in the destination yet is filed — all in one request,
 * approved by the policy — and the dispatcher is kicked to start it. Each snapshot is judged on its
 * own: one that must be refused is named in the policy's channel, and the others are still copied.
 */
import type { AwsGateway, DescribedSnapshot } from '../aws/gateway.js';
import type { DrPolicyConfig } from '../config/schema.js';
import type { PricingConfig } from '../domain/cost.js';
import { provenanceKey } from '../domain/provenance.js';
import { findAccount } from '../domain/resolve.js';
import { roleSessionName } from '../domain/session-name.js';
import type { AccountConfig, ApprovalsConfig, CopyState, ResolvedRequest } from '../domain/types.js';
import { PROVENANCE_TAGS, requestLabel } from '../domain/types.js';
import type { Notifier } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import { newestPerVolume } from '../requests/aws-reads.js';
import { type FileResult, fileRequest, type RefusedSnapshot } from '../requests/filing.js';
import type { FilingAws } from '../requests/ports.js';
import type { RequestRecord, Store } from '../store/port.js';
import type { ReportRenderer } from './rendering.js';

/** Store states of a copy that mean "this snapshot is (being) copied there": nothing to file. */
const COPY_EXISTS_STATES: CopyState[] = ['queued', 'starting', 'copying', 'completed'];

export interface PolicyRunDeps {
  store: Store;
  gateway: Pick<AwsGateway, 'describeSnapshots' | 'findSnapshotsByTags'>;
  /** Filing's AWS reads (sources, keys, encryption defaults). */
  aws: FilingAws;
  accounts: AccountConfig[];
  approvals: ApprovalsConfig;
  /** Prices of the cost estimate on the policy's cards; SPEC §3's defaults when omitted. */
  pricing?: PricingConfig;
  notify: Pick<Notifier, 'channelPost' | 'within'>;
  /** What the run says, in the channel's words. */
  words: Pick<ReportRenderer, 'policyWarnings' | 'policyRefused'>;
  /** Where request messages go when the policy names no `channel`. */
  defaultChannel: string;
  /** The request's copies became startable: fill free slots at once (and tell queue positions). */
  kick: (requestNumber: number) => void;
  now: () => Date;
  log: Logger;
}

export interface SkippedSnapshot {
  snapshotId: string;
  volumeId: string;
  /** Where the existing copy was found: a snapshot in the destination, or a copy the bot tracks. */
  foundIn: 'destination' | 'store';
  /** The existing copy's snapshot ID, or its request label while it has none yet. */
  existing: string;
}

export type PolicyRunResult =
  | {
      outcome: 'filed';
      requestNumber: number;
      snapshotIds: string[];
      skipped: SkippedSnapshot[];
      /** Sources left out (e.g. under aws/ebs for a cross-account policy), the others filed. */
      refused: RefusedSnapshot[];
    }
  | { outcome: 'up-to-date'; skipped: SkippedSnapshot[]; noSnapshot: string[] }
  | { outcome: 'refused'; problems: string[]; skipped: SkippedSnapshot[] };

export function policyActor(policy: Pick<DrPolicyConfig, 'name'>): string {
  return `policy:${policy.name}`;
}

/** What a run is about: the policy, its accounts, the session it reads under and where it speaks. */
interface PolicyRun {
  policy: DrPolicyConfig;
  actor: string;
  channel: string;
  source: AccountConfig;
  destination: AccountConfig;
  destRegion: string;
  session: string;
}

export async function runDrPolicy(deps: PolicyRunDeps, policy: DrPolicyConfig): Promise<PolicyRunResult> {
  const run = policyRun(deps, policy);
  const { toCopy, skipped, noSnapshot } = await snapshotsToCopy(deps, run);
  const at = deps.now();
  if (toCopy.length === 0) {
    await recordUpToDate(deps, run, { at, skipped, noSnapshot });
    return { outcome: 'up-to-date', skipped, noSnapshot };
  }
  const filed = await fileCopies(deps, run, { at, toCopy, skipped });
  if (!filed.ok) {
    const problems = filed.problems;
    await deps.store.transaction((tx) =>
      tellRefused(tx, deps, policy, { channel: run.channel, at, problems, skipped }),
    );
    return { outcome: 'refused', problems: filed.problems, skipped };
  }
  const n = filed.request.n;
  const { refused } = filed;
  deps.kick(n);
  const refusedIds = new Set(refused.map((r) => r.snapshotId));
  const snapshotIds = toCopy.map((s) => s.snapshotId).filter((id) => !refusedIds.has(id));
  deps.log.info(
    {
      policy: policy.name,
      request: requestLabel(n),
      copies: snapshotIds.length,
      skipped: skipped.length,
      refused: refused.length,
    },
    'DR policy: filed copies',
  );
  return { outcome: 'filed', requestNumber: n, snapshotIds, skipped, refused };
}

function policyRun(deps: PolicyRunDeps, policy: DrPolicyConfig): PolicyRun {
  return {
    policy,
    actor: policyActor(policy),
    channel: policy.channel ?? deps.defaultChannel,
    source: configuredAccount(deps.accounts, policy.source.account),
    destination: configuredAccount(deps.accounts, policy.destination.account),
    destRegion: policy.destination.region,
    session: roleSessionName({ purpose: `policy-${policy.name}` }),
  };
}

/** The newest completed snapshot of each volume, less those already copied (or on their way). */
async function snapshotsToCopy(
  deps: PolicyRunDeps,
  run: PolicyRun,
): Promise<{ toCopy: DescribedSnapshot[]; skipped: SkippedSnapshot[]; noSnapshot: string[] }> {
  const { policy } = run;
  const candidates = await newestCompleted(deps, policy, run.source, run.session);
  const noSnapshot = policy.source.volumeIds?.filter((v) => !candidates.some((s) => s.volumeId === v)) ?? [];

  const toCopy: DescribedSnapshot[] = [];
  const skipped: SkippedSnapshot[] = [];
  for (const s of candidates) {
    const existing = await existingCopy(deps, s, run.destination, run.destRegion, run.session);
    if (existing) skipped.push({ snapshotId: s.snapshotId, volumeId: provenanceKey(s), ...existing });
    else toCopy.push(s);
  }
  return { toCopy, skipped, noSnapshot };
}

async function recordUpToDate(
  deps: PolicyRunDeps,
  run: PolicyRun,
  o: { at: Date; skipped: SkippedSnapshot[]; noSnapshot: string[] },
): Promise<void> {
  const { policy } = run;
  await deps.store.appendAudit({
    at: o.at,
    actor: run.actor,
    action: 'policy.up-to-date',
    detail: { policy: policy.name, skipped: o.skipped, noSnapshot: o.noSnapshot },
  });
  deps.log.info(
    { policy: policy.name, skipped: o.skipped.length },
    'DR policy: every volume already has its copy',
  );
}

/** One request for all of the run's snapshots, approved by the policy as it is filed. */
function fileCopies(
  deps: PolicyRunDeps,
  run: PolicyRun,
  o: { at: Date; toCopy: DescribedSnapshot[]; skipped: SkippedSnapshot[] },
): Promise<FileResult> {
  const { policy, source, destination } = run;
  const request: ResolvedRequest = {
    sources: { kind: 'ids', ids: o.toCopy.map((s) => s.snapshotId) },
    sourceAccount: source.alias,
    sourceRegion: policy.source.region,
    destinationAccount: destination.alias,
    destinationRegions: [run.destRegion],
    encrypt: false,
    tags: [],
    ...(policy.lock ? { lock: policy.lock } : {}),
  };
  return fileRequest(
    {
      store: deps.store,
      aws: deps.aws,
      accounts: deps.accounts,
      approvals: deps.approvals,
      ...(deps.pricing ? { pricing: deps.pricing } : {}),
      now: deps.now,
    },
    {
      request,
      crossAccount: source.id !== destination.id,
      source,
      destination,
      requesterId: run.actor,
      channel: run.channel,
      policyName: policy.name,
      judgeEach: true,
      // The approval, the messages and any refusals commit with the filing, or none of them does.
      alongside: (tx, filedRequest, warnings, refused) =>
        approveAndAnnounce(tx, deps, run, {
          at: o.at,
          skipped: o.skipped,
          request: filedRequest,
          warnings,
          refused,
        }),
    },
  );
}

/** In the filing's transaction: the policy's approval, the request's messages and any refusals. */
async function approveAndAnnounce(
  tx: Store,
  deps: PolicyRunDeps,
  run: PolicyRun,
  o: {
    at: Date;
    skipped: SkippedSnapshot[];
    request: RequestRecord;
    warnings: string[];
    refused: RefusedSnapshot[];
  },
): Promise<void> {
  const { policy, channel } = run;
  const { at, skipped, warnings, refused } = o;
  const n = o.request.n;
  const notify = deps.notify.within(tx);
  const sources = o.request.resolved.sources;
  // fileRequest records the filing; the approval is a decision of its own in the audit log.
  await tx.appendAudit({
    at,
    actor: run.actor,
    action: 'request.approved',
    requestNumber: n,
    detail: { by: `policy ${policy.name}`, snapshots: sources, skipped },
  });
  await notify.requestPosted(n, channel, at);
  await notify.cardPosted(n, at);
  if (warnings.length > 0) {
    await notify.reply(n, channel, deps.words.policyWarnings(warnings), at, `warnings:${n}`);
  }
  if (refused.length > 0) {
    const problems = refused.map((r) => r.reason);
    await tellRefused(tx, deps, policy, { channel, at, problems, requestNumber: n, skipped });
  }
}

/**
 * Snapshots a policy run could not copy, told in its channel and audited: with a request number
 * when the others were filed, without one when none could be.
 */
async function tellRefused(
  tx: Store,
  deps: PolicyRunDeps,
  policy: DrPolicyConfig,
  o: { channel: string; at: Date; problems: string[]; requestNumber?: number; skipped: SkippedSnapshot[] },
): Promise<void> {
  const { requestNumber: n, problems } = o;
  await tx.appendAudit({
    at: o.at,
    actor: policyActor(policy),
    action: 'policy.refused',
    ...(n !== undefined ? { requestNumber: n } : {}),
    detail: { policy: policy.name, problems, skipped: o.skipped },
  });
  await deps.notify.within(tx).channelPost(
    o.channel,
    deps.words.policyRefused({
      policy: policy.name,
      problems,
      ...(n !== undefined ? { requestNumber: n } : {}),
    }),
    undefined,
    o.at,
    n === undefined ? undefined : `policy-refused:${n}`,
  );
  deps.log.warn({ policy: policy.name, problems, request: n }, 'DR policy: snapshots refused');
}

function configuredAccount(accounts: AccountConfig[], ref: string): AccountConfig {
  const account = findAccount(accounts, ref);
  // Config checks refuse a policy naming an unknown account; reaching this is a wiring bug.
  if (account === undefined) throw new Error(`DR policy names account "${ref}", which is not configured`);
  return account;
}

/** The newest completed snapshot of each volume the source selector matches. */
async function newestCompleted(
  deps: PolicyRunDeps,
  policy: DrPolicyConfig,
  source: AccountConfig,
  session: string,
): Promise<DescribedSnapshot[]> {
  const { tag, volumeIds, region } = policy.source;
  const found = await deps.gateway.describeSnapshots(
    source,
    region,
    tag !== undefined ? { tags: [tag], states: ['completed'] } : { volumeIds, states: ['completed'] },
    session,
  );
  // AWS filters by status already; the check stays so a lax endpoint cannot slip a pending one in.
  return newestPerVolume(found.filter((s) => s.state === 'completed'));
}

/**
 * A copy of this snapshot that already exists in (or is on its way to) the destination. The
 * store knows the bot's own copies; the provenance tag finds those made before a restart on a
 * fresh database, or by an earlier version. A copy that ended in `error` does not count.
 */
async function existingCopy(
  deps: PolicyRunDeps,
  s: DescribedSnapshot,
  destination: AccountConfig,
  region: string,
  session: string,
): Promise<Pick<SkippedSnapshot, 'foundIn' | 'existing'> | undefined> {
  const tracked = await deps.store.findPreviousCopies({
    volumeId: provenanceKey(s),
    destAccountId: destination.id,
    destRegion: region,
    states: COPY_EXISTS_STATES,
  });
  const mine = tracked.find((c) => c.source.snapshotId === s.snapshotId);
  if (mine) return { foundIn: 'store', existing: mine.newSnapshotId ?? requestLabel(mine.requestNumber) };

  // An answer AWS refuses propagates: without it the policy could copy a snapshot twice.
  const tagged = await deps.gateway.findSnapshotsByTags(
    destination,
    region,
    [{ key: PROVENANCE_TAGS.source, value: s.snapshotId }],
    session,
  );
  const usable = tagged.find((t) => t.state !== 'error');
  return usable ? { foundIn: 'destination', existing: usable.snapshotId } : undefined;
}
