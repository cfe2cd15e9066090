import { LRUCache } from 'lru-cache';
import { type IdentityVerdict, identityVerdict, type Workspace } from '../domain/identity.js';
import type { SlackUsers } from './ports.js';

/** A look-up that could not be made: the click is answered so, never counted silently. */
export type IdentityCheck = IdentityVerdict | { ok: false; reason: string; lookupFailed: true };

/**
 * Checks that a clicker is a real, active member of the workspace (`users.info`), cached for a
 * minute: a burst of clicks costs one look-up per person, and a deactivation still takes effect
 * within a minute. The workspace itself (`auth.test`) is asked once. Failed look-ups are not
 * cached, so the next click asks again.
 */
export class IdentityDirectory {
  private readonly users: LRUCache<string, IdentityVerdict>;
  private team: Promise<Workspace> | undefined;

  constructor(
    private readonly web: SlackUsers,
    ttlMs = 60_000,
  ) {
    this.users = new LRUCache({ max: 1_000, ttl: ttlMs });
  }

  async check(userId: string): Promise<IdentityCheck> {
    const hit = this.users.get(userId);
    if (hit) return hit;
    try {
      const [user, workspace] = await Promise.all([this.web.userInfo(userId), this.workspace()]);
      const verdict = identityVerdict(user, workspace);
      this.users.set(userId, verdict);
      return verdict;
    } catch (err) {
      return {
        ok: false,
        lookupFailed: true,
        reason: `The bot could not check your Slack account (users.info failed: ${err instanceof Error ? err.message : String(err)}), so your click was not counted. Try again in a moment.`,
      };
    }
  }

  private workspace(): Promise<Workspace> {
    this.team ??= this.web.workspace().catch((err: unknown) => {
      this.team = undefined;
      throw err;
    });
    return this.team;
  }
}
