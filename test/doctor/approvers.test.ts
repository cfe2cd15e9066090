import { describe, expect, it } from 'vitest';
import { checkApprovers } from '../../src/doctor/approvers.js';
import type { SlackUserFacts } from '../../src/domain/identity.js';
import type { ApprovalsConfig } from '../../src/domain/types.js';

const users: Record<string, SlackUserFacts> = {
  U0ACTIVE: { teamId: 'T0HOME' },
  U0GONE: { deleted: true, teamId: 'T0HOME' },
  U0GUEST: { isRestricted: true, teamId: 'T0HOME' },
  U0OUTSIDE: { teamId: 'T0ELSEWHERE' },
};
const web = {
  workspace: async () => ({ teamId: 'T0HOME' }),
  userInfo: async (id: string) => users[id] ?? { teamId: 'T0HOME' },
  usergroupMembers: async (group: string) =>
    ({ S0MIXED: ['U0ACTIVE', 'U0GONE'], S0NOBODY: ['U0GUEST', 'U0OUTSIDE'], S0EMPTY: [] })[group] ?? [],
};

const approvals = (
  approvers: string[],
  more: Partial<Pick<ApprovalsConfig, 'escalateTo' | 'required' | 'rules'>> = {},
) => ({ approvers, required: 1, rules: [], ...more });

describe('doctor: approvers who could never approve', () => {
  it('warns about deactivated, guest and external approvers, and groups nobody in which can approve', async () => {
    const rows = await checkApprovers(
      approvals(['U0ACTIVE', 'U0GONE', 'U0GUEST', 'U0OUTSIDE', 'S0MIXED', 'S0NOBODY', 'S0EMPTY']),
      web,
    );
    expect(rows.map((r) => [r.check, r.status])).toEqual([
      ['approver U0ACTIVE', 'ok'],
      ['approver U0GONE', 'warn'],
      ['approver U0GUEST', 'warn'],
      ['approver U0OUTSIDE', 'warn'],
      ['approver S0MIXED', 'warn'],
      ['approver S0NOBODY', 'warn'],
      ['approver S0EMPTY', 'warn'],
    ]);
    expect(rows[1]?.detail).toContain('deactivated');
    expect(rows[2]?.detail).toContain('Guest');
    expect(rows[3]?.detail).toContain('another organisation');
    expect(rows[4]?.detail).toContain('U0GONE');
    expect(rows.every((r) => r.ok)).toBe(true);
  });

  it('says an approver was not checked when Slack cannot be asked', async () => {
    const rows = await checkApprovers(approvals(['U0ACTIVE']), {
      ...web,
      userInfo: async () => {
        throw new Error('network down');
      },
    });
    expect(rows).toEqual([expect.objectContaining({ status: 'warn', detail: 'not checked: network down' })]);
  });

  it('checks the escalation approvers too', async () => {
    const rows = await checkApprovers(approvals(['U0ACTIVE'], { escalateTo: ['U0GONE', 'U0ACTIVE'] }), web);
    expect(rows.map((r) => [r.check, r.status])).toEqual([
      ['approver U0ACTIVE', 'ok'],
      ['approver U0GONE', 'warn'],
    ]);
  });

  it('warns about a requirement that fewer real people could ever meet, counting group members', async () => {
    const rows = await checkApprovers(
      approvals(['U0ACTIVE', 'S0MIXED', 'U0GUEST'], {
        escalateTo: ['U0LEAD'],
        rules: [
          { when: { crossAccount: true }, required: 2 },
          { when: { lock: 'compliance' }, required: 3 },
        ],
      }),
      web,
    );
    const requirements = rows.filter((r) => r.check === 'approver requirements').map((r) => r.detail);
    // U0ACTIVE counts once (listed and in S0MIXED); U0GONE and the guest never count.
    expect(requirements).toEqual([
      'approvals.rules[0] (crossAccount: true) needs 2 approvals, but only 1 of the approvers could approve: such requests wait for the escalation',
      'approvals.rules[1] (lock: compliance) needs 3 approvals, but only 2 people could ever approve: such requests can only expire',
    ]);
  });
});
