import type { CopyFailureCode } from '../../domain/types.js';
import { clip, code, escapeSlack, hopPrefix, mention } from './format.js';
import { completionLine } from './request.js';
import { approxDuration } from './text.js';
import type { CopyView } from './view-model.js';

/** KMS permissions the copying role needs on the keys involved (SPEC §5.7, seed "To check for failure"). */
export const KMS_ACTIONS_FOR_COPY = [
  'kms:DescribeKey',
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKeyWithoutPlaintext',
] as const;

export function queuedReply(copy: CopyView): string {
  const pos = copy.queuePosition ? `#${copy.queuePosition} in the queue` : 'queued';
  const eta = copy.estimateStartMs ? `, expected to start in ~${approxDuration(copy.estimateStartMs)}` : '';
  return `:double_vertical_bar: ${code(copy.sourceSnapshotId)} → ${copy.destinationRegion}: ${pos} for ${escapeSlack(copy.destination.alias)} ${copy.destinationRegion} (all copy slots busy)${eta}.`;
}

export function startedReply(copy: CopyView): string {
  const kind = copy.transfer
    ? copy.transfer.kind === 'full'
      ? ` — full copy (${escapeSlack(copy.transfer.reason)}), ${copy.transfer.fullCopyGiB} GiB`
      : ` — incremental (${escapeSlack(copy.transfer.reason)})`
    : '';
  return `:arrows_counterclockwise: ${hopPrefix(copy)}${code(copy.sourceSnapshotId)} → ${copy.destinationRegion}: copy started as ${copy.newSnapshotId ? code(copy.newSnapshotId) : 'a new snapshot'}${kind}.`;
}

export function completedReply(copy: CopyView): string {
  return completionLine(copy);
}

export interface KeyFailureContext {
  copy: CopyView;
  requesterId: string;
  /** The key the copy was to be encrypted under (requested, configured or the default key). */
  targetKeyId?: string;
  /** Role the bot used in the destination account (absent: the bot's own identity). */
  destinationRoleArn?: string;
  /** Account that owns the source key, when it differs from the destination account. */
  sourceKeyAccountId?: string;
}

/**
 * AWS reports a copy without key permissions only as `State: error` with
 * `StateMessage: "Given key ID is not accessible"`; the console shows nothing until refreshed.
 * This reply is where the requester learns what exactly to fix.
 */
export function keyFailureReply(ctx: KeyFailureContext): string {
  const { copy } = ctx;
  const who = ctx.destinationRoleArn
    ? `the role ${code(ctx.destinationRoleArn)} in account ${escapeSlack(copy.destination.alias)} (${copy.destination.id})`
    : `the bot's own identity in account ${escapeSlack(copy.destination.alias)} (${copy.destination.id})`;
  const keys: string[] = [];
  if (ctx.targetKeyId) keys.push(`the destination key ${code(ctx.targetKeyId)}`);
  if (copy.sourceEncrypted && copy.sourceKeyId) keys.push(`the source key ${code(copy.sourceKeyId)}`);
  const keyText = keys.length ? keys.join(' and ') : "the destination's default EBS key";
  const lines = [
    `:closed_lock_with_key: ${mention(ctx.requesterId)} ${code(copy.sourceSnapshotId)} → ${copy.destinationRegion} *failed: the KMS key is not accessible* (AWS: "Given key ID is not accessible"). AWS reports this silently; nothing was copied.`,
    `*What to fix:* ${who} needs ${KMS_ACTIONS_FOR_COPY.map((a) => code(a)).join(', ')} on ${keyText}.`,
  ];
  if (ctx.sourceKeyAccountId && ctx.sourceKeyAccountId !== copy.destination.id && copy.sourceKeyId) {
    lines.push(
      `The source key belongs to account ${ctx.sourceKeyAccountId}: its *key policy* must grant account ${copy.destination.id} those actions (an IAM policy in ${copy.destination.id} alone is not enough).`,
    );
  }
  lines.push(
    `Then run the copy again: \`/snapshot-copy ${copy.sourceSnapshotId} … to ${copy.destinationRegion}\`.`,
  );
  return clip(lines.join('\n'));
}

