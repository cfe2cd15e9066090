/**
 * The inbox (SPEC §10): what Slack was told is accepted is never lost. A listener records the
 * intent (leased to its own process, in the same write), then acks, then asks the inbox to carry
 * it out; the handler writes the intent's consequences and marks it done in one transaction. An
 * intent left unfinished by a crash (or by an error) is carried out again by whichever process
 * finds its lease lapsed: at start, and on every engine tick.
 */
import pLimit from 'p-limit';
import { backoffMs } from '../domain/backoff.js';
import type { Logger } from '../observability/log.js';
import type { IntentRecord, NewIntent, RecordedIntent, Store } from '../store/port.js';

export interface InboxDeps {
  store: Store;
  owner: string;
  now: () => Date;
  log: Logger;
  /** Carries an intent out; must call `tx.completeIntent` in the transaction of its consequences. */
  handle: (intent: IntentRecord) => Promise<void>;
  /** How long a process may work on an intent before another takes it over (default 2 min). */
  leaseMs?: number;
  /** The processes alive now: an intent leased by any other is taken over without waiting out the lease. */
  liveOwners?: () => Promise<readonly string[]>;
  /**
   * Resolves once the Slack requests arriving now are answered (`slack/ack-first.ts`). An intent
   * waits for it before its first query: in a burst of commands, even one look-up per intent run
   * between the acks delays them (on PostgreSQL, its server shares the machine's CPU).
   */
  acksFirst?: () => Promise<void>;
}

/** What `record` wrote: a fresh intent comes with the intent itself, leased to this process. */
export type Recorded = RecordedIntent;

/** Intents carried out at once when resuming: each may make a few AWS calls. */
const RESUME_CONCURRENCY = 4;

export class Inbox {
  private readonly inFlight = new Set<Promise<void>>();
  /** Intents this process is carrying out: `resume` leaves them alone, whatever their lease says. */
  private readonly carrying = new Set<number>();
  private readonly resumeLimit = pLimit(RESUME_CONCURRENCY);

  constructor(private readonly d: InboxDeps) {}

  private get leaseMs(): number {
    return this.d.leaseMs ?? 120_000;
  }

  /**
   * Before the ack. A fresh intent is recorded leased to this process, which carries it out right
   * after the ack (`run`); a second delivery of the same interaction is recorded once and comes
   * back without an intent to run.
   */
  record(i: Omit<NewIntent, 'at' | 'lease'>): Promise<Recorded> {
    const at = this.d.now();
    return this.d.store.recordIntent({
      ...i,
      at,
      lease: { owner: this.d.owner, until: new Date(at.getTime() + this.leaseMs) },
    });
  }

  /** After the ack: carries out the intent `record` leased to this process, in the background. Never rejects. */
  run(intent: IntentRecord): void {
    const work = this.carryOut(intent).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Intents nobody is working on (a dead process's, a failed try's): carried out now. */
  async resume(atStart = false): Promise<number> {
    const { store, owner, now } = this.d;
    const intents = await store.claimUnfinishedIntents({
      owner,
      now: now(),
      leaseMs: this.leaseMs,
      limit: 100,
      ignoreLeases: atStart && !store.capabilities.sharedAcrossProcesses,
      ...(this.d.liveOwners ? { liveOwners: await this.d.liveOwners() } : {}),
      exclude: [...this.carrying],
    });
    if (intents.length) this.d.log.info({ intents: intents.length }, 'carrying out recorded Slack intents');
    await Promise.all(intents.map((i) => this.resumeLimit(() => this.carryOut(i))));
    return intents.length;
  }

  /** Waits for the intents being carried out (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async carryOut(intent: IntentRecord): Promise<void> {
    const { store, now, log } = this.d;
    this.carrying.add(intent.id);
    // A long one (a filing queued behind a burst of others) keeps its lease, so that no other
    // replica starts it again meanwhile.
    const renewal = setInterval(() => {
      store
        .renewIntentLease(intent.id, { owner: this.d.owner, until: new Date(now().getTime() + this.leaseMs) })
        .catch((err: unknown) =>
          log.warn({ err, intent: intent.id }, 'could not renew the lease of an intent'),
        );
    }, this.leaseMs / 3);
    renewal.unref();
    try {
      await this.d.acksFirst?.();
      await this.d.handle(intent);
    } catch (err) {
      const retryAt = new Date(
        now().getTime() + backoffMs(intent.attempts, { baseMs: 2_000, capMs: 60_000, random: Math.random() }),
      );
      log.error(
        { err, intent: intent.id, kind: intent.kind, retryAt },
        'carrying out an intent failed; it is retried',
      );
      await store
        .releaseIntent(intent.id, { error: err instanceof Error ? err.message : String(err), retryAt })
        .catch((releaseError: unknown) =>
          log.error(
            { err: releaseError, intent: intent.id },
            'could not hand an intent back; its lease lapses',
          ),
        );
    } finally {
      clearInterval(renewal);
      this.carrying.delete(intent.id);
    }
  }
}
