import type { AllMiddlewareArgs, App, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseRequestLabel } from '../../domain/command.js';
import type { Decision } from '../../domain/types.js';
import type { Inbox } from '../../inbox/inbox.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../blocks/approval-card.js';
import { escapeSlack } from '../blocks/format.js';

export function registerActions(app: App, deps: { inbox: Inbox; log: Logger; metrics: Metrics }): void {
  const handle =
    (decision: Decision) =>
    async ({
      ack,
      body,
      action,
      respond,
      client,
    }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
      const userId = body.user.id;
      const label = parseRequestLabel(action.value ?? '');
      const tell = async (text: string) => {
        // Cards in a channel answer through response_url; a click on the App Home has none.
        if (body.response_url)
          await respond({ response_type: 'ephemeral', replace_original: false, text: escapeSlack(text) });
        // A click on the App Home has no response_url and no channel: answer in the app's DM.
        else
          await client.chat
            .postMessage({ channel: userId, text: escapeSlack(text) })
            .catch((err: unknown) => deps.log.warn({ err, user: userId }, 'could not answer a click'));
      };
      if (!label.ok) {
        await ack();
        deps.metrics.slackRequests.inc({ kind: 'action', outcome: 'invalid' });
        await tell('That button does not name a request; nothing was changed.');
        return;
      }
      const via =
        body.container?.type === 'message' && body.channel?.id && body.message?.ts
          ? { channel: body.channel.id, ts: body.message.ts }
          : undefined;
      // Recorded before the ack (SPEC §10): an Approve that Slack showed as accepted is never lost.
      let recorded: { id: number; fresh: boolean };
      try {
        recorded = await deps.inbox.record({
          dedupeKey: `action:${body.trigger_id ?? `${action.action_ts}:${userId}`}`,
          kind: 'decision',
          userId,
          payload: {
            type: 'decision',
            n: label.value,
            decision,
            ...(via ? { via } : {}),
            reply: { userId, ...(body.response_url ? { responseUrl: body.response_url } : {}) },
          },
        });
      } catch (err) {
        await ack();
        deps.log.error({ err, request: label.value }, 'could not record a decision');
        deps.metrics.slackRequests.inc({ kind: 'action', outcome: 'unrecorded' });
        await tell(
          'The decision could not be recorded (the bot cannot reach its database); nothing was changed. Try again.',
        );
        return;
      }
      await ack();
      deps.metrics.slackRequests.inc({ kind: 'action', outcome: 'recorded' });
      if (recorded.fresh) deps.inbox.run(recorded.id);
    };
  app.action<BlockButtonAction>(APPROVE_ACTION_ID, handle('approve'));
  app.action<BlockButtonAction>(REJECT_ACTION_ID, handle('reject'));
}
