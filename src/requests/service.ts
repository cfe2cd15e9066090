import pLimit from 'p-limit';
import { type ResolveProblem, resolveRequest } from '../domain/resolve.js';
import type { AccountConfig, ApprovalsConfig, CopyRequestSpec } from '../domain/types.js';
import { requestLabel } from '../domain/types.js';
import { escapeSlack } from '../slack/blocks/format.js';
import { copyLine, route } from '../slack/blocks/request.js';
import { cancelledReply } from '../slack/blocks/thread.js';
import type { Notifier } from '../slack/outbox-messages.js';
import type { Store } from '../store/port.js';
import type { ApproverDirectory } from './approvers.js';
import { type DecisionInput, type DecisionResult, decide } from './decisions.js';
import { fileRequest, receiptText } from './filing.js';
import type { FilingAws } from './ports.js';
import type { Presenter } from './present.js';
import { toCopyView } from './views.js';

export interface RequestServiceDeps {
  store: Store;
  aws: FilingAws;
  accounts: AccountConfig[];
  approvals: ApprovalsConfig;
  approvalsChannel: string;
  directory: ApproverDirectory;
  notify: Notifier;
  presenter: Presenter;
  now: () => Date;
  /** Copies became startable (approval): fill free slots at once. */
  kickDispatcher: (n: number) => void;
  /** Resolves when Slack requests waiting for their ack have been answered (see slack/ack-first.ts). */
  acksFirst?: () => Promise<void>;
}

export type SubmitResult = { ok: true; text: string } | { ok: false; problems: string[] };

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

  /** Config-only checks, fast enough to answer inside Slack's 3 s. */
  resolve(spec: CopyRequestSpec): ReturnType<typeof resolveRequest> {
    return resolveRequest(spec, this.d.accounts);
  }

  /** The slow part (AWS look-ups): called after ack. */
  async submit(spec: CopyRequestSpec, requesterId: string, channel: string): Promise<SubmitResult> {
    const resolved = this.resolve(spec);
    if (!resolved.ok) return { ok: false, problems: resolved.problems.map((p: ResolveProblem) => p.message) };
    const { d } = this;
    const result = await this.filings(async () => {
      await d.acksFirst?.();
      return fileRequest(
        { store: d.store, aws: d.aws, accounts: d.accounts, approvals: d.approvals, now: d.now },
        {
          request: resolved.request,
          crossAccount: resolved.crossAccount,
          source: resolved.source,
          destination: resolved.destination,
          requesterId,
          channel,
        },
      );
    });
    if (!result.ok) return result;
    const at = d.now();
    const n = result.request.n;
    await d.notify.requestPosted(n, channel, at);
    await d.notify.cardPosted(n, at);
    if (result.warnings.length) {
      await d.notify.reply(
        n,
        channel,
        result.warnings.map((w) => `:warning: ${escapeSlack(w)}`).join('\n'),
        at,
        `warnings:${n}`,
      );
    }
    await this.refreshHomes([requesterId], at);
    return { ok: true, text: receiptText(result.request, d.approvalsChannel, result.warnings) };
  }

  /**
   * The App Home shows a viewer's requests and the approvals waiting for them: republish it for the
   * people whose view just changed — the requester, the clicker, and the approvers named in the
   * config (members of approver user groups see theirs refreshed when they open the tab).
   */
  private async refreshHomes(users: string[], at: Date): Promise<void> {
    const direct = this.d.approvals.approvers.filter((a) => /^[UW]/.test(a));
    for (const user of new Set([...users, ...direct])) await this.d.notify.homeChanged(user, at);
  }

  async decide(input: DecisionInput): Promise<DecisionResult> {
    const { d } = this;
    const result = await decide(
      {
        store: d.store,
        approvals: d.approvals,
        directory: d.directory,
        notify: d.notify,
        now: d.now,
        onApproved: (n) => d.kickDispatcher(n),
      },
      input,
    );
    if (result.outcome === 'recorded' || result.outcome === 'approved' || result.outcome === 'rejected') {
      const request = await d.store.getRequest(input.n);
      await this.refreshHomes([input.userId, ...(request ? [request.requesterId] : [])], d.now());
    }
    return result;
  }

  async status(userId: string, n?: number): Promise<string> {
    const { store, presenter } = this.d;
    if (n !== undefined) {
      const loaded = await presenter.view(n);
      if (!loaded) return `${requestLabel(n)} does not exist.`;
      const { view } = loaded;
      return [
        `*${requestLabel(n)}* · ${route(view)} · ${view.state.replace('_', ' ')}`,
        ...view.copies.map(copyLine),
      ].join('\n');
    }
    const mine = await store.listRequests({ requesterId: userId, limit: 10 });
    if (mine.length === 0)
      return 'You have no snapshot copy requests yet. `/snapshot-copy help` shows how to file one.';
    const lines = [];
    for (const r of mine) {
      const copies = (await presenter.view(r.n))?.view.copies ?? [];
      const done = copies.filter((c) => c.state === 'completed').length;
      const positions = copies
        .filter((c) => c.state === 'queued')
        .map((c) =>
          c.queuePosition ? `#${c.queuePosition} in ${c.destinationRegion}` : c.destinationRegion,
        );
      lines.push(
        `*${requestLabel(r.n)}* · ${r.state.replace('_', ' ')} · ${done}/${copies.length} copied${positions.length ? ` · ${positions.length} queued (${positions.join(', ')})` : ''}`,
      );
    }
    return ['Your recent requests (`/snapshot-copy status R-<n>` for details):', ...lines].join('\n');
  }

  async cancel(userId: string, n: number): Promise<string> {
    const { store, notify, now, directory } = this.d;
    const label = requestLabel(n);
    const request = await store.getRequest(n);
    if (!request) return `${label} does not exist.`;
    if (request.requesterId !== userId && !(await directory.isApprover(userId))) {
      return `Only the requester or an approver can cancel ${label}.`;
    }
    const at = now();
    const result = await store.cancelRequest(n, at, userId);
    if (!result.found || result.cancelled.length === 0) {
      return result.inFlight.length
        ? `${label} has no queued copies left to cancel; ${result.inFlight.length} started ${result.inFlight.length === 1 ? 'copy is' : 'copies are'} left to finish (AWS cannot stop a copy in progress).`
        : `${label} is already ${request.state.replace('_', ' ')}; nothing to cancel.`;
    }
    await store.appendAudit({
      at,
      actor: userId,
      action: 'request.cancelled',
      requestNumber: n,
      detail: { cancelled: result.cancelled.length, leftRunning: result.inFlight.length },
    });
    const text = cancelledReply(
      result.cancelled.map((c) => toCopyView(c)),
      result.inFlight.map((c) => toCopyView(c)),
      userId,
    );
    await Promise.all([
      notify.requestChanged(n, request.originChannel, at),
      notify.cardChanged(n, at),
      notify.reply(n, request.originChannel, text, at, `cancelled:${n}`),
    ]);
    // The thread reply speaks in the request's context; the ephemeral answer has to name it.
    const copies = (k: number) => `${k} ${k === 1 ? 'copy' : 'copies'}`;
    const left = result.inFlight.length;
    return `:no_entry_sign: You cancelled ${label}: ${copies(result.cancelled.length)} will not be made${
      left
        ? `; ${copies(left)} already started ${left === 1 ? 'is' : 'are'} left to finish (AWS cannot stop a copy in progress).`
        : '.'
    }`;
  }
}