/**
 * Plain-words explanations of every failure code, with what to do: a `Record` over the closed set,
 * so a new code cannot be recorded without its advice. (`key-not-accessible` usually gets the
 * fuller `keyFailureReply`.)
 */
const FAILURE_ADVICE: Record<CopyFailureCode, (copy: CopyView) => string> = {
  throttled: () =>
    'AWS kept throttling the bot’s calls (RequestLimitExceeded) even after retries. Other tools may be calling EC2 heavily; file the copy again in a while.',
  'copy-limit': (c) =>
    `AWS's limit of concurrent copies into ${escapeSlack(c.destination.alias)} ${c.destinationRegion} stayed reached. Copies by AWS Backup, DLM or people count too; file the copy again once they are done.`,
  'key-not-accessible': (c) =>
    `the KMS key could not be used ("Given key ID is not accessible"): the role in ${escapeSlack(c.destination.alias)} (${c.destination.id}) needs kms:DescribeKey, kms:CreateGrant, kms:Decrypt, kms:ReEncrypt* and kms:GenerateDataKeyWithoutPlaintext on it.`,
  locked: (c) =>
    `the snapshot is locked (LockSnapshot) and AWS refused the change. Check its lock in ${escapeSlack(c.destination.alias)} ${c.destinationRegion}.`,
  network: () =>
    'AWS could not be reached (a network error or timeout) and the copy could not be confirmed. File the copy again; the bot never copies twice what it can find by its tags.',
  unknown: () => 'an unexpected error. The details are below; the operators can find more in the logs.',
  'copy-missing': (c) =>
    `the new copy disappeared from ${escapeSlack(c.destination.alias)} ${c.destinationRegion} before it completed (somebody deleted it, or a lifecycle rule did). File the copy again.`,
  'not-found': (c) =>
    `the source snapshot ${code(c.sourceSnapshotId)} no longer exists or is no longer shared with ${escapeSlack(c.destination.alias)}. Check that it was not deleted or unshared, then file the copy again.`,
  unauthorized: (c) =>
    `the bot's role in ${escapeSlack(c.destination.alias)} (${c.destination.id}) is not allowed to copy (UnauthorizedOperation). Grant it the IAM permissions in the README ("IAM policies"), then file the copy again.`,
  'role-unavailable': (c) =>
    `the bot could not assume its role in ${escapeSlack(c.destination.alias)} (${c.destination.id}). Check the role ARN, its trust policy and the external ID.`,
  'incorrect-state': (c) =>
    `the source snapshot ${code(c.sourceSnapshotId)} is not in the \`completed\` state. Wait until it completes, then file the copy again.`,
  'invalid-parameter': () =>
    'AWS refused the copy parameters. The details are below; correct the request and file it again.',
  'copy-error': () =>
    'AWS ended the copy in the error state. The AWS message is below; file the copy again once the cause is fixed.',
  'account-not-configured': () =>
    "an account of this copy is no longer in the bot's configuration, so the bot has no role to copy with. Add the account back (see the message below), then file the copy again.",
  'intermediate-failed': () =>
    'its first hop, the re-keyed copy within the source account, failed (see the reply above), so there is nothing to copy on. Fix that cause, then file the copy again.',
};

export function failedReply(copy: CopyView, requesterId: string): string {
  const advice = FAILURE_ADVICE[copy.failure?.code ?? 'unknown'](copy);
  const detail = copy.failure?.message ? `\n> ${escapeSlack(copy.failure.message)}` : '';
  return clip(
    `:x: ${mention(requesterId)} ${hopPrefix(copy)}${code(copy.sourceSnapshotId)} → ${copy.destinationRegion} failed: ${advice}${detail}`,
  );
}

export function cancelledReply(cancelled: CopyView[], leftRunning: CopyView[], by: string): string {
  const parts = [
    `:no_entry_sign: Cancelled by ${mention(by)}: ${cancelled.length} queued ${cancelled.length === 1 ? 'copy' : 'copies'}.`,
  ];
  if (leftRunning.length) {
    parts.push(
      `${leftRunning.length} already started ${leftRunning.length === 1 ? 'copy is' : 'copies are'} left to finish (AWS cannot stop a copy in progress).`,
    );
  }
  return parts.join(' ');
}
