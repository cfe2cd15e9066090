import { type AwsError, asAwsError } from '../aws/errors.js';
import type { AwsGateway } from '../aws/gateway.js';
import { copyDescription, copyTags } from '../domain/copy-tags.js';
import { provenanceVolume } from '../domain/provenance.js';
import { findAccount } from '../domain/resolve.js';
import { roleSessionName } from '../domain/session-name.js';
import { type AccountConfig, PROVENANCE_TAGS, requestLabel } from '../domain/types.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { CopyRecord, RequestRecord, SlotLimits, Store } from '../store/port.js';
import { CoalescedPass } from './coalesced.js';
import { type CopyEvents, changeAndTell } from './events.js';

export interface DispatcherDeps {
  store: Store;
  aws: AwsGateway;
  accounts: AccountConfig[];
  limits: SlotLimits;
  events: CopyEvents;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  owner: string;
  /** Holds set by ResourceLimitExceeded lapse after this long (see ClaimInput.holdExpiryMs). */
  holdExpiryMs: number;
  /**
   * How long after a CopySnapshot without a definite answer a tag lookup that finds nothing is
   * trusted (default 15 s): DescribeSnapshots is eventually consistent, and a copy AWS made moments
   * ago may not be listed yet.
   */
  lookupSettleMs?: number;
}

/**
 * Fills free copy slots (SPEC §6). The store decides atomically which queued copies may start
 * (limits hold across replicas); this starts each claimed copy in AWS and records the answer at once.
 * Kicks coalesce: many approvals or completions at the same moment cause one extra pass, not many.
 */
const STARTS_AT_ONCE = 16;

/** How long a copy waits for the bot's own removal of its source's share before taking the share back. */
const SHARE_REMOVAL_WAIT_MS = 5 * 60_000;

export class Dispatcher {
  /** Copies this process is starting right now (recovery must not touch them). */
  readonly inProgress = new Set<number>();

  constructor(private readonly d: DispatcherDeps) {}

  private readonly passes = new CoalescedPass(
    () => this.fill(),
    (err) => this.d.log.error({ err }, 'filling copy slots failed; the next tick tries again'),
  );

  /** Fills free slots now. Never rejects: a pass that fails (the database away) is logged and the next tick tries again. */
  kick(): Promise<void> {
    return this.passes.kick();
  }

  /** Waits for a pass in progress (tests, shutdown). */
  idle(): Promise<void> {
    return this.passes.idle();
  }

  private async fill(): Promise<void> {
    const { store, limits, now, owner, holdExpiryMs } = this.d;
    for (;;) {
      // Starts run concurrently, a few AWS calls each: 16 at a time still fills hundreds of slots a
      // second, without a burst of 1,000 approved copies holding their calls in memory all at once
      // (`npm run bench`, footprint and slot use).
      const claimed = await store.claimStartableCopies({
        limits,
        now: now(),
        owner,
        max: STARTS_AT_ONCE,
        holdExpiryMs,
      });
      if (claimed.length === 0) return;
      const outcomes = await Promise.all(claimed.map((c) => this.start(c)));
      // A copy back in the queue waits for the next kick or tick rather than being claimed again in
      // this pass: that would hammer an AWS that just said no, and a copy whose answer was lost must
      // be looked up only once DescribeSnapshots has had time to list it.
      if (outcomes.includes('requeued')) return;
    }
  }

  private account(ref: string): AccountConfig {
    const account = findAccount(this.d.accounts, ref);
    if (!account) throw new AccountNotConfigured(`account ${ref} is no longer configured`);
    return account;
  }

  /** Starts one claimed copy; every outcome leaves the copy in a definite state. */
  async start(copy: CopyRecord): Promise<StartOutcome> {
    const { store } = this.d;
    this.inProgress.add(copy.id);
    try {
      const request = await store.getRequest(copy.requestNumber);
      // The store keeps requests for good; reaching this is a bug, and the copy fails as `unknown`.
      if (!request) throw new Error(`request ${copy.requestNumber} is gone`);
      const route = this.routeOf(copy, request);
      if (copy.attempts > 1) {
        const earlier = await this.adoptOrWait(copy, request, route);
        if (earlier) return earlier;
      }
      if (
        route.source.id !== route.destination.id &&
        !(await this.ensureShared(route.source, route.destination, copy, route.session))
      ) {
        await store.requeueCopy(copy.id, {
          at: this.d.now(),
          holdDestination: false,
          reason: 'waiting for the removal of an earlier share of its source to finish',
        });
        return 'requeued';
      }
      return await this.recordStarted(copy, await this.sendCopySnapshot(copy, request, route));
    } catch (err) {
      return await this.failedToStart(
        copy,
        err instanceof AccountNotConfigured ? err : asAwsError(err, 'starting a copy'),
      );
    } finally {
      this.inProgress.delete(copy.id);
    }
  }

