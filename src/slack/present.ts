import type { types } from '@slack/bolt';
import type { AccountConfig } from '../domain/types.js';
import type { ApproverDirectory } from '../requests/approvers.js';
import { toRequestView } from '../requests/views.js';
import type { RequestRecord, Store } from '../store/port.js';
import { approvalCard } from './blocks/approval-card.js';
import { homeView } from './blocks/home.js';
import { decidedLine, requestMessage } from './blocks/request.js';
import type { Renderer } from './outbox.js';

export interface PresenterDeps {
  store: Store;
  accounts: AccountConfig[];
  directory: Pick<ApproverDirectory, 'isApproverOf'>;
  now?: () => Date;
}

/** Loads what a message shows from the store, at the moment it is sent. */
export class Presenter implements Renderer {
  constructor(private readonly deps: PresenterDeps) {}

  async view(n: number) {
    const { store, accounts } = this.deps;
    const request = await store.getRequest(n);
    if (!request) return undefined;
    const [copies, decisions] = await Promise.all([store.getCopies(n), store.listDecisions(n)]);
    const queues = copies.some((c) => c.state === 'queued') ? await store.queueSnapshot() : [];
    return { request, view: toRequestView({ request, copies, decisions, accounts, queues }) };
  }

  async requestMessage(n: number) {
    const loaded = await this.view(n);
    return loaded && { request: loaded.request, message: requestMessage(loaded.view) };
  }

  async approvalCard(n: number) {
    const loaded = await this.view(n);
    if (!loaded) return undefined;
    const { request, view } = loaded;
    return { request, message: approvalCard(view, decided(request, view.decisions)) };
  }

  async home(userId: string): Promise<types.HomeView> {
    const { store } = this.deps;
    const [mine, pending, queues] = await Promise.all([
      store.listRequests({ requesterId: userId, limit: 10 }),
      store.listRequests({ states: ['pending_approval'], limit: 20 }),
      store.queueSnapshot(),
    ]);
    const waiting = [];
    for (const r of pending) {
      // Per request: escalated approvers may decide only the requests that were escalated.
      if (!(await this.deps.directory.isApproverOf(r, userId))) continue;
      const decisions = await store.listDecisions(r.n);
      if (r.requesterId === userId || decisions.some((d) => d.userId === userId)) continue;
      const loaded = await this.view(r.n);
      if (loaded) waiting.push(loaded.view);
    }
    const mineViews = [];
    for (const r of mine) {
      const loaded = await this.view(r.n);
      if (loaded) mineViews.push(loaded.view);
    }
    return homeView({ mine: mineViews, waiting, queues, now: (this.deps.now ?? (() => new Date()))() });
  }
}

function decided(
  request: RequestRecord,
  decisions: Array<{ userId: string; decision: string; at: Date; reason?: string }>,
): { line: string } | undefined {
  switch (request.state) {
    case 'pending_approval':
      return undefined;
    case 'rejected': {
      const rejection = decisions.find((d) => d.decision === 'reject' && d.userId === request.closedBy);
      return {
        line: decidedLine(
          'rejected',
          request.closedBy ? [request.closedBy] : [],
          rejection?.at ?? request.updatedAt,
          rejection?.reason,
        ),
      };
    }
    case 'expired':
      return { line: decidedLine('expired', [], request.updatedAt) };
    case 'cancelled':
      if (!request.approvedAt)
        return {
          line: decidedLine('cancelled', request.closedBy ? [request.closedBy] : [], request.updatedAt),
        };
      break;
    default:
      break;
  }
  const approvers = decisions.filter((d) => d.decision === 'approve').map((d) => d.userId);
  if (request.policyName) return { line: `Approved by policy *${request.policyName}*` };
  return { line: decidedLine('approved', approvers, request.approvedAt ?? request.updatedAt) };
}
