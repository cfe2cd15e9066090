/**
 * The application's port for telling people (SPEC §10): every message is a row of the outbox,
 * written in the transaction of the change it tells of; `slack/outbox.ts` sends them. What is
 * said is decided here; how it looks is rendered by `slack/` when it is sent.
 */
import type { types } from '@slack/bolt';
import { requestLabel } from '../domain/types.js';
import type { NewMessage, Store } from '../store/port.js';

/**
 * What the bot asks the outbox to send. Request messages, cards and thread replies are rendered
 * when they are sent, from the state at that moment: an update that waited behind Slack's rate
 * limit never shows stale progress, and a reply always finds its parent's `ts`.
 */
export type OutboxPayload =
  | { type: 'request.post'; n: number }
  | { type: 'request.update'; n: number }
  | { type: 'request.reply'; n: number; text: string }
  | { type: 'card.post'; n: number }
  | { type: 'card.update'; n: number }
  | { type: 'card.reply'; n: number; text: string }
  /** Sends the card by DM to every eligible approver not sent it yet (one `card.dm` each). */
  | { type: 'card.dms'; n: number }
  | { type: 'card.dm'; n: number; userId: string }
  | { type: 'channel.post'; text: string; blocks?: types.KnownBlock[] }
  | { type: 'dm'; userId: string; text: string }
  | { type: 'ephemeral'; userId: string; text: string }
  | { type: 'home.publish'; userId: string }
  | {
      type: 'respond';
      /** Slack's response_url: valid for 30 minutes; after that the answer goes by DM. */
      url: string;
      validUntil: string;
      userId: string;
      text: string;
      blocks?: unknown[];
      replaceOriginal: boolean;
    };

/**
 * Where the answer to a recorded Slack intent goes (SPEC §10: it reaches the user even when it is
 * carried out after a restart): its response_url while Slack accepts it, else an ephemeral in the
 * channel it came from, else a DM.
 */
export interface ReplyTo {
  userId: string;
  responseUrl?: string;
  channel?: string;
  /** Replaces the ephemeral the ack showed ("Checking the source snapshots…"). */
  replaceOriginal?: boolean;
}

/** Slack accepts posts to a response_url for 30 minutes; a minute is left for the outbox's pace. */
const RESPONSE_URL_VALID_MS = 29 * 60_000;

/** All messages about one request share a thread key, so Slack sees them in the order they were decided. */
export function requestThreadKey(n: number): string {
  return requestLabel(n);
}

export function cardThreadKey(n: number): string {
  return `card:${requestLabel(n)}`;
}

/** A narrow port over the store for enqueueing, with the protocol's thread keys filled in. */
export class Notifier {
  constructor(
    private readonly store: Pick<Store, 'enqueueMessage'> & Partial<Pick<Store, 'afterCommit'>>,
    private readonly approvalsChannel: string,
    private readonly kick: () => void = () => {},
    /** `approvals.notify` includes `dm`: approvers also get the card by DM (SPEC §5.3). */
    private readonly dmCards = false,
  ) {}

  /** The same notifier writing into `tx`: its messages commit with the change they tell of. */
  within(tx: Pick<Store, 'enqueueMessage' | 'afterCommit'>): Notifier {
    return new Notifier(tx, this.approvalsChannel, this.kick, this.dmCards);
  }

  private async put(m: Omit<NewMessage, 'payload'> & { payload: OutboxPayload }): Promise<void> {
    const { enqueued } = await this.store.enqueueMessage(m);
    // Inside a transaction the sender is woken once it commits: before, it would find nothing.
    if (enqueued) (this.store.afterCommit ?? ((f: () => void) => f()))(this.kick);
  }

  /** The answer to a recorded intent, sent once (`intentId` dedupes a replay). */
  answer(
    reply: ReplyTo,
    text: string,
    o: { at: Date; receivedAt: Date; intentId: number; blocks?: unknown[] },
  ) {
    const dedupeKey = `answer:${o.intentId}`;
    if (reply.responseUrl) {
      return this.put({
        // A response_url is not a channel: Slack's one-message-per-second pacing does not apply, so
        // each answer is its own "channel" and thread (250 answers to one user must not take 250 s).
        channel: `response:${o.intentId}`,
        threadKey: `response:${o.intentId}`,
        kind: 'respond',
        payload: {
          type: 'respond',
          url: reply.responseUrl,
          validUntil: new Date(o.receivedAt.getTime() + RESPONSE_URL_VALID_MS).toISOString(),
          userId: reply.userId,
          text,
          ...(o.blocks ? { blocks: o.blocks } : {}),
          replaceOriginal: reply.replaceOriginal ?? false,
        },
        at: o.at,
        dedupeKey,
      });
    }
    if (reply.channel && reply.channel !== reply.userId) {
      return this.put({
        channel: reply.channel,
        threadKey: `ephemeral:${reply.channel}:${reply.userId}`,
        kind: 'ephemeral',
        payload: { type: 'ephemeral', userId: reply.userId, text },
        at: o.at,
        dedupeKey,
      });
    }
    return this.dm(reply.userId, text, o.at, dedupeKey);
  }

