import type { types } from '@slack/bolt';
import type { OutboxPayload } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { OutboxMessage, RequestRecord, Store } from '../store/port.js';
import type { SlackMessage } from './blocks/request.js';
import { type DeliveryContext, deliver } from './outbox-deliveries.js';
import { SlackCallError, type SlackWeb } from './web.js';

/** Renders messages from the state at send time (see messages/notifier.ts). */
export interface Renderer {
  requestMessage(n: number): Promise<{ request: RequestRecord; message: SlackMessage } | undefined>;
  approvalCard(n: number): Promise<{ request: RequestRecord; message: SlackMessage } | undefined>;
  home(userId: string): Promise<types.HomeView>;
}

export interface OutboxOptions {
  store: Store;
  web: SlackWeb;
  render: Renderer;
  log: Logger;
  now?: () => Date;
  owner: string;
  /** Slack allows about one message per second per channel. */
  channelIntervalMs?: number;
  leaseMs?: number;
  /** Free leases left by a killed sender before starting (only when no other process shares the store). */
  releaseLeasesAtStart?: boolean;
  batch?: number;
  idleMs?: number;
  onSent?: (m: OutboxMessage) => void;
  /**
   * Resolves once the Slack requests arriving now are answered (`ack-first.ts`). Each claim waits
   * for it: with a backlog, the head-of-thread claim is the heaviest query a replica runs, and on
   * either database it shares the CPU that a burst of acks needs (`npm run bench`, ack).
   */
  acksFirst?: () => Promise<void>;
  /** DM copies of the card (`approvals.notify: [channel, dm]`): who gets one, and how it is enqueued. */
  cardDms?: {
    recipients(request: RequestRecord): Promise<string[]>;
    enqueue(n: number, userId: string, at: Date): Promise<void>;
  };
}

/** The shortest time between two claims of one sender. */
const MIN_CYCLE_MS = 100;

/** Permanent failures are retried this many times (a Slack outage can look permanent) before giving up. */
const MAX_ATTEMPTS = 8;

/**
 * Sends stored Slack messages: oldest first within each thread, at most about one per second per
 * channel, honouring 429 Retry-After; nothing is dropped until Slack has said no for good.
 */
export class OutboxSender {
  private readonly now: () => Date;
  private readonly channelIntervalMs: number;
  private readonly lastSent = new Map<string, number>();
  private running = false;
  private loop: Promise<void> | undefined;
  /**
   * Left over when the database failed mid-send: messages Slack accepted whose sending could not be
   * recorded (recorded at the next cycle, never sent again), and messages that failed and could not
   * be put back (their leases given back at once rather than after 20 s, so their threads go on).
   */
  private readonly unrecorded = new Map<number, { message: OutboxMessage; at: Date; result: unknown }>();
  private readonly stranded = new Set<number>();
  private wake: (() => void) | undefined;
  private kicked = false;
  private readonly delivery: DeliveryContext;