  private routeOf(copy: CopyRecord, request: RequestRecord): Route {
    return {
      destination: this.account(copy.destination.accountId),
      // The account whose role reads and shares the source (the snapshot's owner may be a third account that shared it).
      source: this.account(request.resolved.sourceAccount),
      session: roleSessionName({ request: request.n, requester: request.requesterId, purpose: 'copy' }),
    };
  }

  /**
   * A copy claimed before (a crash, a lost answer) may already exist in AWS: it is found by its
   * provenance tags instead of issuing a second CopySnapshot. Undefined: none is, go on and copy.
   */
  private async adoptOrWait(
    copy: CopyRecord,
    request: RequestRecord,
    route: Route,
  ): Promise<StartOutcome | undefined> {
    const { store, aws, log, now } = this.d;
    const existing = await findExistingCopy(aws, route.destination, copy, request, route.session);
    if (existing) {
      log.info(
        { copy: copy.id, snapshotId: existing },
        'found an earlier CopySnapshot by its tags; not copying again',
      );
      return await this.recordStarted(copy, existing);
    }
    // Stored with the copy (set just before a CopySnapshot is sent), so whichever process or
    // replica claims it next honours the wait.
    const lostAt = copy.unansweredAt?.getTime();
    if (lostAt !== undefined && now().getTime() - lostAt < (this.d.lookupSettleMs ?? 15_000)) {
      await store.requeueCopy(copy.id, {
        at: now(),
        holdDestination: false,
        reason: 'waiting for DescribeSnapshots to list a copy whose answer was lost',
      });
      return 'requeued';
    }
    return undefined;
  }

  /** The CopySnapshot itself, with the provenance tags (SPEC §5.5); the time it is sent is stored first. */
  private async sendCopySnapshot(copy: CopyRecord, request: RequestRecord, route: Route): Promise<string> {
    const { store, aws } = this.d;
    // The original source's tags and volume, also for a final hop (which copies an intermediate).
    const origin = copy.originSnapshotId ?? copy.source.snapshotId;
    const [sourceSnapshot] = await aws.describeSnapshots(
      route.source,
      copy.source.region,
      { snapshotIds: [origin] },
      route.session,
    );
    const decisions = await store.listDecisions(request.n);
    const approvedBy = request.policyName
      ? [`policy:${request.policyName}`]
      : decisions.filter((x) => x.decision === 'approve').map((x) => x.userId);
    const r = request.resolved;
    const sourceVolume = sourceSnapshot && provenanceVolume(sourceSnapshot);
    await store.markCopyAttempt(copy.id, this.d.now());
    const { snapshotId } = await aws.copySnapshot(
      route.destination,
      copy.destination.region,
      {
        sourceRegion: copy.source.region,
        sourceSnapshotId: copy.source.snapshotId,
        ...(copy.encrypted ? { encrypted: true } : {}),
        ...(copy.kmsKeyId ? { kmsKeyId: copy.kmsKeyId } : {}),
        description: copyDescription(r.note, origin, copy.source.region, request.n),
        // `within` is for the copy the requester asked for; the intermediate hop goes at AWS's pace.
        ...(r.withinMinutes && copy.hop !== 'intermediate'
          ? { completionDurationMinutes: r.withinMinutes }
          : {}),
        tags: copyTags({
          requestNumber: request.n,
          sourceSnapshotId: origin,
          ...(copy.hop === 'intermediate' ? { intermediate: true } : {}),
          sourceRegion: copy.source.region,
          requesterId: request.requesterId,
          approvedBy,
          sourceTags: sourceSnapshot?.tags ?? [],
          requestTags: r.tags,
          ...(r.reason ? { reason: r.reason } : {}),
          ...(request.policyName ? { policyName: request.policyName } : {}),
          ...(sourceVolume ? { sourceVolume } : {}),
        }),
      },
      route.session,
    );
    return snapshotId;
  }

  /**
   * AWS accepted the copy: a failure to record that (the database briefly away) must not fail a
   * copy AWS is making. The copy stays `starting`; recovery requeues it and the tag lookup adopts
   * the copy AWS made instead of issuing another.
   */
  private async recordStarted(copy: CopyRecord, snapshotId: string): Promise<StartOutcome> {
    try {
      await this.started(copy, snapshotId);
      return 'started';
    } catch (err) {
      this.d.log.error(
        { err, copy: copy.id, snapshotId },
        'AWS accepted a copy but it could not be recorded; it will be found again by its tags',
      );
      return 'requeued';
    }
  }

  private async started(copy: CopyRecord, snapshotId: string): Promise<void> {
    const { store, events } = this.d;
    await changeAndTell(
      store,
      (tx) => tx.markCopyStarted(copy.id, { snapshotId, at: this.d.now() }),
      (c, tx) => events.started(c, tx),
    );
    this.d.metrics.copiesStarted.inc();
  }

