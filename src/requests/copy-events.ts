import type { DrPolicyConfig } from '../config/schema.js';
import { findAccount } from '../domain/resolve.js';
import type { AccountConfig } from '../domain/types.js';
import type { CopyEvents } from '../engine/events.js';
import type { Notifier } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import { scheduleIntermediateCleanup } from '../steps/intermediate.js';
import { scheduleLock } from '../steps/lock.js';
import { scheduleRetention } from '../steps/retention.js';
import { scheduleUnshares } from '../steps/unshare.js';
import type { CopyChange, CopyRecord, Store } from '../store/port.js';
import { detailsKeyOf, readDetails } from './details.js';
import type { RequestWording } from './wording.js';

export interface CopyEventDeps {
  store: Store;
  accounts: AccountConfig[];
  notify: Notifier;
  /** What is said, in the words of the chat it is said in. */
  wording: RequestWording;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  /** A slot was freed: fill it at once (SPEC §6), not at the next tick. */
  slotFreed: () => void;
  /** A durable step was written: run it once committed. */
  stepsAdded: () => void;
  /** For their follow-up work after a copy completes (retention). */
  drPolicies?: DrPolicyConfig[];
}

/** The account ID inside a key ARN (`arn:aws:kms:region:account:key/…`), if it is an ARN. */
function keyAccount(keyId: string | undefined): string | undefined {
  return keyId?.startsWith('arn:') ? keyId.split(':')[4] : undefined;
}

/** Turns copy state changes into thread replies, message updates and follow-up work. */
export class CopyEventHandler implements CopyEvents {
  constructor(private readonly d: CopyEventDeps) {}

  async started({ copy, request }: CopyChange, tx: Store): Promise<void> {
    const { now, wording } = this.d;
    const notify = this.d.notify.within(tx);
    const at = now();
    await auditCopy(tx, 'copy.started', copy, at);
    await notify.reply(
      request.n,
      request.originChannel,
      wording.copyStarted(copy),
      at,
      `started:${copy.id}:${copy.newSnapshotId}`,
    );
    await notify.requestChanged(request.n, request.originChannel, at);
  }

  async requeued(
    { copy, request }: CopyChange,
    why: 'copy-limit' | 'throttled' | 'recovered',
    tx: Store,
  ): Promise<void> {
    const { now } = this.d;
    const notify = this.d.notify.within(tx);
    const at = now();
    if (why === 'copy-limit') {
      // Told once per request and destination: a quota busy for hours would otherwise repeat it on every refusal.
      const { account, accountId, region } = copy.destination;
      await notify.reply(
        request.n,
        request.originChannel,
        this.d.wording.copyLimitReached({ account, region }),
        at,
        `copy-limit:${request.n}:${accountId}:${region}`,
      );
    }
    await notify.requestChanged(request.n, request.originChannel, at);
  }

  async progressed(n: number): Promise<void> {
    const request = await this.d.store.getRequest(n);
    if (request) await this.d.notify.requestChanged(n, request.originChannel, this.d.now());
  }

  async completed(change: CopyChange, tx: Store): Promise<void> {
    const { copy, request } = change;
    const { now, metrics, wording } = this.d;
    const notify = this.d.notify.within(tx);
    metrics.copiesFinished.inc({ state: 'completed', code: '' });
    const at = now();
    await auditCopy(tx, 'copy.completed', copy, at, {
      encrypted: copy.result.encrypted,
      ...(copy.result.kmsKeyId ? { kmsKeyId: copy.result.kmsKeyId } : {}),
    });
    await notify.reply(
      request.n,
      request.originChannel,
      wording.copyCompleted(copy),
      at,
      `completed:${copy.id}`,
    );
    // Follow-up AWS work commits with the completion (SPEC §10): lock first, then retention. An
    // intermediate hop is neither: it is deleted once its final hops are done.
    if (copy.hop !== 'intermediate') {
      await scheduleLock(tx, copy, request, { at, afterCommit: this.d.stepsAdded });
      await scheduleRetention(tx, copy, request, {
        at,
        afterCommit: this.d.stepsAdded,
        retains: (policy) =>
          this.d.drPolicies?.some((p) => p.name === policy && p.retain !== undefined) ?? false,
      });
    }
    await this.finish(change, tx);
  }