  constructor(private readonly o: OutboxOptions) {
    this.now = o.now ?? (() => new Date());
    this.channelIntervalMs = o.channelIntervalMs ?? 1_000;
    this.delivery = { ...o, now: this.now };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Something was enqueued: send now rather than at the next idle tick. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    if (this.o.releaseLeasesAtStart) {
      try {
        const freed = await this.o.store.releaseMessageLeases();
        if (freed) this.o.log.info({ freed }, 'outbox: took over messages a stopped bot had not sent');
      } catch (err) {
        this.o.log.error({ err }, 'outbox: could not free old leases; they expire on their own');
      }
    }
    while (this.running) {
      const began = Date.now();
      let sent = 0;
      try {
        await this.o.acksFirst?.();
        sent = await this.drainOnce();
      } catch (err) {
        this.o.log.error({ err }, 'outbox: cycle failed; retrying');
      }
      if (sent === 0 && !this.kicked) {
        await this.sleep(this.o.idleMs ?? 500);
      } else {
        // Kicks arrive with every enqueue; a claim is a database query, and on SQLite it runs on
        // the event loop that must also ack Slack within 3 s. Under a burst, claim at a steady
        // pace instead of once per kick (measured in `npm run bench`, ack latency).
        const rest = MIN_CYCLE_MS - (Date.now() - began);
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      }
      this.kicked = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /** One claim-and-send cycle; returns how many messages were handled. Public for tests and the bench. */
  async drainOnce(): Promise<number> {
    await this.settleLeftovers();
    const claimed = await this.o.store.claimNextMessages({
      now: this.now(),
      owner: this.o.owner,
      // Longer than one send can take (the Web API client times out at 10 s), short enough that a
      // replica's messages are taken over soon after it dies.
      leaseMs: this.o.leaseMs ?? 20_000,
      limit: this.o.batch ?? 50,
      // The store holds the pace across replicas; the wait in sendChannel holds it within this one.
      channelIntervalMs: this.channelIntervalMs,
    });
    const byChannel = new Map<string, OutboxMessage[]>();
    for (const m of claimed) byChannel.set(m.channel, [...(byChannel.get(m.channel) ?? []), m]);
    await Promise.all([...byChannel.entries()].map(([channel, ms]) => this.sendChannel(channel, ms)));
    return claimed.length;
  }

  private async sendChannel(channel: string, messages: OutboxMessage[]): Promise<void> {
    for (const m of messages) {
      if (!this.running && this.loop) return; // stopping: leases expire and another sender takes over
      const wait = (this.lastSent.get(channel) ?? 0) + this.channelIntervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.lastSent.set(channel, Date.now());
      await this.sendOne(m);
    }
  }

  private async settleLeftovers(): Promise<void> {
    const { store, owner } = this.o;
    for (const [id, { message, at, result }] of this.unrecorded) {
      await store.markMessageSent(id, { at, result });
      this.unrecorded.delete(id);
      this.o.onSent?.(message);
    }
    if (this.stranded.size > 0) {
      await store.releaseMessageLeases({ owner, ids: [...this.stranded] });
      this.stranded.clear();
    }
  }

  private async sendOne(m: OutboxMessage): Promise<void> {
    let result: unknown;
    try {
      result = await deliver(this.delivery, m.payload as OutboxPayload, m);
    } catch (err) {
      await this.failed(m, err).catch((storeError: unknown) => {
        this.stranded.add(m.id);
        throw storeError;
      });
      return;
    }
    // Slack has it: from here on it is only ever recorded, never sent again.
    const at = this.now();
    try {
      await this.o.store.markMessageSent(m.id, { at, result });
    } catch (storeError) {
      this.unrecorded.set(m.id, { message: m, at, result });
      throw storeError;
    }
    this.o.onSent?.(m);
  }

  /** Slack said no (or did not answer): retry later, or give up on a message refused for good. */
  private async failed(m: OutboxMessage, err: unknown): Promise<void> {
    const failure =
      err instanceof SlackCallError ? err.failure : { kind: 'transient' as const, error: String(err) };
    const at = this.now();
    if (failure.kind === 'rate-limited') {
      // Hold the whole channel, not only this message: Slack's limit is per channel.
      this.lastSent.set(m.channel, Date.now() + failure.retryAfterMs - this.channelIntervalMs);
      await this.o.store.retryMessageLater(m.id, {
        notBefore: new Date(at.getTime() + failure.retryAfterMs),
        error: 'rate limited',
      });
      return;
    }
    const permanent = failure.kind !== 'transient';
    if (permanent && m.attempts >= MAX_ATTEMPTS) {
      this.o.log.error(
        { messageId: m.id, kind: m.kind, channel: m.channel, error: failure.error },
        'outbox: Slack refused a message for good',
      );
      await this.o.store.failMessage(m.id, { at, error: failure.error });
      return;
    }
    const backoffMs = Math.min(60_000, 1_000 * 2 ** Math.min(m.attempts, 6));
    this.o.log.warn(
      { messageId: m.id, kind: m.kind, error: failure.error, backoffMs },
      'outbox: send failed; will retry',
    );
    await this.o.store.retryMessageLater(m.id, {
      notBefore: new Date(at.getTime() + backoffMs),
      error: failure.error,
    });
  }
}
