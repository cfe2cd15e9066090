import type { SlackWeb } from '../slack/web.js';

/**
 * Who counts as an approver: configured user IDs, plus members of configured user groups (S…)
 * resolved through Slack and cached briefly, so a click is answered fast and membership changes
 * still take effect within a minute.
 */
export class ApproverDirectory {
  private readonly cache = new Map<string, { members: Set<string>; until: number }>();

  constructor(
    private readonly approvers: string[],
    private readonly web: Pick<SlackWeb, 'usergroupMembers'>,
    private readonly nowMs: () => number = Date.now,
    private readonly ttlMs = 60_000,
  ) {}

  async isApprover(userId: string): Promise<boolean> {
    if (this.approvers.includes(userId)) return true;
    for (const group of this.approvers.filter((a) => a.startsWith('S'))) {
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
