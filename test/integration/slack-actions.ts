import type { SlackApiStandIn, SlackCall } from '../support/slack-api.js';
import type { SlackSender } from '../support/slack-signed.js';
import { APPROVALS_CHANNEL, eventually } from './harness.js';

/** The approval card the bot posted for `R-<n>` (its ts comes from the stand-in's answer order). */
export async function approvalCard(
  slack: SlackApiStandIn,
  n: number,
): Promise<{ channel: string; ts: string; call: SlackCall }> {
  return eventually(() => {
    const posts = slack.callsTo('chat.postMessage');
    for (const [i, call] of posts.entries()) {
      if (call.args.channel !== APPROVALS_CHANNEL || !String(call.args.text).startsWith(`R-${n}:`)) continue;
      const ts = slack.postedTs[slack.calls.indexOf(posts[i]!)];
      if (ts) return { channel: APPROVALS_CHANNEL, ts, call };
    }
    return undefined;
  }, `approval card of R-${n}`);
}

/** The block_actions payload Slack sends when `userId` clicks a button on the approval card. */
export function clickPayload(
  card: { channel: string; ts: string },
  userId: string,
  actionId: 'approve_copy' | 'reject_copy',
  value: string,
): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: userId, username: userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'legacy',
    container: { type: 'message', message_ts: card.ts, channel_id: card.channel, is_ephemeral: false },
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    channel: { id: card.channel, name: 'approvals' },
    message: { type: 'message', ts: card.ts, text: 'card' },
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: `decision:${value}`,
        value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/** Clicks a button on the approval card, as Slack posts a block_actions payload. */
export function click(
  send: SlackSender,
  card: { channel: string; ts: string },
  userId: string,
  actionId: 'approve_copy' | 'reject_copy',
  value: string,
) {
  return send.interaction(clickPayload(card, userId, actionId, value));
}

/** Clicks Approve as `userId` on a card (the channel's or a DM copy) and returns the private answer. */
export async function approveAndAnswer(
  slack: SlackApiStandIn,
  send: SlackSender,
  card: { channel: string; ts: string },
  n: number,
  userId: string,
): Promise<string> {
  const before = slack.callsTo('response_url').length;
  await click(send, card, userId, 'approve_copy', `R-${n}`);
  return eventually(() => responses(slack)[before], `answer to ${userId}'s click`);
}

/** Ephemeral answers the bot sent through response_url, newest last. */
export function responses(slack: SlackApiStandIn): string[] {
  return slack.callsTo('response_url').map((c) => String(c.args.text ?? ''));
}

/** Thread replies under the request message (chat.postMessage with thread_ts). */
export function threadReplies(slack: SlackApiStandIn): string[] {
  return slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts)
    .map((c) => String(c.args.text));
}

/** TagSpecification.1.Tag.N.Key/Value → { key: value }, however the simulator logged them. */
export function tagsOf(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const specs = params.TagSpecification as Array<{ Tag?: Array<{ Key: string; Value: string }> }> | undefined;
  if (Array.isArray(specs)) {
    for (const s of specs) for (const t of s.Tag ?? []) out[t.Key] = t.Value;
    return out;
  }
  for (const [k, v] of Object.entries(params)) {
    const m = /^TagSpecification\.\d+\.Tag\.(\d+)\.Key$/.exec(k);
    if (m) out[String(v)] = String(params[k.replace(/Key$/, 'Value')]);
  }
  return out;
}

/** Submits the reject form Slack opened (`form` is its views.open call) as a view_submission. */
export async function submitRejectForm(
  send: SlackSender,
  form: SlackCall,
  userId: string,
  reason: string,
): Promise<{ response_action?: string; errors?: Record<string, string> }> {
  const view = form.args.view as { private_metadata?: string; callback_id?: string };
  const res = await send.interaction({
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: userId, username: userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'legacy',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    view: {
      id: 'V0REJECT',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      blocks: [],
      state: { values: { reject_reason: { reject_reason: { type: 'plain_text_input', value: reason } } } },
      hash: 'h',
      title: { type: 'plain_text', text: 'Reject' },
    },
    response_urls: [],
  });
  if (res.status !== 200) throw new Error(`reject form submission answered ${res.status}`);
  return (res.json() as { response_action?: string; errors?: Record<string, string> } | undefined) ?? {};
}
