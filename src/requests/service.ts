import pLimit from 'p-limit';
import { AwsError } from '../aws/errors.js';
import { missingReasonProblem } from '../domain/approval.js';
import type { PricingConfig } from '../domain/cost.js';
import { type ResolveProblem, resolveRequest } from '../domain/resolve.js';
import type { AccountConfig, ApprovalsConfig, CopyRequestSpec } from '../domain/types.js';
import type { Notifier } from '../messages/notifier.js';
import { scheduleIntermediateCleanup } from '../steps/intermediate.js';
import { scheduleUnshares } from '../steps/unshare.js';
import type { CopyRecord, Store } from '../store/port.js';
import type { ApproverDirectory } from './approvers.js';
import {
  type Asked,
  type DecisionInput,
  type DecisionResult,
  decide,
  finishIntent,
  mayDecide,
} from './decisions.js';
import { readDetails } from './details.js';
import { fileRequest } from './filing.js';
import type { IdentityDirectory } from './identities.js';
import type { FilingAws } from './ports.js';
import type { RecentRequest, RequestWording } from './wording.js';

export interface RequestServiceDeps {
  store: Store;
  aws: FilingAws;
  accounts: AccountConfig[];
  approvals: ApprovalsConfig;
  pricing: PricingConfig;
  approvalsChannel: string;
  directory: ApproverDirectory;
  identities: IdentityDirectory;
  notify: Notifier;
  /** What is said, in the words of the chat it is said in. */
  wording: RequestWording;
  now: () => Date;
  /** Copies became startable (approval): fill free slots at once. */
  kickDispatcher: (n: number) => void;
  /**
   * Resolves when Slack requests waiting for their ack have been answered (see
   * slack/ack-first.ts): a filing waits for it when its turn comes.
   */
  acksFirst?: () => Promise<void>;
  /** The DR report, now (`/snapshot-copy report`). */
  report?: () => Promise<{ text: string; blocks?: unknown[] }>;
  /** A durable step was written: run it once committed. */
  stepsAdded?: () => void;
}

/**
 * Filings run after their ack, in the process that must ack the next command within 3 s. Each
 * makes a handful of AWS calls; a burst of them all at once starves the acks of CPU (measured in
 * `npm run bench`), so only a few run at a time, and each starts only once the commands that
 * arrived meanwhile have been acked.
 */
const CONCURRENT_FILINGS = 4;

/** What Slack listeners may ask for. Listeners stay thin: parse, ack, call one of these, answer. */
export class RequestService {
  private readonly filings = pLimit(CONCURRENT_FILINGS);

  constructor(private readonly d: RequestServiceDeps) {}

  get accounts(): AccountConfig[] {
    return this.d.accounts;
  }

  /**
   * Config-only checks, fast enough to answer inside Slack's 3 s — including a rule's
   * `requireReason`, which is known from the accounts alone.
   */
  resolve(spec: CopyRequestSpec): ReturnType<typeof resolveRequest> {
    const resolved = resolveRequest(spec, this.d.accounts);
    if (!resolved.ok) return resolved;
    const missing = missingReasonProblem(
      this.d.approvals,
      {
        crossAccount: resolved.crossAccount,
        sourceAccount: resolved.source.alias,
        destinationAccount: resolved.destination.alias,
      },
      resolved.request.reason,
    );
    return missing ? { ok: false, problems: [{ field: 'reason', message: missing }] } : resolved;
  }

  /** An intent that kept failing is closed with an apology (`MAX_INTENT_ATTEMPTS`). */
  abandon(asked: Asked): Promise<void> {
    return this.answer(asked, this.d.wording.intentAbandoned());
  }

  /** Answers a recorded intent that changes nothing (status, report, a problem) and closes it. */
  async answer(asked: Asked, text: string, blocks?: unknown[]): Promise<void> {
    const { store, notify, now } = this.d;
    await store.transaction((tx) => finishIntent(tx, notify.within(tx), asked, text, now(), blocks));
  }

  report(): Promise<{ text: string; blocks?: unknown[] }> {
    return this.d.report?.() ?? Promise.resolve({ text: this.d.wording.noReport() });
  }

