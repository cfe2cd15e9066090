/**
 * How each kind of stored message reaches Slack, one delivery per payload type. Each renders from
 * the state at send time and returns what is recorded as the message's result.
 */
import type { OutboxPayload } from '../messages/notifier.js';
import type { CardCopy, OutboxMessage } from '../store/port.js';
import type { SlackMessage } from './blocks/request.js';
import type { OutboxOptions } from './outbox.js';
import { type PostedMetadata, SlackCallError } from './web.js';

/** What a delivery may use: the sender's ports, and its clock. */
export type DeliveryContext = Pick<OutboxOptions, 'store' | 'web' | 'render' | 'log' | 'cardDms'> & {
  now: () => Date;
};

type Payload<T extends OutboxPayload['type']> = Extract<OutboxPayload, { type: T }>;
type Delivery<T extends OutboxPayload['type']> = (
  c: DeliveryContext,
  p: Payload<T>,
  m: OutboxMessage,
) => Promise<unknown>;

const DELIVERIES: { [T in OutboxPayload['type']]: Delivery<T> } = {
  'request.post': postRequest,
  'request.update': updateRequest,
  'request.reply': replyToRequest,
  'card.post': postCard,
  'card.update': updateCard,
  'card.dms': enqueueCardDms,
  'card.dm': postCardDm,
  'card.reply': replyToCard,
  'channel.post': postToChannel,
  dm: postDm,
  ephemeral: postEphemeral,
  'home.publish': publishHome,
  respond,
};

export async function deliver(c: DeliveryContext, p: OutboxPayload, m: OutboxMessage): Promise<unknown> {
  // The table is keyed by type, so the entry fits `p`; TypeScript cannot tie the two together.
  const delivery = DELIVERIES[p.type] as Delivery<OutboxPayload['type']>;
  return delivery(c, p, m);
}

