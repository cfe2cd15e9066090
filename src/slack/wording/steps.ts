/** The durable steps' facts in Slack's words: lock, retention, share, intermediate and drill sentences (SPEC §5.5, §5.7, §9). */
import type {
  DrillFailure,
  LockFailed,
  RetentionRefused,
  SnapshotLocked,
  StepWording,
} from '../../steps/wording.js';
import { code } from '../blocks/format.js';
import { utcText } from '../blocks/lock.js';

function locked(f: SnapshotLocked): string {
  const protection =
    f.lock.mode === 'compliance'
      ? 'nobody, not even the account root, can delete it or lift the lock'
      : 'it cannot be deleted unless someone with `ec2:UnlockSnapshot` lifts the lock';
  return `:lock: ${code(f.snapshotId)} is locked in *${f.lock.mode}* mode until ${utcText(f.until)}: ${protection} before then.`;
}

/** What the role needs and what went wrong, for the thread. */
function lockFailed(f: LockFailed): string {
  return (
    `:warning: Could not lock ${code(f.snapshotId)} in ${f.account} ${f.region} (${f.lock.mode}, ${f.lock.days} days). ` +
    `The copy itself is completed and usable, but it is not protected against deletion. ` +
    `The bot's role there needs the permission \`ec2:LockSnapshot\` on the copy (README, "IAM for locks, retention and drills"). ` +
    `AWS said: ${f.error}` +
    (f.retrying ? ' The bot keeps trying.' : '')
  );
}

function retentionRefused(f: RetentionRefused): string {
  const why =
    f.code === 'locked'
      ? 'it is locked'
      : f.code === 'unauthorized'
        ? 'the bot\'s role may not delete it: grant `ec2:DeleteSnapshot` on snapshots tagged `snapshot-copy:policy` (README, "IAM for locks, retention and drills")'
        : `AWS refused (${f.error})`;
  return `:warning: DR policy *${f.policy}*: retention could not delete the older copy ${code(f.snapshotId)}: ${why}. It is kept; the bot does not try again.`;
}

/** Why a drill failed, in words a DR owner can act on. */
function drillFailure(f: DrillFailure): string {
  switch (f.kind) {
    case 'policy-gone':
      return 'the policy is no longer configured';
    case 'nothing-to-restore':
      return 'there is no completed copy to restore yet';
    case 'create-refused':
      return f.code === 'unauthorized'
        ? 'the bot\'s role may not create the volume: grant `ec2:CreateVolume` with the `snapshot-copy:drill` tag (README, "IAM for locks, retention and drills")'
        : `CreateVolume was refused: ${f.error}`;
    case 'volume-error':
      if (f.encrypted || f.keyId) {
        return (
          `the restored volume went to \`error\`: account ${f.account.alias} (${f.account.id}) cannot use the KMS key ` +
          `${f.keyId ? `\`${f.keyId}\` ` : ''}the copy is encrypted with. The role and key policy must allow ` +
          '`kms:CreateGrant`, `kms:Decrypt`, `kms:GenerateDataKeyWithoutPlaintext`, `kms:ReEncrypt*` and `kms:DescribeKey`; ' +
          'until then this copy cannot be restored'
        );
      }
      return 'the restored volume went to `error` (EBS gave no reason); the copy may not be restorable';
    case 'volume-vanished':
      return 'the restored volume disappeared before it was available';
    case 'keeps-failing':
      return `the drill keeps failing and is retried: ${f.error}`;
  }
}

export const slackStepWording: StepWording = {
  locked,
  lockFailed,
  retentionFailing: (f) =>
    `:warning: DR policy *${f.policy}*: cleaning up older copies of ${code(f.volume)} keeps failing (${f.error}); the bot keeps trying.`,
  retentionRefused,
  intermediateDeleted: (f) =>
    `:wastebasket: Deleted the intermediate copy ${code(f.snapshotId)} in ${f.account} ${f.region} (hop 1 of 2): it is not needed any more.`,
  intermediateDeleteFailing: (f) =>
    `:warning: Could not delete the intermediate copy ${code(f.snapshotId)} in account ${f.accountId} ${f.region} (${f.error}); the bot keeps trying. To delete it by hand: \`aws ec2 delete-snapshot --snapshot-id ${f.snapshotId} --region ${f.region}\``,
  unshareFailing: (f) =>
    `:warning: Could not remove the temporary share of \`${f.snapshotId}\` with account ${f.accountId} (${f.error}); the bot keeps trying. To remove it by hand: \`aws ec2 modify-snapshot-attribute --snapshot-id ${f.snapshotId} --attribute createVolumePermission --operation-type remove --user-ids ${f.accountId} --region ${f.region}\``,
  drillFailure,
};