  /**
   * Shares the source with the destination account unless it is shared already (SPEC §5.5),
   * recording whether the bot added the share: only such a share is ever removed. A share the bot
   * recorded as its own is added again (idempotent in AWS): a crash may have come between removing
   * it in AWS and recording that. False: the bot is removing its earlier share right now, and AWS
   * could apply that removal after a new share and before the CopySnapshot; the copy waits for the
   * next pass.
   */
  private async ensureShared(
    source: AccountConfig,
    destination: AccountConfig,
    copy: CopyRecord,
    session: string,
  ): Promise<boolean> {
    const { store, aws } = this.d;
    const key = {
      sourceRegion: copy.source.region,
      snapshotId: copy.source.snapshotId,
      destAccountId: destination.id,
    };
    const share = await store.getShare(key);
    const now = this.d.now();
    if (share && share.removedAt === null && share.removalStartedAt === null) {
      if (share.owned)
        await aws.shareSnapshot(source, key.sourceRegion, key.snapshotId, destination.id, session);
      return true;
    }
    if (share?.removalStartedAt && now.getTime() - share.removalStartedAt.getTime() < SHARE_REMOVAL_WAIT_MS) {
      return false;
    }
    // A removal that hung past the wait (its step keeps failing) is taken back: a new generation,
    // owned, whose share is made again below; the old step finds its generation gone and stops.
    const current = share?.removalStartedAt
      ? { public: false, userIds: [] as string[] }
      : await aws.snapshotSharedWith(source, key.sourceRegion, key.snapshotId, session);
    const already = current.public || current.userIds.includes(destination.id);
    // Recorded before the share is made: a crash in between leaves a record of a share that may not
    // exist, whose removal is harmless; the other order could leave a share nobody knows to remove.
    await store.recordShare({ ...key, sourceAccountId: source.id, owned: !already, at: now });
    if (!already) await aws.shareSnapshot(source, key.sourceRegion, key.snapshotId, destination.id, session);
    return true;
  }

  private async failedToStart(copy: CopyRecord, err: AwsError | AccountNotConfigured): Promise<StartOutcome> {
    const { store, events, log, now } = this.d;
    const at = now();
    if (err.code === 'copy-limit') {
      // Another tool (AWS Backup, DLM) holds the destination's copy quota: wait, never fail.
      await changeAndTell(
        store,
        (tx) => tx.requeueCopy(copy.id, { at, holdDestination: true, reason: err.message, definite: true }),
        (c, tx) => events.requeued(c, 'copy-limit', tx),
      );
      return 'requeued';
    }
    if (err.code === 'throttled') {
      // The SDK already retried with backoff; the copy keeps its place and goes again shortly.
      await changeAndTell(
        store,
        (tx) => tx.requeueCopy(copy.id, { at, holdDestination: false, reason: err.message, definite: true }),
        (c, tx) => events.requeued(c, 'throttled', tx),
      );
      return 'requeued';
    }
    if (err.code === 'network' || (err.code === 'unknown' && err.retryable)) {
      // A lost answer, a timeout or a server error: AWS may have made the copy anyway. The copy keeps
      // its place; claimed again (attempts > 1) it is first looked up by its tags (SPEC §10).
      log.warn(
        { copy: copy.id, code: err.code, err: err.message },
        'no definite answer from AWS; the copy is requeued and looked up by its tags before any new CopySnapshot',
      );
      await changeAndTell(
        store,
        (tx) => tx.requeueCopy(copy.id, { at, holdDestination: false, reason: err.message }),
        (c, tx) => events.requeued(c, 'recovered', tx),
      );
      return 'requeued';
    }
    await changeAndTell(
      store,
      (tx) => tx.failCopy(copy.id, { code: err.code, message: err.message, at }),
      (c, tx) => events.failed(c, tx),
    );
    return 'failed';
  }
}

export type StartOutcome = 'started' | 'requeued' | 'failed';

/** A configuration problem, not an AWS one: told as such, never as "AWS refused the copy parameters". */
class AccountNotConfigured extends Error {
  readonly code = 'account-not-configured';
  readonly retryable = false;
}

/** Who a copy is made by and for: the accounts of its two ends and the CloudTrail session name. */
interface Route {
  source: AccountConfig;
  destination: AccountConfig;
  session: string;
}

async function findExistingCopy(
  aws: AwsGateway,
  destination: AccountConfig,
  copy: CopyRecord,
  request: RequestRecord,
  session: string,
): Promise<string | undefined> {
  const found = await aws.findSnapshotsByTags(
    destination,
    copy.destination.region,
    [
      { key: PROVENANCE_TAGS.request, value: requestLabel(request.n) },
      { key: PROVENANCE_TAGS.source, value: copy.originSnapshotId ?? copy.source.snapshotId },
    ],
    session,
  );
  return found.find((s) => s.state !== 'error')?.snapshotId ?? found[0]?.snapshotId;
}
