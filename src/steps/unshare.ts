/**
 * Removing a share the bot added (SPEC §5.5): once no copy of the bot still needs it, after the
 * copy completes or fails, or its request is cancelled — also after a crash, since the step was
 * written with the change that ended the copy. A share that existed before is never removed: only
 * shares recorded as `owned` get this step.
 */
import type { AwsGateway } from '../aws/gateway.js';
import { findAccount } from '../domain/resolve.js';
import { roleSessionName } from '../domain/session-name.js';
import type { AccountConfig } from '../domain/types.js';
import type { Notifier } from '../messages/notifier.js';
import type { CopyRecord, ShareKey, StepRecord, Store } from '../store/port.js';
import { addFollowUp, tellRequest } from './follow-up.js';
import { scheduleIntermediateCleanup } from './intermediate.js';
import type { StepHandler } from './runner.js';
import type { StepWording } from './wording.js';

export interface UnsharePayload extends ShareKey {
  generation: number;
  requester: string;
}

export const UNSHARE_STEP = 'unshare';

/**
 * Inside the transaction that ends these copies: a removal step for each share the bot owns. Each
 * ending copy writes its own step (the step re-checks whether a copy still needs the share), so two
 * copies ending at once on two replicas never both decide that the other still needs it.
 */
export async function scheduleUnshares(
  tx: Store,
  copies: CopyRecord[],
  o: { at: Date; requester: string; afterCommit: () => void },
): Promise<void> {
  for (const copy of copies) {
    const key = {
      sourceRegion: copy.source.region,
      snapshotId: copy.source.snapshotId,
      destAccountId: copy.destination.accountId,
    };
    const share = await tx.getShare(key);
    if (!share?.owned || share.removedAt) continue;
    const payload: UnsharePayload = { ...key, generation: share.generation, requester: o.requester };
    await addFollowUp(
      tx,
      {
        kind: UNSHARE_STEP,
        payload,
        at: o.at,
        requestNumber: copy.requestNumber,
        dedupeKey: `unshare:${key.sourceRegion}:${key.snapshotId}:${key.destAccountId}:${share.generation}:${copy.id}`,
      },
      o.afterCommit,
    );
  }
}

export function unshareHandler(d: {
  store: Store;
  aws: Pick<AwsGateway, 'unshareSnapshot'>;
  accounts: AccountConfig[];
  notify: Notifier;
  wording: Pick<StepWording, 'unshareFailing'>;
  now: () => Date;
  /** A step was written (an intermediate copy's deletion, once its share is gone). */
  stepsAdded?: () => void;
}): StepHandler {
  return {
    async run(step: StepRecord) {
      const p = step.payload as UnsharePayload;
      // Begun only while no copy needs the share; a copy claimed from then on waits for the
      // removal to finish (the dispatcher's ensureShared), then shares anew.
      if (!(await d.store.beginShareRemoval({ ...p, at: d.now() }))) return;
      const share = await d.store.getShare(p);
      if (!share) return;
      const source = findAccount(d.accounts, share.sourceAccountId);
      if (!source) throw new Error(`account ${share.sourceAccountId} is no longer configured`);
      const session = roleSessionName({
        ...(step.requestNumber !== null ? { request: step.requestNumber } : {}),
        requester: p.requester,
        purpose: 'unshare',
      });
      await d.aws.unshareSnapshot(source, p.sourceRegion, p.snapshotId, p.destAccountId, session);
      await d.store.transaction(async (tx) => {
        // False: the share was taken back meanwhile (a removal that hung too long); that generation decides.
        if (!(await tx.markShareRemoved({ ...p, at: d.now() }))) return;
        await tx.appendAudit({
          at: d.now(),
          actor: 'bot',
          action: 'share.removed',
          ...(step.requestNumber !== null ? { requestNumber: step.requestNumber } : {}),
          detail: { snapshotId: p.snapshotId, region: p.sourceRegion, account: p.destAccountId },
        });
        // The share of a two-hop copy's intermediate is removed before the intermediate is deleted.
        if (step.requestNumber !== null) {
          await scheduleIntermediateCleanup(tx, step.requestNumber, {
            at: d.now(),
            requester: p.requester,
            afterCommit: () => d.stepsAdded?.(),
          });
        }
      });
    },
    async report(step: StepRecord, error: string, tx: Store) {
      const p = step.payload as UnsharePayload;
      await tellRequest(
        tx,
        d.notify,
        step,
        d.wording.unshareFailing({
          snapshotId: p.snapshotId,
          accountId: p.destAccountId,
          region: p.sourceRegion,
          error,
        }),
        { at: d.now(), dedupeKey: `unshare-failed:${p.snapshotId}:${p.destAccountId}:${p.generation}` },
      );
    },
  };
}
