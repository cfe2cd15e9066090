import type { DrPolicyConfig } from '../config/schema.js';
import { findAccount } from '../domain/resolve.js';
import { type AccountConfig, requestLabel } from '../domain/types.js';
import type { CopyEvents } from '../engine/events.js';
import type { Notifier } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import { escapeSlack, mention } from '../slack/blocks/format.js';
import { completedReply, failedReply, keyFailureReply, startedReply } from '../slack/blocks/thread.js';
import { scheduleIntermediateCleanup } from '../steps/intermediate.js';
import { scheduleLock } from '../steps/lock.js';
import { scheduleRetention } from '../steps/retention.js';
import { scheduleUnshares } from '../steps/unshare.js';
import type { CopyChange, Store } from '../store/port.js';
import { detailsKeyOf, readDetails } from './details.js';
import { toCopyView } from './views.js';

export interface CopyEventDeps {
  store: Store;
  accounts: AccountConfig[];
  notify: Notifier;
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
    const { now } = this.d;
    const notify = this.d.notify.within(tx);
    const view = toCopyView(copy, readDetails(request.details).encryption[detailsKeyOf(copy)]);
    const at = now();
    await notify.reply(
      request.n,
      request.originChannel,
      startedReply(view),
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
        `:double_vertical_bar: AWS's concurrent copy limit for ${escapeSlack(account)} ${region} is reached (copies made by AWS Backup, DLM or people count too). Copies to ${region} wait in the queue and start as slots free up; nothing failed.`,
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
    const { now, metrics } = this.d;
    const notify = this.d.notify.within(tx);
    metrics.copiesFinished.inc({ state: 'completed', code: '' });
    const at = now();
    await notify.reply(
      request.n,
      request.originChannel,
      completedReply(toCopyView(copy)),
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
    const { now, metrics, accounts } = this.d;
    const notify = this.d.notify.within(tx);
    const code = copy.failure?.code ?? 'unknown';
    metrics.copiesFinished.inc({ state: 'failed', code });
    const at = now();
    const view = toCopyView(copy);
    let text: string;
    if (code === 'key-not-accessible') {
      const destination = findAccount(accounts, copy.destination.accountId);
      const encryption = readDetails(request.details).encryption[detailsKeyOf(copy)];
      const targetKeyId = copy.kmsKeyId ?? encryption?.keyId;
      const sourceKeyAccountId = keyAccount(copy.source.kmsKeyId) ?? copy.source.accountId;
      text = keyFailureReply({
        copy: view,
        requesterId: request.requesterId,
        ...(targetKeyId ? { targetKeyId } : {}),
        ...(destination?.roleArn ? { destinationRoleArn: destination.roleArn } : {}),
        ...(copy.source.encrypted ? { sourceKeyAccountId } : {}),
      });
    } else {
      text = failedReply(view, request.requesterId);
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
      const done = copies.filter((c) => c.state === 'completed').length;
      const failed = copies.filter((c) => c.state === 'failed').length;
      const text =
        request.state === 'completed'
          ? `:tada: ${mention(request.requesterId)} ${requestLabel(request.n)} completed: ${done} of ${copies.length} ${copies.length === 1 ? 'copy' : 'copies'} done.`
          : `:x: ${mention(request.requesterId)} ${requestLabel(request.n)} finished with ${failed} failed ${failed === 1 ? 'copy' : 'copies'} (${done} done). The replies above say what to fix.`;
      await notify.reply(request.n, request.originChannel, text, at, `finished:${request.n}`);
      await notify.homeChanged(request.requesterId, at);
    }
    tx.afterCommit(this.d.slotFreed);
  }
}
