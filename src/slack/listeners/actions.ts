import type { AllMiddlewareArgs, App, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseRequestLabel } from '../../domain/command.js';
import type { Decision } from '../../domain/types.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { RequestService } from '../../requests/service.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../blocks/approval-card.js';
import { escapeSlack } from '../blocks/format.js';

export function registerActions(
  app: App,
  deps: { service: RequestService; log: Logger; metrics: Metrics },
): void {
  const handle =
    (decision: Decision) =>
    async ({
      ack,
      body,
      action,
      respond,
      client,
    }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
      await ack();
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
        deps.metrics.slackRequests.inc({ kind: 'action', outcome: 'invalid' });
        await tell('That button does not name a request; nothing was changed.');
        return;
      }
      const via =
        body.container?.type === 'message' && body.channel?.id && body.message?.ts
          ? { channel: body.channel.id, ts: body.message.ts }
          : undefined;
      try {
        const result = await deps.service.decide({
          n: label.value,
          userId,
          decision,
          ...(via ? { via } : {}),
        });
        deps.metrics.slackRequests.inc({ kind: 'action', outcome: result.outcome });
        await tell(result.message);
      } catch (err) {
        deps.log.error({ err, request: label.value }, 'recording a decision failed');
        await tell('The decision could not be recorded; nothing was changed. Try again.');
      }
    };
  app.action<BlockButtonAction>(APPROVE_ACTION_ID, handle('approve'));
  app.action<BlockButtonAction>(REJECT_ACTION_ID, handle('reject'));
}
