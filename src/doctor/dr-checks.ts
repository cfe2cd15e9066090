/**
 * Doctor checks for what DR policies ask of their destination (SPEC §9, README "IAM for locks,
 * retention and drills"): the permissions to lock copies, to read locks and delete older copies
 * (retention), and to create and delete drill volumes — each a DryRun, so nothing changes.
 */
import { asAwsError } from '../aws/errors.js';
import type { AwsGateway, ProbedAction } from '../aws/gateway.js';
import type { BotConfig, DrPolicyConfig } from '../config/schema.js';
import { findAccount } from '../domain/resolve.js';
import type { AccountConfig } from '../domain/types.js';

export interface DrCheckRow {
  account: string;
  region: string;
  check: `policy ${string}`;
  ok: boolean;
  status: 'ok' | 'fail';
  detail: string;
}

const WHY: Record<ProbedAction, string> = {
  LockSnapshot: 'lock its copies',
  DeleteSnapshot: 'delete its older copies (retention)',
  CreateVolume: 'restore drill volumes',
  DeleteVolume: 'delete drill volumes',
};

function actionsFor(policy: DrPolicyConfig): ProbedAction[] {
  return [
    ...(policy.lock ? (['LockSnapshot'] as const) : []),
    ...(policy.retain ? (['DeleteSnapshot'] as const) : []),
    ...(policy.drill ? (['CreateVolume', 'DeleteVolume'] as const) : []),
  ];
}

export async function checkDrPolicies(
  config: Pick<BotConfig, 'accounts' | 'drPolicies'>,
  gateway: Pick<AwsGateway, 'permissionProbe' | 'lockedSnapshots'>,
  session: string,
): Promise<DrCheckRow[]> {
  const rows: DrCheckRow[] = [];
  for (const policy of config.drPolicies) {
    const account = findAccount(config.accounts, policy.destination.account);
    if (!account) continue;
    const { region } = policy.destination;
    const row = (check: string, ok: boolean, detail: string): DrCheckRow => ({
      account: `${account.alias} (${account.id})`,
      region,
      check: `policy ${policy.name}: ${check}`,
      ok,
      status: ok ? 'ok' : 'fail',
      detail,
    });
    for (const action of actionsFor(policy)) {
      rows.push(await probe(gateway, account, region, action, session, row));
    }
    if (policy.retain) {
      try {
        await gateway.lockedSnapshots(account, region, ['snap-00000000000000000'], session);
        rows.push(row('ec2:DescribeLockedSnapshots', true, 'allowed (retention keeps locked copies)'));
      } catch (err) {
        rows.push(
          row(
            'ec2:DescribeLockedSnapshots',
            false,
            `${asAwsError(err).message} — retention cannot tell locked copies: grant ec2:DescribeLockedSnapshots`,
          ),
        );
      }
    }
  }
  return rows;
}

async function probe(
  gateway: Pick<AwsGateway, 'permissionProbe'>,
  account: AccountConfig,
  region: string,
  action: ProbedAction,
  session: string,
  row: (check: string, ok: boolean, detail: string) => DrCheckRow,
): Promise<DrCheckRow> {
  try {
    const answer = await gateway.permissionProbe(account, region, action, session);
    return answer === 'allowed'
      ? row(`ec2:${action}`, true, `allowed (DryRun): the policy can ${WHY[action]}`)
      : row(
          `ec2:${action}`,
          false,
          `denied: the policy cannot ${WHY[action]} — grant ec2:${action} (README, "IAM for locks, retention and drills")`,
        );
  } catch (err) {
    return row(`ec2:${action}`, false, `could not check: ${asAwsError(err).message}`);
  }
}
