import pLimit from 'p-limit';
import { asAwsError } from '../aws/errors.js';
import type { AwsGateway, SnapshotStatus } from '../aws/gateway.js';
import { findAccount } from '../domain/resolve.js';
import { roleSessionName } from '../domain/session-name.js';
import type { AccountConfig } from '../domain/types.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { CopyRecord, InFlightGroup, Store } from '../store/port.js';
import { type CopyEvents, changeAndTell } from './events.js';

export interface PollerDeps {
  store: Store;
  aws: AwsGateway;
  accounts: AccountConfig[];
  events: CopyEvents;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  /**
   * A copy AWS just accepted may not be listed yet (DescribeSnapshots is eventually consistent);
   * it counts as missing only after this long.
   */
  missingGraceMs?: number;
}

export const POLLER_SESSION = roleSessionName({ purpose: 'poller' });

/**
 * (account, Region) pairs polled at once. A fleet of 40 accounts in 6 Regions would otherwise send
 * 240 DescribeSnapshots (and, once an hour, 40 AssumeRoles) in the same instant and hold all their
 * answers in memory together; 8 at a time still polls hundreds of pairs well inside a 30 s tick.
 */
export const POLL_CONCURRENCY = 8;

/**
 * Carries copies in flight forward (SPEC §8): one DescribeSnapshots per destination account and
 * Region per tick, covering every copy in flight there (filtered by snapshot ID, paginated by the
 * gateway), never one call per copy.
 */
export class Poller {
  private readonly limit = pLimit(POLL_CONCURRENCY);

  constructor(private readonly d: PollerDeps) {}

  async tick(): Promise<{ groups: number; copies: number }> {
    const groups = await this.d.store.listInFlightCopies();
    await Promise.all(groups.map((g) => this.limit(() => this.pollGroup(g))));
    return { groups: groups.length, copies: groups.reduce((n, g) => n + g.copies.length, 0) };
  }

  private async pollGroup(group: InFlightGroup): Promise<void> {
    const { aws, log, metrics } = this.d;
    const account = findAccount(this.d.accounts, group.accountId);
    if (!account) {
      log.error(
        { accountId: group.accountId },
        'copies in flight in an account that is no longer configured',
      );
      return;
    }
    const ids = group.copies.map((c) => c.newSnapshotId).filter((id): id is string => !!id);
    let statuses: SnapshotStatus[];
    try {
      statuses = await aws.snapshotStatuses(account, group.region, ids, POLLER_SESSION);
      metrics.awsCalls.inc({ action: 'DescribeSnapshots', outcome: 'ok' });
    } catch (err) {
      // Nothing is failed for a poll that did not get through: the next tick asks again.
      const e = asAwsError(err, 'polling copies');
      metrics.awsCalls.inc({ action: 'DescribeSnapshots', outcome: e.code });
      log.warn(
        { account: account.alias, region: group.region, code: e.code, err: e.message },
        'poll failed; will retry next tick',
      );
      return;
    }
    const byId = new Map(statuses.map((s) => [s.snapshotId, s]));
    const progressed = new Set<number>();
    for (const copy of group.copies) {
      const status = copy.newSnapshotId ? byId.get(copy.newSnapshotId) : undefined;
      if (await this.apply(copy, status)) progressed.add(copy.requestNumber);
    }
    for (const n of progressed) await this.d.events.progressed(n);
  }

  /** Returns true when only the percentage moved (the request message is refreshed once per tick). */
  private async apply(copy: CopyRecord, status: SnapshotStatus | undefined): Promise<boolean> {
    const { store, events, now } = this.d;
    const at = now();
    if (!status) {
      const since = copy.startedAt?.getTime() ?? at.getTime();
      if (at.getTime() - since < (this.d.missingGraceMs ?? 120_000)) return false;
      await changeAndTell(
        store,
        (tx) =>
          tx.failCopy(copy.id, {
            code: 'copy-missing',
            message: `The copy ${copy.newSnapshotId} no longer exists in ${copy.destination.account} ${copy.destination.region}; it was deleted before it completed.`,
            at,
          }),
        (c, tx) => events.failed(c, tx),
      );
      return false;
    }
    switch (status.state) {
      case 'completed': {
        await changeAndTell(
          store,
          (tx) => tx.completeCopy(copy.id, { at, ...status.result }),
          (c, tx) => events.completed(c, tx),
        );
        return false;
      }
      case 'error': {
        await changeAndTell(
          store,
          (tx) =>
            tx.failCopy(copy.id, {
              code: status.failureCode === 'key-not-accessible' ? 'key-not-accessible' : 'copy-error',
              message: status.stateMessage ?? 'AWS ended the copy in the error state without a message',
              at,
            }),
          (c, tx) => events.failed(c, tx),
        );
        return false;
      }
      default:
        // A copy of hours moves a percent every few ticks: an unchanged one needs no write at all.
        if (copy.progress === status.progress) return false;
        return store.recordProgress(copy.id, { progress: status.progress, at });
    }
  }
}
