/** The playground's pretend workspace: its people and channels (SPEC §11). */

export type Part = 'requester' | 'approver' | 'stranger';

export interface Person {
  id: string;
  name: string;
  realName: string;
  part: Part;
}

export const TEAM_ID = 'T0PLAYGROUND';
export const BOT_USER_ID = 'U0SNAPBOT';
export const BOT_ID = 'B0SNAPBOT';
export const APPROVER_GROUP = 'S0APPROVERS';

export const PEOPLE: Person[] = [
  { id: 'U0REQUESTER', name: 'riley', realName: 'Riley Requester', part: 'requester' },
  { id: 'U0APPROVER1', name: 'alex', realName: 'Alex Approver', part: 'approver' },
  { id: 'U0APPROVER2', name: 'sam', realName: 'Sam Approver', part: 'approver' },
  { id: 'U0STRANGER', name: 'casey', realName: 'Casey Stranger', part: 'stranger' },
];

export const CHANNELS = [
  { id: 'C0TEAM', name: 'team' },
  { id: 'C0APPROVALS', name: 'approvals' },
  { id: 'C0DRSTATUS', name: 'dr-status' },
];

export const USER_GROUPS: Record<string, string[]> = {
  [APPROVER_GROUP]: PEOPLE.filter((p) => p.part === 'approver').map((p) => p.id),
};
