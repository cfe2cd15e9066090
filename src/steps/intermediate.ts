/**
 * Deleting the intermediate copy of a two-hop copy (SPEC §5.5): once every final hop that copies
 * it has ended (completed, failed or cancelled) and the bot's share of it has been removed. Written
 * in the transaction that made this true — a copy's end, a cancel, a share's removal — so a crash
 * anywhere never leaves a re-keyed copy of production data behind.
 */
import { AwsError } from '../aws/errors.js';
import type { AwsGateway } from '../aws/gateway.js';
import { findAccount } from '../domain/resolve.js';
import { roleSessionName } from '../domain/session-name.js';
import type { AccountConfig, CopyState } from '../domain/types.js';
import type { Notifier } from '../messages/notifier.js';
import type { CopyRecord, StepRecord, Store } from '../store/port.js';
import { addFollowUp, tellRequest } from './follow-up.js';
import type { StepHandler } from './runner.js';
import type { StepWording } from './wording.js';

export const DELETE_INTERMEDIATE_STEP = 'delete-intermediate';

export interface DeleteIntermediatePayload {
  copyId: number;
  snapshotId: string;
  accountId: string;
  region: string;
  requester: string;
}

const ENDED: readonly CopyState[] = ['completed', 'failed', 'cancelled'];

/**
 * Inside the transaction that ended copies (or removed a share) of request `n`: a deletion step for
 * each intermediate copy nothing needs any more. Idempotent: one step per intermediate, ever.
 * `ended`, when the caller knows which copies just ended: none of them a hop, nothing to look at
 * (the usual case, on every copy's completion).
 */
export async function scheduleIntermediateCleanup(
  tx: Store,
  n: number,
  o: { at: Date; requester: string; afterCommit: () => void; ended?: readonly CopyRecord[] },
): Promise<void> {
  if (o.ended && !o.ended.some((c) => c.hop !== null)) return;
  const copies = await tx.getCopies(n);
  for (const hop1 of copies) {
    if (hop1.hop !== 'intermediate' || !hop1.newSnapshotId || !ENDED.includes(hop1.state)) continue;
    const finals = copies.filter((c) => c.afterCopyId === hop1.id);
    if (finals.some((c) => !ENDED.includes(c.state))) continue;
    // Unshared first: the share's removal writes this step once it is done.
    let shared = false;
    for (const accountId of new Set(finals.map((c) => c.destination.accountId))) {
      const share = await tx.getShare({
        sourceRegion: hop1.destination.region,
        snapshotId: hop1.newSnapshotId,
        destAccountId: accountId,
      });
      if (share?.owned && !share.removedAt) shared = true;
    }
    if (shared) continue;
    const payload: DeleteIntermediatePayload = {
      copyId: hop1.id,
      snapshotId: hop1.newSnapshotId,
      accountId: hop1.destination.accountId,
      region: hop1.destination.region,
      requester: o.requester,
    };
    await addFollowUp(
      tx,
      {
        kind: DELETE_INTERMEDIATE_STEP,
        payload,
        at: o.at,
        requestNumber: n,
        dedupeKey: `delete-intermediate:${hop1.id}`,
      },
      o.afterCommit,
    );
  }
}

export function deleteIntermediateHandler(d: {
  store: Store;
  aws: Pick<AwsGateway, 'deleteSnapshot'>;
  accounts: AccountConfig[];
  notify: Notifier;
  wording: Pick<StepWording, 'intermediateDeleted' | 'intermediateDeleteFailing'>;
  now: () => Date;
}): StepHandler {
  return {
    async run(step: StepRecord) {
      const p = step.payload as DeleteIntermediatePayload;
      const account = findAccount(d.accounts, p.accountId);
      if (!account) throw new Error(`account ${p.accountId} is no longer configured`);
      const session = roleSessionName({
        ...(step.requestNumber !== null ? { request: step.requestNumber } : {}),
        requester: p.requester,
        purpose: 'cleanup',
      });
      try {
        await d.aws.deleteSnapshot(account, p.region, p.snapshotId, session);
      } catch (err) {
        // Gone already (deleted by hand, or by this step before a crash): the work is done.
        if (!(err instanceof AwsError && err.code === 'not-found')) throw err;
      }
      await d.store.transaction(async (tx) => {
        const at = d.now();
        await tx.appendAudit({
          at,
          actor: 'bot',
          action: 'intermediate.deleted',
          ...(step.requestNumber !== null ? { requestNumber: step.requestNumber } : {}),
          detail: { snapshotId: p.snapshotId, account: p.accountId, region: p.region },
        });
        await tellRequest(
          tx,
          d.notify,
          step,
          d.wording.intermediateDeleted({
            snapshotId: p.snapshotId,
            account: account.alias,
            region: p.region,
          }),
          { at, dedupeKey: `intermediate-deleted:${p.copyId}` },
        );
      });
    },
    async report(step: StepRecord, error: string, tx: Store) {
      const p = step.payload as DeleteIntermediatePayload;
      await tellRequest(
        tx,
        d.notify,
        step,
        d.wording.intermediateDeleteFailing({
          snapshotId: p.snapshotId,
          accountId: p.accountId,
          region: p.region,
          error,
        }),
        { at: d.now(), dedupeKey: `intermediate-delete-failed:${p.copyId}` },
      );
    },
  };
}