  async failed(change: CopyChange, tx: Store): Promise<void> {
    const { copy, request } = change;
    const { now, metrics, accounts, wording } = this.d;
    const notify = this.d.notify.within(tx);
    const code = copy.failure?.code ?? 'unknown';
    metrics.copiesFinished.inc({ state: 'failed', code });
    const at = now();
    await auditCopy(tx, 'copy.failed', copy, at, { code, message: copy.failure?.message ?? '' });
    let text: string;
    if (code === 'key-not-accessible') {
      const destination = findAccount(accounts, copy.destination.accountId);
      const encryption = readDetails(request.details).encryption[detailsKeyOf(copy)];
      const targetKeyId = copy.kmsKeyId ?? encryption?.keyId;
      const sourceKeyAccountId = keyAccount(copy.source.kmsKeyId) ?? copy.source.accountId;
      text = wording.keyNotAccessible({
        copy,
        requesterId: request.requesterId,
        ...(targetKeyId ? { targetKeyId } : {}),
        ...(destination?.roleArn ? { destinationRoleArn: destination.roleArn } : {}),
        ...(copy.source.encrypted ? { sourceKeyAccountId } : {}),
      });
    } else {
      text = wording.copyFailed({ copy, requesterId: request.requesterId });
    }
    await notify.reply(request.n, request.originChannel, text, at, `failed:${copy.id}`);
    await this.finish(change, tx);
    if (copy.hop === 'intermediate') await this.failFinalHops(change, tx);
  }

  /** Without its intermediate copy a final hop has nothing to copy: it fails, saying why. */
  private async failFinalHops({ copy, request }: CopyChange, tx: Store): Promise<void> {
    for (const final of (await tx.getCopies(request.n)).filter((c) => c.afterCopyId === copy.id)) {
      const change = await tx.failCopy(final.id, {
        code: 'intermediate-failed',
        message: `the intermediate copy (hop 1 of 2) failed: ${copy.failure?.message ?? copy.failure?.code ?? 'unknown'}`,
        at: this.d.now(),
      });
      if (change) await this.failed(change, tx);
    }
  }

  /** After a copy ends: remove the share it used once nothing needs it, tell the request's end, refill the slot. */
  private async finish({ copy, request, requestStateChanged }: CopyChange, tx: Store): Promise<void> {
    const { now } = this.d;
    const notify = this.d.notify.within(tx);
    const at = now();
    await scheduleUnshares(tx, [copy], {
      at,
      requester: request.requesterId,
      afterCommit: this.d.stepsAdded,
    });
    await scheduleIntermediateCleanup(tx, request.n, {
      at,
      requester: request.requesterId,
      afterCommit: this.d.stepsAdded,
      ended: [copy],
    });
    await notify.requestChanged(request.n, request.originChannel, at);
    if (requestStateChanged && (request.state === 'completed' || request.state === 'failed')) {
      const copies = await tx.getCopies(request.n);
      const counts = {
        done: copies.filter((c) => c.state === 'completed').length,
        failed: copies.filter((c) => c.state === 'failed').length,
        total: copies.length,
      };
      await tx.appendAudit({
        at,
        actor: 'bot',
        action: `request.${request.state}`,
        requestNumber: request.n,
        detail: counts,
      });
      const text = this.d.wording.requestFinished({
        n: request.n,
        requesterId: request.requesterId,
        state: request.state,
        ...counts,
      });
      await notify.reply(request.n, request.originChannel, text, at, `finished:${request.n}`);
      await notify.homeChanged(request.requesterId, at);
    }
    tx.afterCommit(this.d.slotFreed);
  }
}

/**
 * A copy's start and end in the audit log (SPEC §10: a state change and its audit entry commit
 * together): which snapshot became which, where, and why one failed.
 */
function auditCopy(
  tx: Store,
  action: 'copy.started' | 'copy.completed' | 'copy.failed',
  copy: CopyRecord,
  at: Date,
  more: Record<string, unknown> = {},
): Promise<unknown> {
  return tx.appendAudit({
    at,
    actor: 'bot',
    action,
    requestNumber: copy.requestNumber,
    detail: {
      copy: copy.id,
      source: copy.source.snapshotId,
      destination: { accountId: copy.destination.accountId, region: copy.destination.region },
      ...(copy.newSnapshotId ? { snapshotId: copy.newSnapshotId } : {}),
      ...(copy.hop ? { hop: copy.hop } : {}),
      ...more,
    },
  });
}
