/**
 * Retention of a DR policy's copies (SPEC §9): after each policy copy completes, the policy's
 * older copies of that volume in the destination beyond `retain` are deleted. Candidates are the
 * snapshots tagged for the policy and volume THAT the bot's own records say it made for the policy
 * — a hand-made snapshot with the same tags is never touched — minus the newest and every locked
 * one (DescribeLockedSnapshots). A deletion AWS refuses is audited and told once, not retried.
 */
import { AwsError } from '../aws/errors.js';
import type { AwsGateway } from '../aws/gateway.js';
import type { DrPolicyConfig } from '../config/schema.js';
import { findAccount } from '../domain/resolve.js';
import { type RetentionCandidate, retentionPlan } from '../domain/retention.js';
import { roleSessionName } from '../domain/session-name.js';
import { type AccountConfig, PROVENANCE_TAGS } from '../domain/types.js';
import type { Notifier } from '../messages/notifier.js';
import type { CopyRecord, RequestRecord, StepRecord, Store } from '../store/port.js';
import { addFollowUp, tellRequest } from './follow-up.js';
import type { StepHandler } from './runner.js';
import type { StepWording } from './wording.js';

export const RETENTION_STEP = 'retention';

export interface RetentionPayload {
  policy: string;
  /** The provenance volume the copies are of (`snapshot-copy:source-volume`). */
  volume: string;
  destAccountId: string;
  region: string;
}

/** Inside the transaction that completes a policy copy: clean up that volume's older copies. */
export async function scheduleRetention(
  tx: Store,
  copy: CopyRecord,
  request: RequestRecord,
  o: { at: Date; afterCommit: () => void; retains: (policy: string) => boolean },
): Promise<void> {
  if (request.policyName === null || !o.retains(request.policyName)) return;
  const payload: RetentionPayload = {
    policy: request.policyName,
    volume: copy.source.volumeId,
    destAccountId: copy.destination.accountId,
    region: copy.destination.region,
  };
  await addFollowUp(
    tx,
    { kind: RETENTION_STEP, payload, at: o.at, requestNumber: request.n, dedupeKey: `retention:${copy.id}` },
    o.afterCommit,
  );
}

/** Retrying cannot change these answers: a lock, a missing permission, a snapshot AWS will not delete. */
const FINAL_REFUSALS = new Set(['locked', 'unauthorized', 'invalid-parameter', 'incorrect-state']);

export function retentionHandler(d: {
  store: Store;
  aws: Pick<AwsGateway, 'findSnapshotsByTags' | 'lockedSnapshots' | 'deleteSnapshot'>;
  accounts: AccountConfig[];
  policies: DrPolicyConfig[];
  notify: Notifier;
  wording: Pick<StepWording, 'retentionFailing' | 'retentionRefused'>;
  now: () => Date;
}): StepHandler {
  return {
    async run(step: StepRecord) {
      const p = step.payload as RetentionPayload;
      const policy = d.policies.find((x) => x.name === p.policy);
      if (!policy?.retain) return;
      const account = findAccount(d.accounts, p.destAccountId);
      if (!account) throw new Error(`account ${p.destAccountId} is no longer configured`);
      const session = roleSessionName({ purpose: `retention-${p.policy}` });

      const tagged = await d.aws.findSnapshotsByTags(
        account,
        p.region,
        [
          { key: PROVENANCE_TAGS.policy, value: p.policy },
          { key: PROVENANCE_TAGS.sourceVolume, value: p.volume },
        ],
        session,
      );
      const ours = new Map<string, CopyRecord>();
      const copies = await d.store.listCopies({
        policyName: p.policy,
        destAccountId: p.destAccountId,
        destRegion: p.region,
        states: ['completed'],
        limit: 5_000,
      });
      for (const c of copies)
        if (c.newSnapshotId && c.source.volumeId === p.volume) ours.set(c.newSnapshotId, c);
      const deleted = new Set(
        (await d.store.listRetentionDeletions({ policyName: p.policy })).map((x) => x.snapshotId),
      );
      const present = tagged.filter(
        (s) => s.state === 'completed' && ours.has(s.snapshotId) && !deleted.has(s.snapshotId),
      );
      const locks = await d.aws.lockedSnapshots(
        account,
        p.region,
        present.map((s) => s.snapshotId),
        session,
      );
      const locked = new Set(locks.filter((l) => l.state !== 'expired').map((l) => l.snapshotId));
      const candidates: RetentionCandidate[] = present.map((s) => ({
        snapshotId: s.snapshotId,
        completedAt: ours.get(s.snapshotId)?.completedAt ?? s.startTime,
        locked: locked.has(s.snapshotId),
      }));
      const plan = retentionPlan(candidates, policy.retain, d.now());

      let retryable: AwsError | undefined;
      for (const snapshotId of plan.delete) {
        const copy = ours.get(snapshotId) as CopyRecord;
        try {
          await d.aws.deleteSnapshot(account, p.region, snapshotId, session);
        } catch (err) {
          const e = err instanceof AwsError ? err : new AwsError('unknown', String(err));
          if (e.code === 'not-found') {
            // Gone already (deleted by hand, or by this step before a crash): record it as done.
          } else if (FINAL_REFUSALS.has(e.code) || !e.retryable) {
            await refused(d, step, p, snapshotId, e);
            continue;
          } else {
            retryable = e;
            continue;
          }
        }
        await d.store.transaction(async (tx) => {
          const first = await tx.recordRetentionDeletion({
            snapshotId,
            copyId: copy.id,
            policyName: p.policy,
            destAccountId: p.destAccountId,
            destRegion: p.region,
            at: d.now(),
          });
          if (!first) return;
          await tx.appendAudit({
            at: d.now(),
            actor: `policy:${p.policy}`,
            action: 'retention.deleted',
            requestNumber: copy.requestNumber,
            detail: {
              snapshotId,
              volume: p.volume,
              account: p.destAccountId,
              region: p.region,
              rule: policy.retain,
            },
          });
        });
      }
      if (retryable) throw retryable;
    },
    async report(step: StepRecord, error: string, tx: Store) {
      const p = step.payload as RetentionPayload;
      await tellRequest(
        tx,
        d.notify,
        step,
        d.wording.retentionFailing({ policy: p.policy, volume: p.volume, error }),
        { at: d.now(), dedupeKey: `retention-failing:${step.id}` },
      );
    },
  };
}

async function refused(
  d: { store: Store; notify: Notifier; wording: Pick<StepWording, 'retentionRefused'>; now: () => Date },
  step: StepRecord,
  p: RetentionPayload,
  snapshotId: string,
  e: AwsError,
): Promise<void> {
  await d.store.transaction(async (tx) => {
    await tx.appendAudit({
      at: d.now(),
      actor: `policy:${p.policy}`,
      action: 'retention.refused',
      ...(step.requestNumber !== null ? { requestNumber: step.requestNumber } : {}),
      detail: { snapshotId, code: e.code, error: e.message },
    });
    await tellRequest(
      tx,
      d.notify,
      step,
      d.wording.retentionRefused({ policy: p.policy, snapshotId, code: e.code, error: e.message }),
      { at: d.now(), dedupeKey: `retention-refused:${snapshotId}` },
    );
  });
}
