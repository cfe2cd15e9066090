/**
 * Restore drills (SPEC §9): the newest completed copy of a DR policy is restored into a volume
 * (`CreateVolume` in the policy's Availability Zone, tagged `snapshot-copy:drill`), timed until
 * `available`, and deleted again. The whole drill is one durable step: a crash at any point is
 * carried on by whichever process is alive — CreateVolume's ClientToken finds a volume whose
 * answer was lost, and the volume is always deleted in the end.
 */
import { AwsError } from '../aws/errors.js';
import type { AwsGateway } from '../aws/gateway.js';
import type { DrPolicyConfig } from '../config/schema.js';
import { findAccount } from '../domain/resolve.js';
import { roleSessionName } from '../domain/session-name.js';
import { type AccountConfig, DRILL_TAG } from '../domain/types.js';
import type { CopyRecord, DrillRecord, StepRecord, Store } from '../store/port.js';
import { type StepHandler, StepWaiting } from './runner.js';
import type { DrillFailure, StepWording } from './wording.js';

export const DRILL_STEP = 'drill';

export interface DrillPayload {
  drillId: number;
}

/** How often a volume being created is looked at. */
export const DRILL_POLL_MS = 15_000;

/** Starts a drill of the policy unless one is still open (on any replica); the step does the rest. */
export async function startDrill(
  store: Store,
  policy: DrPolicyConfig,
  o: { slot: Date; at: Date; afterCommit: () => void },
): Promise<DrillRecord | undefined> {
  const drill = policy.drill;
  if (!drill) return undefined;
  return store.transaction(async (tx) => {
    const started = await tx.startDrill({
      policyName: policy.name,
      slot: o.slot,
      availabilityZone: drill.availabilityZone,
      at: o.at,
    });
    if (!started) {
      await tx.appendAudit({
        at: o.at,
        actor: `policy:${policy.name}`,
        action: 'drill.skipped',
        detail: {
          policy: policy.name,
          slot: o.slot.toISOString(),
          why: 'a drill of this policy is still running',
        },
      });
      return undefined;
    }
    await tx.addStep({
      kind: DRILL_STEP,
      payload: { drillId: started.id } satisfies DrillPayload,
      at: o.at,
      dedupeKey: `drill:${started.id}`,
    });
    await tx.appendAudit({
      at: o.at,
      actor: `policy:${policy.name}`,
      action: 'drill.started',
      detail: { policy: policy.name, drill: started.id, zone: drill.availabilityZone },
    });
    tx.afterCommit(o.afterCommit);
    return started;
  });
}

/** The newest completed copy retention has not deleted. */
async function newestCopy(
  store: Store,
  policy: string,
  accountId: string,
  region: string,
): Promise<CopyRecord | undefined> {
  const copies = await store.listCopies({
    policyName: policy,
    destAccountId: accountId,
    destRegion: region,
    states: ['completed'],
    limit: 500,
  });
  const deleted = new Set(
    (await store.listRetentionDeletions({ policyName: policy })).map((d) => d.snapshotId),
  );
  return copies
    .filter((c) => c.newSnapshotId !== null && c.completedAt !== null && !deleted.has(c.newSnapshotId))
    .sort((a, b) => (b.completedAt?.getTime() ?? 0) - (a.completedAt?.getTime() ?? 0))[0];
}

/** Why a volume went to `error`: the KMS key the copy is encrypted with, when it is. */
function volumeError(copy: CopyRecord | undefined, account: AccountConfig): DrillFailure {
  const keyId = copy?.result.kmsKeyId ?? copy?.kmsKeyId ?? undefined;
  return {
    kind: 'volume-error',
    account: { alias: account.alias, id: account.id },
    ...(keyId ? { keyId } : {}),
    encrypted: copy?.result.encrypted === true,
  };
}

/** Where a drill restores: the policy's destination, through the bot's role there. */
interface DrillTarget {
  policy: DrPolicyConfig;
  account: AccountConfig;
  region: string;
  session: string;
}

