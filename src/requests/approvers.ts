import type { UserGroups } from './ports.js';

/** What decides whether escalated approvers count for a request: whether it was escalated. */
export interface EscalationState {
  escalatedAt: Date | null;
}

/**
 * Who counts as an approver: configured user IDs, plus members of configured user groups (S…)
 * resolved through Slack and cached briefly, so a click is answered fast and membership changes
 * still take effect within a minute. The `escalateTo` approvers count only for a request that was
 * escalated (SPEC §5.3).
 */
export class ApproverDirectory {
  private readonly cache = new Map<string, { members: Set<string>; until: number }>();

  constructor(
    private readonly approvers: string[],
    private readonly web: UserGroups,
    private readonly escalateTo: string[] = [],
    private readonly nowMs: () => number = Date.now,
    private readonly ttlMs = 60_000,
  ) {}

  /** A configured approver (of any request). */
  isApprover(userId: string): Promise<boolean> {
    return this.isIn(this.approvers, userId);
  }

  /** May decide this request: a configured approver, or an escalated one once it was escalated. */
  async isApproverOf(request: EscalationState, userId: string): Promise<boolean> {
    if (await this.isApprover(userId)) return true;
    return request.escalatedAt !== null && this.isIn(this.escalateTo, userId);
  }

  /** Every user who may decide this request: listed users and user-group members, each once. */
  async usersOf(request: EscalationState): Promise<string[]> {
    const lists = request.escalatedAt !== null ? [...this.approvers, ...this.escalateTo] : this.approvers;
    const users = new Set<string>();
    for (const entry of lists) {
      if (!entry.startsWith('S')) users.add(entry);
      else for (const member of await this.members(entry)) users.add(member);
    }
    return [...users];
  }

  private async isIn(list: string[], userId: string): Promise<boolean> {
    if (list.includes(userId)) return true;
    for (const group of list.filter((a) => a.startsWith('S'))) {
      if ((await this.members(group)).has(userId)) return true;
    }
    return false;
  }

  private async members(group: string): Promise<Set<string>> {
    const hit = this.cache.get(group);
    if (hit && hit.until > this.nowMs()) return hit.members;
    const members = new Set(await this.web.usergroupMembers(group));
    this.cache.set(group, { members, until: this.nowMs() + this.ttlMs });
    return members;
  }
}
