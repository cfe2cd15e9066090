import type { types } from '@slack/bolt';
import type { OutboxPayload } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { CardCopy, OutboxMessage, RequestRecord, Store } from '../store/port.js';
import type { SlackMessage } from './blocks/request.js';
import { type PostedMetadata, SlackCallError, type SlackWeb } from './web.js';

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

  constructor(private readonly o: OutboxOptions) {
    this.now = o.now ?? (() => new Date());
    this.channelIntervalMs = o.channelIntervalMs ?? 1_000;
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
      result = await this.deliver(m.payload as OutboxPayload, m);
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

  /**
   * A DM copy the approver deleted, or whose DM the bot may no longer use, does not hold back the
   * others: it is logged and left as it is. Anything that may pass (rate limits, outages) retries.
   */
  private async updateCopy(copy: CardCopy, message: SlackMessage): Promise<void> {
    try {
      await this.o.web.update({ channel: copy.channel, ts: copy.ts, ...message });
    } catch (err) {
      if (
        !(err instanceof SlackCallError) ||
        err.failure.kind === 'transient' ||
        err.failure.kind === 'rate-limited'
      )
        throw err;
      this.o.log.warn(
        { err, request: copy.requestNumber, user: copy.userId },
        'outbox: could not update a DM copy of the card',
      );
    }
  }

  /** A look-up that cannot run (e.g. a workspace without the history scope) posts again rather than not at all. */
  private async findEarlierPost(
    m: OutboxMessage,
    metadata: PostedMetadata,
  ): Promise<{ channel: string; ts: string } | undefined> {
    try {
      return await this.o.web.findPosted(m.channel, m.createdAt, metadata);
    } catch (err) {
      this.o.log.warn(
        { err, messageId: m.id, channel: m.channel },
        'outbox: could not look for an earlier post of this message; posting it',
      );
      return undefined;
    }
  }

  private async deliver(p: OutboxPayload, m: OutboxMessage): Promise<unknown> {
    const { store, web, render } = this.o;
    switch (p.type) {
      case 'request.post': {
        const r = await render.requestMessage(p.n);
        if (!r) return { skipped: 'request not found' };
        if (r.request.requestMessage) return { skipped: 'already posted' }; // a retry after a lost answer
        let posted: { channel: string; ts: string };
        try {
          posted = await web.postMessage({ channel: m.channel, ...r.message });
        } catch (err) {
          // The bot is not in the requester's channel: the request lives in a DM instead.
          if (!(err instanceof SlackCallError && err.failure.kind === 'not-in-channel')) throw err;
          const dm = await web.openDm(r.request.requesterId);
          posted = await web.postMessage({ channel: dm, ...r.message });
        }
        await store.setRequestMessage(p.n, posted);
        return posted;
      }
      case 'request.update': {
        const r = await render.requestMessage(p.n);
        if (!r?.request.requestMessage) return { skipped: 'no request message' };
        await web.update({ ...r.request.requestMessage, ...r.message });
        return r.request.requestMessage;
      }
      case 'request.reply': {
        const request = await store.getRequest(p.n);
        const parent = request?.requestMessage;
        if (!parent) return { skipped: 'no request message' };
        return web.postMessage({ channel: parent.channel, thread_ts: parent.ts, text: p.text });
      }
      case 'card.post': {
        const r = await render.approvalCard(p.n);
        if (!r) return { skipped: 'request not found' };
        if (r.request.approvalCard) return { skipped: 'already posted' };
        const metadata = { event_type: 'snapshot_copy_card', event_payload: { key: `R-${p.n}` } };
        // A retry may follow a post that Slack accepted but whose answer or record was lost (a kill
        // in between): a second card would leave the first one's buttons live and refuse clicks on
        // them (found by `npm run chaos`). Adopt the card already in the channel instead.
        const earlier = m.attempts > 1 ? await this.findEarlierPost(m, metadata) : undefined;
        const posted = earlier ?? (await web.postMessage({ channel: m.channel, ...r.message, metadata }));
        await store.setApprovalCard(p.n, posted);
        return posted;
      }
      case 'card.update': {
        const r = await render.approvalCard(p.n);
        if (!r?.request.approvalCard) return { skipped: 'no card' };
        await web.update({ ...r.request.approvalCard, ...r.message });
        // Every DM copy is kept in step with the channel's card (SPEC §5.3).
        for (const copy of await store.listCardCopies(p.n)) await this.updateCopy(copy, r.message);
        return r.request.approvalCard;
      }
      case 'card.dms': {
        const request = await store.getRequest(p.n);
        if (request?.state !== 'pending_approval' || !this.o.cardDms) return { skipped: 'not pending' };
        const users = await this.o.cardDms.recipients(request);
        // Each enqueue is deduplicated per request and user: a retry after a crash sends nobody two.
        for (const userId of users) await this.o.cardDms.enqueue(p.n, userId, this.now());
        return { users };
      }
      case 'card.dm': {
        const r = await render.approvalCard(p.n);
        if (r?.request.state !== 'pending_approval') return { skipped: 'not pending' };
        const dm = await web.openDm(p.userId);
        const posted = await web.postMessage({ channel: dm, ...r.message });
        await store.recordCardCopy({ requestNumber: p.n, userId: p.userId, ...posted }, this.now());
        return posted;
      }
      case 'card.reply': {
        const card = (await store.getRequest(p.n))?.approvalCard;
        if (!card) return { skipped: 'no card' };
        return web.postMessage({ channel: card.channel, thread_ts: card.ts, text: p.text });
      }
      case 'channel.post':
        return web.postMessage({
          channel: m.channel,
          text: p.text,
          ...(p.blocks ? { blocks: p.blocks } : {}),
        });
      case 'dm': {
        const dm = await web.openDm(p.userId);
        return web.postMessage({ channel: dm, text: p.text });
      }
      case 'ephemeral':
        try {
          await web.postEphemeral({ channel: m.channel, user: p.userId, text: p.text });
          return { ephemeral: m.channel };
        } catch (err) {
          // The bot is not in that channel (or it is gone): the requester gets it by DM instead.
          if (!(err instanceof SlackCallError && err.failure.kind === 'not-in-channel')) throw err;
          const dm = await web.openDm(p.userId);
          return web.postMessage({ channel: dm, text: p.text });
        }
      case 'home.publish':
        await web.publishHome(p.userId, await render.home(p.userId));
        return { published: p.userId };
      case 'respond': {
        if (this.now().getTime() < Date.parse(p.validUntil)) {
          try {
            await web.respond(p.url, {
              response_type: 'ephemeral',
              replace_original: p.replaceOriginal,
              text: p.text,
              ...(p.blocks ? { blocks: p.blocks } : {}),
            });
            return { responded: true };
          } catch (err) {
            if (!(err instanceof SlackCallError && err.failure.kind === 'not-in-channel')) throw err;
          }
        }
        // Carried out after Slack stopped accepting answers there (a restart, a long outage): by DM.
        const dm = await web.openDm(p.userId);
        return web.postMessage({ channel: dm, text: p.text });
      }
    }
  }
}
