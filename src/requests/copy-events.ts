import { asAwsError } from '../aws/errors.js';
import type { AwsGateway } from '../aws/gateway.js';
import { findAccount } from '../domain/resolve.js';
import { roleSessionName } from '../domain/session-name.js';
import { type AccountConfig, requestLabel } from '../domain/types.js';
import type { CopyEvents } from '../engine/events.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import { escapeSlack, mention } from '../slack/blocks/format.js';
import { completedReply, failedReply, keyFailureReply, startedReply } from '../slack/blocks/thread.js';
import type { Notifier } from '../slack/outbox-messages.js';
import type { CopyChange, CopyRecord, RequestRecord, Store } from '../store/port.js';
import { copyKey, readDetails } from './details.js';
import { toCopyView } from './views.js';

export interface CopyEventDeps {
  store: Store;
  aws: AwsGateway;
  accounts: AccountConfig[];
  notify: Notifier;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  /** A slot was freed: fill it at once (SPEC §6), not at the next tick. */
  slotFreed: () => void;
}

const ACTIVE = ['queued', 'starting', 'copying'] as const;

/** The account ID inside a key ARN (`arn:aws:kms:region:account:key/…`), if it is an ARN. */
function keyAccount(keyId: string | undefined): string | undefined {
  return keyId?.startsWith('arn:') ? keyId.split(':')[4] : undefined;
}

/** Turns copy state changes into thread replies, message updates and follow-up work. */
export class CopyEventHandler implements CopyEvents {
  constructor(private readonly d: CopyEventDeps) {}

  async started({ copy, request }: CopyChange): Promise<void> {
    const { notify, now } = this.d;
    const view = toCopyView(
      copy,
      readDetails(request.details).encryption[copyKey(copy.source.snapshotId, copy.destination.region)],
    );
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
  ): Promise<void> {
    const { notify, now } = this.d;
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

  async completed(change: CopyChange): Promise<void> {
    const { copy, request } = change;
    const { notify, now, metrics } = this.d;
    metrics.copiesFinished.inc({ state: 'completed', code: '' });
    const at = now();
    await notify.reply(
      request.n,
      request.originChannel,
      completedReply(toCopyView(copy)),
      at,
      `completed:${copy.id}`,
    );
    await this.finish(change);
  }

  async failed(change: CopyChange): Promise<void> {
    const { copy, request } = change;
    const { notify, now, metrics, accounts } = this.d;
    const code = copy.failure?.code ?? 'unknown';
    metrics.copiesFinished.inc({ state: 'failed', code });
    const at = now();
    const view = toCopyView(copy);
    let text: string;
    if (code === 'key-not-accessible') {
      const destination = findAccount(accounts, copy.destination.accountId);
      const encryption = readDetails(request.details).encryption[
        copyKey(copy.source.snapshotId, copy.destination.region)
      ];
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
    await this.finish(change);
  }

  /** After a copy ends: unshare the source if nothing else needs it, tell the request's end, refill the slot. */
  private async finish({ copy, request, requestStateChanged }: CopyChange): Promise<void> {
    const { notify, now } = this.d;
    await this.unshareIfUnused(copy, request);
    const at = now();
    await notify.requestChanged(request.n, request.originChannel, at);
    if (requestStateChanged && (request.state === 'completed' || request.state === 'failed')) {
      const copies = await this.d.store.getCopies(request.n);
      const done = copies.filter((c) => c.state === 'completed').length;
      const failed = copies.filter((c) => c.state === 'failed').length;
      const text =
        request.state === 'completed'
          ? `:tada: ${mention(request.requesterId)} ${requestLabel(request.n)} completed: ${done} of ${copies.length} ${copies.length === 1 ? 'copy' : 'copies'} done.`
          : `:x: ${mention(request.requesterId)} ${requestLabel(request.n)} finished with ${failed} failed ${failed === 1 ? 'copy' : 'copies'} (${done} done). The replies above say what to fix.`;
      await notify.reply(request.n, request.originChannel, text, at, `finished:${request.n}`);
      await notify.homeChanged(request.requesterId, at);
    }
    this.d.slotFreed();
  }

  /**
   * The share exists only for the copy (SPEC §5.5): remove it once no copy of this source to that
   * account is still waiting or running, in any request.
   */
  private async unshareIfUnused(copy: CopyRecord, request: RequestRecord): Promise<void> {
    const source = findAccount(this.d.accounts, request.resolved.sourceAccount);
    if (!source || source.id === copy.destination.accountId) return;
    const active = await this.d.store.listCopies({
      states: [...ACTIVE],
      destAccountId: copy.destination.accountId,
    });
    if (
      active.some(
        (c) => c.source.snapshotId === copy.source.snapshotId && c.source.region === copy.source.region,
      )
    )
      return;
    try {
      await this.d.aws.unshareSnapshot(
        source,
        copy.source.region,
        copy.source.snapshotId,
        copy.destination.accountId,
        roleSessionName({ request: request.n, requester: request.requesterId, purpose: 'unshare' }),
      );
    } catch (err) {
      const e = asAwsError(err, 'unsharing a source');
      this.d.log.error(
        { copy: copy.id, code: e.code, err: e.message },
        'could not remove the share of a source snapshot',
      );
      await this.d.notify.reply(
        request.n,
        request.originChannel,
        `:warning: Could not remove the temporary share of \`${copy.source.snapshotId}\` with account ${copy.destination.accountId} (${e.message}). Remove it by hand: \`aws ec2 modify-snapshot-attribute --snapshot-id ${copy.source.snapshotId} --attribute createVolumePermission --operation-type remove --user-ids ${copy.destination.accountId} --region ${copy.source.region}\``,
        this.d.now(),
        `unshare-failed:${copy.source.snapshotId}:${copy.destination.accountId}`,
      );
    }
  }
}
