/**
 * Approvers that could never approve (SPEC §5.3): a listed user Slack reports deactivated, a guest,
 * a bot or of another organisation, and user groups with none who could. Needs SLACK_BOT_TOKEN
 * (`users:read`, `usergroups:read`); only read calls.
 */
import { identityVerdict, type Workspace } from '../domain/identity.js';
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

export async function checkApprovers(approvers: readonly string[], web: Directory): Promise<DoctorRow[]> {
  let workspace: Workspace;
  try {
    workspace = await web.workspace();
  } catch (err) {
    return [row('identities', 'warn', `not checked: auth.test failed (${failure(err)})`)];
  }
  const rows: DoctorRow[] = [];
  for (const approver of approvers) {
    try {
      if (!approver.startsWith('S')) {
        const problem = await userProblem(web, workspace, approver);
        rows.push(
          problem
            ? row(approver, 'warn', `could never approve: ${problem}`)
            : row(approver, 'ok', 'an active member of the workspace'),
        );
        continue;
      }
      const members = await web.usergroupMembers(approver);
      const never: string[] = [];
      for (const member of members) if (await userProblem(web, workspace, member)) never.push(member);
      if (members.length === 0)
        rows.push(row(approver, 'warn', 'the user group has no members: nobody in it can approve'));
      else if (never.length === members.length)
        rows.push(
          row(
            approver,
            'warn',
            `none of its ${members.length} members could ever approve (deactivated, guests, bots or external)`,
          ),
        );
      else if (never.length)
        rows.push(row(approver, 'warn', `members who could never approve: ${never.join(', ')}`));
      else
        rows.push(
          row(approver, 'ok', `${members.length} member${members.length === 1 ? '' : 's'}, all active`),
        );
    } catch (err) {
      rows.push(row(approver, 'warn', `not checked: ${failure(err)}`));
    }
  }
  return rows;
}