  requestPosted(n: number, channel: string, at: Date) {
    return this.put({
      channel,
      threadKey: requestThreadKey(n),
      kind: 'request.post',
      payload: { type: 'request.post', n },
      at,
      dedupeKey: `request.post:${n}`,
    });
  }

  requestChanged(n: number, channel: string, at: Date) {
    return this.put({
      channel,
      threadKey: requestThreadKey(n),
      kind: 'request.update',
      payload: { type: 'request.update', n },
      at,
      coalesce: true,
    });
  }

  /** `dedupeKey` makes a reply idempotent (an event replayed after a crash is told once). */
  reply(n: number, channel: string, text: string, at: Date, dedupeKey?: string) {
    return this.put({
      channel,
      threadKey: requestThreadKey(n),
      kind: 'request.reply',
      payload: { type: 'request.reply', n, text },
      at,
      ...(dedupeKey ? { dedupeKey } : {}),
    });
  }

  async cardPosted(n: number, at: Date) {
    await this.put({
      channel: this.approvalsChannel,
      threadKey: cardThreadKey(n),
      kind: 'card.post',
      payload: { type: 'card.post', n },
      at,
      dedupeKey: `card.post:${n}`,
    });
    await this.cardDms(n, at, 'filed');
  }

  /**
   * With DM cards on: sends the card to the approvers of `n` who do not have it yet. Who they are
   * is looked up in Slack when it is sent (user groups, users.info), not inside the transaction.
   * `round` names the occasion (filing, escalation), each sent once.
   */
  cardDms(n: number, at: Date, round: string) {
    if (!this.dmCards) return Promise.resolve();
    return this.put({
      // Its own channel: the look-up is no Slack post and must not wait for the approvals channel's pace.
      channel: `dms:${requestLabel(n)}`,
      threadKey: `dms:${requestLabel(n)}`,
      kind: 'card.dms',
      payload: { type: 'card.dms', n },
      at,
      dedupeKey: `card.dms:${n}:${round}`,
    });
  }

  /** The card by DM to one approver, once. */
  cardDm(n: number, userId: string, at: Date) {
    return this.put({
      channel: userId,
      threadKey: `dm:${userId}`,
      kind: 'card.dm',
      payload: { type: 'card.dm', n, userId },
      at,
      dedupeKey: `card.dm:${n}:${userId}`,
    });
  }

  cardChanged(n: number, at: Date) {
    return this.put({
      channel: this.approvalsChannel,
      threadKey: cardThreadKey(n),
      kind: 'card.update',
      payload: { type: 'card.update', n },
      at,
      coalesce: true,
    });
  }

  /** A reply in the approval card's thread, where approvers look (reminders, escalation). */
  cardReply(n: number, text: string, at: Date, dedupeKey: string) {
    return this.put({
      channel: this.approvalsChannel,
      threadKey: cardThreadKey(n),
      kind: 'card.reply',
      payload: { type: 'card.reply', n, text },
      at,
      dedupeKey,
    });
  }

  channelPost(
    channel: string,
    text: string,
    blocks: types.KnownBlock[] | undefined,
    at: Date,
    dedupeKey?: string,
  ) {
    return this.put({
      channel,
      threadKey: `channel:${channel}`,
      kind: 'channel.post',
      payload: { type: 'channel.post', text, ...(blocks ? { blocks } : {}) },
      at,
      ...(dedupeKey ? { dedupeKey } : {}),
    });
  }

  dm(userId: string, text: string, at: Date, dedupeKey?: string) {
    return this.put({
      channel: userId,
      threadKey: `dm:${userId}`,
      kind: 'dm',
      payload: { type: 'dm', userId, text },
      at,
      ...(dedupeKey ? { dedupeKey } : {}),
    });
  }

  /** Seen only by `userId`, in `channel`; by DM when the bot cannot post there. */
  ephemeral(channel: string, userId: string, text: string, at: Date) {
    return this.put({
      channel,
      threadKey: `ephemeral:${channel}:${userId}`,
      kind: 'ephemeral',
      payload: { type: 'ephemeral', userId, text },
      at,
    });
  }

  homeChanged(userId: string, at: Date) {
    return this.put({
      channel: userId,
      threadKey: `home:${userId}`,
      kind: 'home.publish',
      payload: { type: 'home.publish', userId },
      at,
      coalesce: true,
    });
  }
}
