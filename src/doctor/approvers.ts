/**
 * Approvers that could never approve (SPEC §5.3): a listed user Slack reports deactivated, a guest,
 * a bot or of another organisation, user groups with none who could, and approval requirements
 * that fewer people could ever meet. Escalation approvers are checked too. Needs SLACK_BOT_TOKEN
 * (`users:read`, `usergroups:read`); only read calls.
 */
import { describeRule } from '../domain/approval.js';
import { identityVerdict, type Workspace } from '../domain/identity.js';
import type { ApprovalsConfig } from '../domain/types.js';
import type { SlackWeb } from '../slack/web.js';
import type { DoctorRow } from './checks.js';

type Directory = Pick<SlackWeb, 'userInfo' | 'workspace' | 'usergroupMembers'>;

const row = (check: string, status: DoctorRow['status'], detail: string): DoctorRow => ({
  account: 'Slack',
  check: `approver ${check}`,
  ok: status !== 'fail',
  status,
  detail,
});

const failure = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function userProblem(
  web: Directory,
  workspace: Workspace,
  userId: string,
): Promise<string | undefined> {
  const verdict = identityVerdict(await web.userInfo(userId), workspace);
  return verdict.ok ? undefined : verdict.reason;
}

export async function checkApprovers(
  approvals: Pick<ApprovalsConfig, 'approvers' | 'escalateTo' | 'required' | 'rules'>,
  web: Directory,
): Promise<DoctorRow[]> {
  let workspace: Workspace;
  try {
    workspace = await web.workspace();
  } catch (err) {
    return [row('identities', 'warn', `not checked: auth.test failed (${failure(err)})`)];
  }
  const escalated = (approvals.escalateTo ?? []).filter((a) => !approvals.approvers.includes(a));
  const able = { listed: new Set<string>(), escalated: new Set<string>(), unknown: false };
  const rows: DoctorRow[] = [];
  for (const approver of [...approvals.approvers, ...escalated]) {
    const found = escalated.includes(approver) ? able.escalated : able.listed;
    try {
      rows.push(await checkOne(web, workspace, approver, found));
    } catch (err) {
      able.unknown = true;
      rows.push(row(approver, 'warn', `not checked: ${failure(err)}`));
    }
  }
  if (!able.unknown) rows.push(...unreachableRules(approvals, able));
  return rows;
}

/** One listed user or user group; adds to `able` whoever in it could approve. */
async function checkOne(
  web: Directory,
  workspace: Workspace,
  approver: string,
  able: Set<string>,
): Promise<DoctorRow> {
  if (!approver.startsWith('S')) {
    const problem = await userProblem(web, workspace, approver);
    if (problem) return row(approver, 'warn', `could never approve: ${problem}`);
    able.add(approver);
    return row(approver, 'ok', 'an active member of the workspace');
  }
  const members = await web.usergroupMembers(approver);
  const never: string[] = [];
  for (const member of members) {
    if (await userProblem(web, workspace, member)) never.push(member);
    else able.add(member);
  }
  if (members.length === 0)
    return row(approver, 'warn', 'the user group has no members: nobody in it can approve');
  if (never.length === members.length)
    return row(
      approver,
      'warn',
      `none of its ${members.length} members could ever approve (deactivated, guests, bots or external)`,
    );
  if (never.length) return row(approver, 'warn', `members who could never approve: ${never.join(', ')}`);
  return row(approver, 'ok', `${members.length} member${members.length === 1 ? '' : 's'}, all active`);
}

/**
 * Requirements no set of real approvers can meet (SPEC §5.3): user groups resolved, people who
 * could never approve left out. The config check can only count listed users; this one counts
 * group members too. Escalated approvers help only once a request was escalated.
 */
function unreachableRules(
  approvals: Pick<ApprovalsConfig, 'required' | 'rules'>,
  able: { listed: Set<string>; escalated: Set<string> },
): DoctorRow[] {
  const listed = able.listed.size;
  const withEscalation = new Set([...able.listed, ...able.escalated]).size;
  const needs: Array<[string, number]> = [
    ['approvals.required', approvals.required],
    ...approvals.rules.flatMap(
      (rule, i): Array<[string, number]> =>
        rule.required === undefined ? [] : [[describeRule(rule, i), rule.required]],
    ),
  ];
  const rows: DoctorRow[] = [];
  for (const [what, required] of needs) {
    if (required > withEscalation) {
      rows.push(
        row(
          'requirements',
          'warn',
          `${what} needs ${required} approvals, but only ${withEscalation} ${withEscalation === 1 ? 'person' : 'people'} could ever approve: such requests can only expire`,
        ),
      );
    } else if (required > listed) {
      rows.push(
        row(
          'requirements',
          'warn',
          `${what} needs ${required} approvals, but only ${listed} of the approvers could approve: such requests wait for the escalation`,
        ),
      );
    }
  }
  return rows;
}