async function postRequest(
  { store, web, render }: DeliveryContext,
  p: Payload<'request.post'>,
  m: OutboxMessage,
): Promise<unknown> {
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

async function updateRequest(
  { web, render }: DeliveryContext,
  p: Payload<'request.update'>,
): Promise<unknown> {
  const r = await render.requestMessage(p.n);
  if (!r?.request.requestMessage) return { skipped: 'no request message' };
  await web.update({ ...r.request.requestMessage, ...r.message });
  return r.request.requestMessage;
}

async function replyToRequest(
  { store, web }: DeliveryContext,
  p: Payload<'request.reply'>,
): Promise<unknown> {
  const request = await store.getRequest(p.n);
  const parent = request?.requestMessage;
  if (!parent) return { skipped: 'no request message' };
  return web.postMessage({ channel: parent.channel, thread_ts: parent.ts, text: p.text });
}

async function postCard(c: DeliveryContext, p: Payload<'card.post'>, m: OutboxMessage): Promise<unknown> {
  const { store, web, render } = c;
  const r = await render.approvalCard(p.n);
  if (!r) return { skipped: 'request not found' };
  if (r.request.approvalCard) return { skipped: 'already posted' };
  const metadata = { event_type: 'snapshot_copy_card', event_payload: { key: `R-${p.n}` } };
  // A retry may follow a post that Slack accepted but whose answer or record was lost (a kill
  // in between): a second card would leave the first one's buttons live and refuse clicks on
  // them (found by `npm run chaos`). Adopt the card already in the channel instead.
  const earlier = m.attempts > 1 ? await findEarlierPost(c, m, metadata) : undefined;
  const posted = earlier ?? (await web.postMessage({ channel: m.channel, ...r.message, metadata }));
  await store.setApprovalCard(p.n, posted);
  return posted;
}

async function updateCard(c: DeliveryContext, p: Payload<'card.update'>): Promise<unknown> {
  const { store, web, render } = c;
  const r = await render.approvalCard(p.n);
  if (!r?.request.approvalCard) return { skipped: 'no card' };
  await web.update({ ...r.request.approvalCard, ...r.message });
  // Every DM copy is kept in step with the channel's card (SPEC §5.3).
  for (const copy of await store.listCardCopies(p.n)) await updateCopy(c, copy, r.message);
  return r.request.approvalCard;
}

async function enqueueCardDms(
  { store, cardDms, now }: DeliveryContext,
  p: Payload<'card.dms'>,
): Promise<unknown> {
  const request = await store.getRequest(p.n);
  if (request?.state !== 'pending_approval' || !cardDms) return { skipped: 'not pending' };
  const users = await cardDms.recipients(request);
  // Each enqueue is deduplicated per request and user: a retry after a crash sends nobody two.
  for (const userId of users) await cardDms.enqueue(p.n, userId, now());
  return { users };
}

async function postCardDm(
  { store, web, render, now }: DeliveryContext,
  p: Payload<'card.dm'>,
): Promise<unknown> {
  const r = await render.approvalCard(p.n);
  if (r?.request.state !== 'pending_approval') return { skipped: 'not pending' };
  const dm = await web.openDm(p.userId);
  const posted = await web.postMessage({ channel: dm, ...r.message });
  await store.recordCardCopy({ requestNumber: p.n, userId: p.userId, ...posted }, now());
  return posted;
}

async function replyToCard({ store, web }: DeliveryContext, p: Payload<'card.reply'>): Promise<unknown> {
  const card = (await store.getRequest(p.n))?.approvalCard;
  if (!card) return { skipped: 'no card' };
  return web.postMessage({ channel: card.channel, thread_ts: card.ts, text: p.text });
}

async function postToChannel(
  { web }: DeliveryContext,
  p: Payload<'channel.post'>,
  m: OutboxMessage,
): Promise<unknown> {
  return web.postMessage({
    channel: m.channel,
    text: p.text,
    ...(p.blocks ? { blocks: p.blocks } : {}),
  });
}

async function postDm({ web }: DeliveryContext, p: Payload<'dm'>): Promise<unknown> {
  const dm = await web.openDm(p.userId);
  return web.postMessage({ channel: dm, text: p.text });
}

async function postEphemeral(
  { web }: DeliveryContext,
  p: Payload<'ephemeral'>,
  m: OutboxMessage,
): Promise<unknown> {
  try {
    await web.postEphemeral({ channel: m.channel, user: p.userId, text: p.text });
    return { ephemeral: m.channel };
  } catch (err) {
    // The bot is not in that channel (or it is gone): the requester gets it by DM instead.
    if (!(err instanceof SlackCallError && err.failure.kind === 'not-in-channel')) throw err;
    const dm = await web.openDm(p.userId);
    return web.postMessage({ channel: dm, text: p.text });
  }
}

async function publishHome({ web, render }: DeliveryContext, p: Payload<'home.publish'>): Promise<unknown> {
  await web.publishHome(p.userId, await render.home(p.userId));
  return { published: p.userId };
}

async function respond({ web, now }: DeliveryContext, p: Payload<'respond'>): Promise<unknown> {
  if (now().getTime() < Date.parse(p.validUntil)) {
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

/**
 * A DM copy the approver deleted, or whose DM the bot may no longer use, does not hold back the
 * others: it is logged and left as it is. Anything that may pass (rate limits, outages) retries.
 */
async function updateCopy(
  { web, log }: DeliveryContext,
  copy: CardCopy,
  message: SlackMessage,
): Promise<void> {
  try {
    await web.update({ channel: copy.channel, ts: copy.ts, ...message });
  } catch (err) {
    if (
      !(err instanceof SlackCallError) ||
      err.failure.kind === 'transient' ||
      err.failure.kind === 'rate-limited'
    )
      throw err;
    log.warn(
      { err, request: copy.requestNumber, user: copy.userId },
      'outbox: could not update a DM copy of the card',
    );
  }
}

/** A look-up that cannot run (e.g. a workspace without the history scope) posts again rather than not at all. */
async function findEarlierPost(
  { web, log }: DeliveryContext,
  m: OutboxMessage,
  metadata: PostedMetadata,
): Promise<{ channel: string; ts: string } | undefined> {
  try {
    return await web.findPosted(m.channel, m.createdAt, metadata);
  } catch (err) {
    log.warn(
      { err, messageId: m.id, channel: m.channel },
      'outbox: could not look for an earlier post of this message; posting it',
    );
    return undefined;
  }
}