  /**
   * The slow part of a copy request (AWS look-ups), after the ack. The request, its messages and
   * the requester's receipt commit together; carried out again after a crash, it finds the request
   * it filed instead of filing a second one.
   */
  async submit(asked: Asked, spec: CopyRequestSpec, requesterId: string, channel: string): Promise<void> {
    const { d } = this;
    const existing = await d.store.findRequestByIntent(asked.id);
    if (existing) {
      const receipt = d.wording.receipt({
        request: existing,
        approvalsChannel: d.approvalsChannel,
        warnings: readDetails(existing.details).warnings,
      });
      return this.answer(asked, receipt);
    }
    const resolved = this.resolve(spec);
    if (!resolved.ok)
      return this.answer(asked, d.wording.problems(resolved.problems.map((p: ResolveProblem) => p.message)));
    let result: Awaited<ReturnType<typeof fileRequest>>;
    try {
      result = await this.fileFromIntent(asked, resolved, requesterId, channel);
    } catch (err) {
      // AWS said no (a role it will not let the bot assume, a denied read): tell the requester at
      // once. Anything else (the database away) is retried from the record by the inbox.
      if (!(err instanceof AwsError)) throw err;
      return this.answer(asked, d.wording.notFiled(err.message));
    }
    if (!result.ok) await this.answer(asked, d.wording.problems(result.problems));
  }

  private fileFromIntent(
    asked: Asked,
    resolved: Extract<ReturnType<typeof resolveRequest>, { ok: true }>,
    requesterId: string,
    channel: string,
  ) {
    const { d } = this;
    return this.filings(async () => {
      // The inbox let the acks go first before this intent began; a filing that then waited its
      // turn behind others (CONCURRENT_FILINGS) may start in the middle of a later burst of acks.
      await d.acksFirst?.();
      return fileRequest(
        {
          store: d.store,
          aws: d.aws,
          accounts: d.accounts,
          approvals: d.approvals,
          pricing: d.pricing,
          now: d.now,
        },
        {
          request: resolved.request,
          crossAccount: resolved.crossAccount,
          source: resolved.source,
          destination: resolved.destination,
          requesterId,
          channel,
          intentId: asked.id,
          alongside: async (tx, request, warnings) => {
            const notify = d.notify.within(tx);
            const at = d.now();
            const n = request.n;
            await notify.requestPosted(n, channel, at);
            await notify.cardPosted(n, at);
            if (warnings.length) {
              await notify.reply(n, channel, d.wording.filingWarnings(warnings), at, `warnings:${n}`);
            }
            await this.refreshHomes(notify, [requesterId], at);
            await finishIntent(
              tx,
              notify,
              asked,
              d.wording.receipt({ request, approvalsChannel: d.approvalsChannel, warnings }),
              at,
            );
          },
        },
      );
    });
  }

  /**
   * The App Home shows a viewer's requests and the approvals waiting for them: republish it for the
   * people whose view just changed — the requester, the clicker, and the approvers named in the
   * config (members of approver user groups see theirs refreshed when they open the tab).
   */
  private async refreshHomes(notify: Notifier, users: string[], at: Date): Promise<void> {
    const direct = this.d.approvals.approvers.filter((a) => /^[UW]/.test(a));
    for (const user of new Set([...users, ...direct])) await notify.homeChanged(user, at);
  }

  async decide(asked: Asked, input: DecisionInput): Promise<DecisionResult> {
    const { d } = this;
    // A decision is carried out from its intent, which the inbox began once the acks had gone.
    const result = await decide(
      {
        store: d.store,
        approvals: d.approvals,
        directory: d.directory,
        identities: d.identities,
        notify: d.notify,
        wording: d.wording,
        now: d.now,
        onApproved: (n) => d.kickDispatcher(n),
      },
      asked,
      input,
    );
    if (result.outcome === 'recorded' || result.outcome === 'approved' || result.outcome === 'rejected') {
      // The App Home is rendered when sent: enqueued after the decision committed, it shows it.
      const request = await d.store.getRequest(input.n);
      await this.refreshHomes(d.notify, [input.userId, ...(request ? [request.requesterId] : [])], d.now());
    }
    return result;
  }

  /** May this Reject click open the reason form? Read-only, fast enough for Slack's 3 s trigger. */
  mayDecide(input: DecisionInput): Promise<boolean> {
    return mayDecide(this.d, input);
  }

