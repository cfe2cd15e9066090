/**
 * Locking a completed copy (SPEC §5.7, §9): `LockSnapshot` in the destination, written as a step
 * in the transaction that completed the copy, so a crash between completion and lock never leaves
 * a copy unlocked. A refusal that no retry can fix (the role lacks `ec2:LockSnapshot`) is told at
 * once, in plain words; the copy itself stays completed either way.
 */
import { AwsError } from '../aws/errors.js';
import type { AwsGateway } from '../aws/gateway.js';
import { findAccount } from '../domain/resolve.js';
import { roleSessionName } from '../domain/session-name.js';
import type { AccountConfig, LockSpec } from '../domain/types.js';
import type { Notifier } from '../messages/notifier.js';
import type { CopyRecord, RequestRecord, StepRecord, Store } from '../store/port.js';
import { addFollowUp, tellRequest } from './follow-up.js';
import type { StepHandler } from './runner.js';
import type { StepWording } from './wording.js';

export const LOCK_STEP = 'lock';

export interface LockPayload {
  copyId: number;
  snapshotId: string;
  accountId: string;
  region: string;
  lock: LockSpec;
  requester: string;
}

/** Inside the transaction that completes the copy: its lock, when the request asks for one. */
export async function scheduleLock(
  tx: Store,
  copy: CopyRecord,
  request: RequestRecord,
  o: { at: Date; afterCommit: () => void },
): Promise<void> {
  const lock = request.resolved.lock;
  if (!lock || copy.newSnapshotId === null) return;
  const payload: LockPayload = {
    copyId: copy.id,
    snapshotId: copy.newSnapshotId,
    accountId: copy.destination.accountId,
    region: copy.destination.region,
    lock,
    requester: request.requesterId,
  };
  await addFollowUp(
    tx,
    { kind: LOCK_STEP, payload, at: o.at, requestNumber: request.n, dedupeKey: `lock:${copy.id}` },
    o.afterCommit,
  );
}

export function lockHandler(d: {
  store: Store;
  aws: Pick<AwsGateway, 'lockSnapshot'>;
  accounts: AccountConfig[];
  notify: Notifier;
  wording: Pick<StepWording, 'locked' | 'lockFailed'>;
  now: () => Date;
}): StepHandler {
  const tell = (tx: Store, step: StepRecord, text: string, dedupeKey: string) =>
    tellRequest(tx, d.notify, step, text, { at: d.now(), dedupeKey });
  const lockFailed = (p: LockPayload, account: string, error: string, retrying: boolean) =>
    d.wording.lockFailed({
      snapshotId: p.snapshotId,
      account,
      region: p.region,
      lock: p.lock,
      error,
      retrying,
    });
  return {
    async run(step: StepRecord) {
      const p = step.payload as LockPayload;
      const account = findAccount(d.accounts, p.accountId);
      if (!account) throw new Error(`account ${p.accountId} is no longer configured`);
      const session = roleSessionName({
        ...(step.requestNumber !== null ? { request: step.requestNumber } : {}),
        requester: p.requester,
        purpose: 'lock',
      });
      try {
        const result = await d.aws.lockSnapshot(account, p.region, p.snapshotId, p.lock, session);
        const until = result.expiresOn ?? new Date(d.now().getTime() + p.lock.days * 86_400_000);
        await d.store.transaction(async (tx) => {
          await tx.appendAudit({
            at: d.now(),
            actor: 'bot',
            action: 'copy.locked',
            ...(step.requestNumber !== null ? { requestNumber: step.requestNumber } : {}),
            detail: {
              snapshotId: p.snapshotId,
              mode: p.lock.mode,
              days: p.lock.days,
              until: until.toISOString(),
              state: result.state,
            },
          });
          await tell(
            tx,
            step,
            d.wording.locked({ snapshotId: p.snapshotId, lock: p.lock, until }),
            `locked:${p.copyId}`,
          );
        });
      } catch (err) {
        // Retrying cannot grant a permission or fix a parameter: tell once and stop.
        if (err instanceof AwsError && (err.code === 'unauthorized' || err.code === 'invalid-parameter')) {
          await d.store.transaction(async (tx) => {
            await tx.appendAudit({
              at: d.now(),
              actor: 'bot',
              action: 'copy.lock-failed',
              ...(step.requestNumber !== null ? { requestNumber: step.requestNumber } : {}),
              detail: { snapshotId: p.snapshotId, code: err.code, error: err.message },
            });
            const text = lockFailed(p, account.alias, err.message, false);
            await tell(tx, step, text, `lock-failed:${p.copyId}`);
          });
          return;
        }
        throw err;
      }
    },
    async report(step: StepRecord, error: string, tx: Store) {
      const p = step.payload as LockPayload;
      const account = findAccount(d.accounts, p.accountId);
      await tell(
        tx,
        step,
        lockFailed(p, account?.alias ?? p.accountId, error, true),
        `lock-failed:${p.copyId}`,
      );
    },
  };
}
