import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/port.js';
import type { Dispatcher } from './dispatcher.js';
import type { Poller } from './poller.js';

export interface EngineDeps {
  store: Store;
  dispatcher: Dispatcher;
  poller: Poller;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  pollIntervalMs: number;
  /** Periodic housekeeping besides polling: expiring unapproved requests. */
  sweep: () => Promise<unknown>;
  /** Durable follow-up steps (unshares): run every tick, and at once when written. */
  steps?: { kick(): Promise<void> };
  /** Recorded Slack intents left unfinished (a dead process's, a failed try's). */
  inbox?: { resume(atStart: boolean): Promise<number> };
  /** This process's identity in claims and heartbeats. */
  owner: string;
  /** A replica not heard from for this long is dead: its unconfirmed claims are taken over. */
  replicaStaleMs: number;
  /**
   * Last resort: a copy left `starting` this long is taken over even if its replica still
   * heartbeats (a replica stuck on one call must not hold a copy forever).
   */
  orphanAfterMs: number;
}

/**
 * The loops (STYLE: long work as steps): the poller carries copies forward every interval; the
 * dispatcher fills slots on every kick (approval, completion) and after every tick; nothing holds
 * a lock or a connection while AWS works.
 */
const OWN_CLAIM_GRACE_MS = 10_000;

export class Engine {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;
  private resuming: Promise<unknown> | undefined;

  constructor(private readonly d: EngineDeps) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.d.store.heartbeat({ owner: this.d.owner, at: this.d.now() });
    await this.recover(true);
    // Neither rejects: a failure is logged and the next tick tries again.
    void this.d.dispatcher.kick();
    void this.d.steps?.kick();
    if (this.d.inbox) {
      const inbox = this.d.inbox;
      this.resuming = inbox.resume(true).catch((err: unknown) => {
        this.d.log.error({ err }, 'carrying out recorded intents failed; the next tick tries again');
      });
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await this.resuming;
    await this.d.dispatcher.idle();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule();
      });
    }, this.d.pollIntervalMs);
  }

  /** One round of everything periodic; public for tests and the bench. */
  async tick(): Promise<void> {
    const { log } = this.d;
    for (const [name, step] of [
      ['heartbeat', () => this.d.store.heartbeat({ owner: this.d.owner, at: this.d.now() })],
      ['poll', () => this.d.poller.tick()],
      ['recover', () => this.recover(false)],
      ['sweep', () => this.d.sweep()],
      ['intents', () => this.d.inbox?.resume(false)],
      ['steps', () => this.d.steps?.kick()],
      ['dispatch', () => this.d.dispatcher.kick()],
      ['gauges', () => this.gauges()],
    ] as const) {
      try {
        await step();
      } catch (err) {
        log.error({ err, step: name }, 'engine step failed; it runs again next tick');
      }
    }
  }

  /**
   * Copies left `starting` (a crash, a lost CopySnapshot answer, a database blip while recording)
   * go back to the queue keeping their place; when claimed again the dispatcher first looks them up
   * by their provenance tags, so a copy AWS already made is adopted rather than made twice. Taken
   * over: this process's own that it is not starting right now; those of a replica that stopped
   * heartbeating; all of them at start-up on a store no other process uses; and, as a last resort,
   * any left longer than `orphanAfterMs`.
   */
  async recover(atStart: boolean): Promise<number> {
    const { store, dispatcher, now, owner } = this.d;
    const starting = await store.listStartingCopies();
    if (starting.length === 0) return 0;
    const at = now();
    const alone = atStart && !store.capabilities.sharedAcrossProcesses;
    const live = await store.liveReplicas(new Date(at.getTime() - this.d.replicaStaleMs));
    let recovered = 0;
    for (const copy of starting) {
      if (dispatcher.inProgress.has(copy.id)) continue;
      const claimer = copy.claimOwner;
      const age = at.getTime() - (copy.claimedAt?.getTime() ?? 0);
      const orphan =
        alone ||
        // Own copies get a moment's grace: one claimed this instant may not be marked in progress yet.
        (claimer === owner && age >= OWN_CLAIM_GRACE_MS) ||
        claimer === null ||
        (claimer !== owner && !live.has(claimer)) ||
        age >= this.d.orphanAfterMs;
      if (!orphan) continue;
      const change = await store.requeueCopy(copy.id, {
        at,
        holdDestination: false,
        reason: 'recovering an unconfirmed start',
      });
      if (change) recovered++;
    }
    if (recovered) {
      this.d.log.info(
        { recovered },
        'requeued copies whose start was not confirmed; they are looked up by tag before any new copy',
      );
    }
    return recovered;
  }

  private async gauges(): Promise<void> {
    const { metrics } = this.d;
    metrics.copiesInFlight.reset();
    metrics.copiesQueued.reset();
    for (const q of await this.d.store.queueSnapshot()) {
      metrics.copiesInFlight.set({ account: q.account, region: q.region }, q.inFlight);
      metrics.copiesQueued.set({ account: q.account, region: q.region }, q.queued);
    }
    metrics.outboxUnsent.set(await this.d.store.countUnsent());
  }
}