export function drillHandler(d: {
  store: Store;
  aws: Pick<AwsGateway, 'createVolume' | 'describeVolume' | 'deleteVolume'>;
  accounts: AccountConfig[];
  policies: DrPolicyConfig[];
  wording: Pick<StepWording, 'drillFailure'>;
  now: () => Date;
  pollMs?: number;
}): StepHandler {
  const audit = (tx: Store, drill: DrillRecord, action: string, detail: Record<string, unknown>) =>
    tx.appendAudit({
      at: d.now(),
      actor: `policy:${drill.policyName}`,
      action,
      detail: { policy: drill.policyName, drill: drill.id, ...detail },
    });

  const fail = (drill: DrillRecord, why: DrillFailure) =>
    d.store.transaction(async (tx) => {
      const failure = d.wording.drillFailure(why);
      await tx.updateDrill(drill.id, {
        state: 'failed',
        failure,
        ...(drill.volumeId ? {} : { finishedAt: d.now() }),
      });
      await audit(tx, drill, 'drill.failed', { failure });
    });

  const cleanUp = async (drill: DrillRecord, t: DrillTarget) => {
    if (drill.volumeId && drill.destRegion) {
      await d.aws.deleteVolume(t.account, drill.destRegion, drill.volumeId, t.session);
    }
    await d.store.transaction(async (tx) => {
      await tx.updateDrill(drill.id, { finishedAt: d.now() });
      if (drill.volumeId) await audit(tx, drill, 'drill.volume-deleted', { volumeId: drill.volumeId });
    });
  };

  const targetOf = (drill: DrillRecord): DrillTarget | undefined => {
    const policy = d.policies.find((p) => p.name === drill.policyName);
    const account = policy ? findAccount(d.accounts, policy.destination.account) : undefined;
    if (!policy || !account) return undefined;
    const session = roleSessionName({ purpose: `drill-${policy.name}` });
    return { policy, account, region: policy.destination.region, session };
  };

  /** The copy the drill restores, chosen once: the newest when it starts. Undefined: failed. */
  const withSnapshot = async (drill: DrillRecord, t: DrillTarget): Promise<DrillRecord | undefined> => {
    if (drill.snapshotId !== null) return drill;
    const copy = await newestCopy(d.store, t.policy.name, t.account.id, t.region);
    if (!copy?.newSnapshotId) {
      await fail(drill, { kind: 'nothing-to-restore' });
      return undefined;
    }
    await d.store.updateDrill(drill.id, {
      snapshotId: copy.newSnapshotId,
      destAccountId: t.account.id,
      destRegion: t.region,
    });
    return { ...drill, snapshotId: copy.newSnapshotId, destAccountId: t.account.id, destRegion: t.region };
  };

  /** The restored volume, created once. Undefined: AWS refused it for good, and the drill failed. */
  const withVolume = async (drill: DrillRecord, t: DrillTarget): Promise<DrillRecord | undefined> => {
    if (drill.volumeId !== null) return drill;
    const snapshotId = drill.snapshotId as string;
    try {
      const volume = await d.aws.createVolume(
        t.account,
        t.region,
        {
          snapshotId,
          availabilityZone: drill.availabilityZone,
          // A retry after a lost answer (or a crash) gets the same volume, never a second one.
          clientToken: `snapshot-copy-drill-${drill.id}`,
          tags: [
            { key: DRILL_TAG, value: t.policy.name },
            { key: 'snapshot-copy:drill-id', value: String(drill.id) },
            { key: 'Name', value: `restore drill of ${t.policy.name}` },
          ],
        },
        t.session,
      );
      await d.store.transaction(async (tx) => {
        await tx.updateDrill(drill.id, { volumeId: volume.volumeId });
        await audit(tx, drill, 'drill.volume-created', { volumeId: volume.volumeId, snapshotId });
      });
      return { ...drill, volumeId: volume.volumeId };
    } catch (err) {
      if (err instanceof AwsError && !err.retryable) {
        await fail(drill, { kind: 'create-refused', code: err.code, error: err.message });
        return undefined;
      }
      throw err;
    }
  };

  /** Waits while the volume is being created, then records how it ended and deletes it. */
  const finish = async (drill: DrillRecord, t: DrillTarget): Promise<void> => {
    const snapshotId = drill.snapshotId as string;
    const volumeId = drill.volumeId as string;
    const volume = await d.aws.describeVolume(t.account, t.region, volumeId, t.session);
    if (volume?.state === 'creating') {
      throw new StepWaiting(new Date(d.now().getTime() + (d.pollMs ?? DRILL_POLL_MS)));
    }
    if (volume?.state === 'available' || volume?.state === 'in-use') {
      const at = d.now();
      const minutes = Math.max(0, (at.getTime() - drill.startedAt.getTime()) / 60_000);
      await d.store.transaction(async (tx) => {
        await tx.updateDrill(drill.id, { state: 'succeeded', availableAt: at, minutes });
        await audit(tx, drill, 'drill.succeeded', { volumeId, snapshotId, minutes });
      });
    } else {
      const copies = await d.store.listCopies({
        policyName: t.policy.name,
        destAccountId: t.account.id,
        destRegion: t.region,
        states: ['completed'],
        limit: 500,
      });
      const copy = copies.find((c) => c.newSnapshotId === snapshotId);
      await fail(drill, volume === undefined ? { kind: 'volume-vanished' } : volumeError(copy, t.account));
    }
    await cleanUp(drill, t);
  };

  return {
    async run(step: StepRecord): Promise<void> {
      const { drillId } = step.payload as DrillPayload;
      const drill = await d.store.getDrill(drillId);
      if (!drill || drill.finishedAt) return;
      const target = targetOf(drill);
      if (!target) {
        await d.store.updateDrill(drill.id, {
          state: 'failed',
          failure: d.wording.drillFailure({ kind: 'policy-gone' }),
          finishedAt: d.now(),
        });
        return;
      }
      if (drill.state !== 'running') return cleanUp(drill, target);
      const restoring = await withSnapshot(drill, target);
      if (!restoring) return;
      const created = await withVolume(restoring, target);
      if (created) await finish(created, target);
    },
    async report(step: StepRecord, error: string, tx: Store) {
      // The DR report shows it: the drill stays open (no second drill starts) until this is fixed.
      const { drillId } = step.payload as DrillPayload;
      await tx.updateDrill(drillId, {
        failure: d.wording.drillFailure({ kind: 'keeps-failing', error }),
      });
    },
  };
}