  async status(userId: string, n?: number): Promise<string> {
    const { store, wording } = this.d;
    const positions = this.queuePositions();
    if (n !== undefined) {
      const request = await store.getRequest(n);
      if (!request) return wording.noSuchRequest(n);
      return wording.requestStatus({ request, copies: await this.copiesInQueue(n, positions) });
    }
    const mine = await store.listRequests({ requesterId: userId, limit: 10 });
    if (mine.length === 0) return wording.noRequestsYet();
    const recent: RecentRequest[] = [];
    for (const r of mine) {
      const copies = await this.copiesInQueue(r.n, positions);
      recent.push({
        n: r.n,
        state: r.state,
        done: copies.filter(({ copy }) => copy.state === 'completed').length,
        total: copies.length,
        queued: copies
          .filter(({ copy }) => copy.state === 'queued')
          .map(({ copy, position }) => ({
            region: copy.destination.region,
            ...(position ? { position } : {}),
          })),
      });
    }
    return wording.recentRequests(recent);
  }

  /** A request's copies, the queued ones with their place in their destination's queue. */
  private async copiesInQueue(
    n: number,
    positions: () => Promise<Map<number, number>>,
  ): Promise<Array<{ copy: CopyRecord; position?: number }>> {
    const copies = await this.d.store.getCopies(n);
    const places = copies.some((c) => c.state === 'queued') ? await positions() : new Map<number, number>();
    return copies.map((copy) => {
      const position = places.get(copy.id);
      return position ? { copy, position } : { copy };
    });
  }

  /** Every queued copy's place, read once per answer and only if a queued copy asks for it. */
  private queuePositions(): () => Promise<Map<number, number>> {
    let loaded: Promise<Map<number, number>> | undefined;
    return () =>
      (loaded ??= this.d.store.queueSnapshot().then((queues) => {
        const places = new Map<number, number>();
        for (const q of queues) for (const p of q.positions) places.set(p.copyId, p.position);
        return places;
      }));
  }

  /**
   * Cancels what has not started. The cancel, its audit entry, its messages, the removal of shares
   * no copy needs any more and the answer to the canceller commit together.
   */
  async cancel(asked: Asked, userId: string, n: number): Promise<void> {
    const { store, notify, now, directory, wording } = this.d;
    const request = await store.getRequest(n);
    if (!request) return this.answer(asked, wording.noSuchRequest(n));
    if (request.requesterId !== userId && !(await directory.isApproverOf(request, userId))) {
      return this.answer(asked, wording.mayNotCancel(n));
    }
    await store.transaction(async (tx) => {
      const txNotify = notify.within(tx);
      const at = now();
      const result = await tx.cancelRequest(n, at, userId);
      if (!result.found || result.cancelled.length === 0) {
        const state = result.request?.state ?? request.state;
        const text = wording.nothingToCancel({ n, state, inFlight: result.inFlight.length });
        return finishIntent(tx, txNotify, asked, text, at);
      }
      await tx.appendAudit({
        at,
        actor: userId,
        action: 'request.cancelled',
        requestNumber: n,
        detail: { cancelled: result.cancelled.length, leftRunning: result.inFlight.length },
      });
      // A copy put back in the queue (ResourceLimitExceeded) may have shared its source already.
      await scheduleUnshares(tx, result.cancelled, {
        at,
        requester: request.requesterId,
        afterCommit: () => this.d.stepsAdded?.(),
      });
      // A two-hop copy cancelled after its intermediate copy completed: that copy is deleted.
      await scheduleIntermediateCleanup(tx, n, {
        at,
        requester: request.requesterId,
        afterCommit: () => this.d.stepsAdded?.(),
        ended: result.cancelled,
      });
      const text = wording.cancelled({
        n,
        by: userId,
        cancelled: result.cancelled,
        leftRunning: result.inFlight,
      });
      await txNotify.requestChanged(n, request.originChannel, at);
      await txNotify.cardChanged(n, at);
      await txNotify.reply(n, request.originChannel, text, at, `cancelled:${n}`);
      const answer = wording.youCancelled({
        n,
        cancelled: result.cancelled.length,
        leftRunning: result.inFlight.length,
      });
      await finishIntent(tx, txNotify, asked, answer, at);
    });
  }
}
