/**
 * Whose click may count (SPEC §5.3): only a real, active member of the workspace. Being listed as
 * an approver is not enough — a listed account may since have been deactivated, turned into a
 * guest, or be a Slack Connect user of another organisation. Pure: the caller looks the user up.
 */

/** What `users.info` says about a user, in the terms this check needs. */
export interface SlackUserFacts {
  deleted?: boolean;
  isBot?: boolean;
  isRestricted?: boolean;
  isUltraRestricted?: boolean;
  isStranger?: boolean;
  teamId?: string;
  /** Enterprise Grid: the organisation the user belongs to. */
  enterpriseId?: string;
}

/** The bot's own workspace, as `auth.test` answers. */
export interface Workspace {
  teamId: string;
  enterpriseId?: string;
}

export type IdentityVerdict = { ok: true } | { ok: false; reason: string };

const DECIDE = 'approve or reject snapshot copies';

export function identityVerdict(user: SlackUserFacts, workspace: Workspace): IdentityVerdict {
  if (user.deleted) {
    return { ok: false, reason: `This Slack account is deactivated: deactivated users cannot ${DECIDE}.` };
  }
  if (user.isBot) return { ok: false, reason: `Bots and apps cannot ${DECIDE}.` };
  if (user.isRestricted || user.isUltraRestricted) {
    return {
      ok: false,
      reason: `Guest accounts cannot ${DECIDE}, even when listed as approvers; ask a full member of the workspace.`,
    };
  }
  // In an Enterprise Grid organisation a colleague may belong to another workspace of the same org.
  const sameOrg = workspace.enterpriseId !== undefined && user.enterpriseId === workspace.enterpriseId;
  const otherTeam = user.teamId !== undefined && user.teamId !== workspace.teamId && !sameOrg;
  if (user.isStranger || otherTeam) {
    return {
      ok: false,
      reason: `You are a member of another organisation's workspace (Slack Connect): only members of this workspace can ${DECIDE}.`,
    };
  }
  return { ok: true };
}
