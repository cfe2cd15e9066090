/**
 * Who gets the approval card by DM (SPEC §5.3, `approvals.notify: [channel, dm]`): every user who
 * may decide the request and whose click would count — listed users and user-group members (the
 * escalated approvers once escalated), not the requester unless self-approval is allowed, not
 * users Slack says could never approve, and not those who already decided.
 */
import type { ApprovalsConfig } from '../domain/types.js';
import type { RequestRecord, Store } from '../store/port.js';
import type { ApproverDirectory } from './approvers.js';
import type { IdentityDirectory } from './identities.js';

export interface CardRecipientDeps {
  store: Pick<Store, 'listDecisions'>;
  approvals: Pick<ApprovalsConfig, 'allowSelfApproval'>;
  directory: Pick<ApproverDirectory, 'usersOf'>;
  identities: Pick<IdentityDirectory, 'check'>;
}

export async function cardRecipients(deps: CardRecipientDeps, request: RequestRecord): Promise<string[]> {
  const decided = new Set((await deps.store.listDecisions(request.n)).map((d) => d.userId));
  const recipients: string[] = [];
  for (const userId of await deps.directory.usersOf(request)) {
    if (decided.has(userId)) continue;
    if (userId === request.requesterId && !deps.approvals.allowSelfApproval) continue;
    const identity = await deps.identities.check(userId);
    // Slack could not be asked: fail the whole send, so it is retried rather than someone skipped.
    if (!identity.ok && 'lookupFailed' in identity) throw new Error(identity.reason);
    if (identity.ok) recipients.push(userId);
  }
  return recipients;
}
