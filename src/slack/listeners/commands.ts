import type { App } from '@slack/bolt';
import { helpText, parseCommand } from '../../domain/command.js';
import type { Inbox } from '../../inbox/inbox.js';
import type { ReplyTo } from '../../messages/notifier.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { IntentPayload } from '../../requests/intents.js';
import type { RequestService } from '../../requests/service.js';
import { escapeSlack } from '../blocks/format.js';
import { requestModal } from '../blocks/modal.js';

export interface CommandDeps {
  service: RequestService;
  inbox: Inbox;
  log: Logger;
  metrics: Metrics;
}

/** Said in the ack when the intent cannot be recorded: Slack is then told nothing was accepted. */
export const NOT_RECORDED =
  ':x: The bot cannot record that right now (its database is not answering); nothing was done. Try again in a moment.';

import { problemsText } from '../blocks/problems.js';

export { problemsText };

export function registerCommands(app: App, deps: CommandDeps): void {
  const { service, log, metrics } = deps;
  app.command('/snapshot-copy', async ({ command, ack, client }) => {
    const started = performance.now();
    const parsed = parseCommand(command.text ?? '');
    const acked = (outcome: string) => {
      metrics.ackSeconds.observe((performance.now() - started) / 1000);
      metrics.slackRequests.inc({ kind: 'command', outcome });
    };
    const reply: ReplyTo = {
      userId: command.user_id,
      responseUrl: command.response_url,
      channel: command.channel_id,
    };
    /**
     * Recorded before the ack (SPEC §10): once Slack shows the user it was accepted, a crash cannot
     * lose it. Carried out after the ack, from the record; its answer goes through the outbox.
     */
    const accept = async (payload: IntentPayload, outcome: string, ackText?: string) => {
      let recorded: { id: number; fresh: boolean };
      try {
        recorded = await deps.inbox.record({
          dedupeKey: `command:${command.trigger_id}`,
          kind: payload.type,
          userId: command.user_id,
          payload,
        });
      } catch (err) {
        log.error({ err }, 'could not record a slash command');
        await ack({ response_type: 'ephemeral', text: NOT_RECORDED });
        acked('unrecorded');
        return;
      }
      await ack(ackText ? { response_type: 'ephemeral', text: ackText } : undefined);
      acked(outcome);
      if (recorded.fresh) deps.inbox.run(recorded.id);
    };
    switch (parsed.kind) {
      case 'help':
        await ack({ response_type: 'ephemeral', text: `\`\`\`${escapeSlack(helpText())}\`\`\`` });
        acked('help');
        return;
      case 'invalid':
        await ack({ response_type: 'ephemeral', text: problemsText(parsed.problems) });
        acked('invalid');
        return;
      case 'open-modal':
        await ack();
        acked('modal');
        await client.views.open({
          trigger_id: command.trigger_id,
          view: requestModal(service.accounts, command.channel_id),
        });
        return;
      case 'status':
        await accept(
          { type: 'status', ...(parsed.request !== undefined ? { n: parsed.request } : {}), reply },
          'status',
        );
        return;
      case 'cancel':
        await accept({ type: 'cancel', n: parsed.request, reply }, 'cancel');
        return;
      case 'report':
        await accept({ type: 'report', reply }, 'report');
        return;
      case 'copy': {
        const resolved = service.resolve(parsed.spec);
        if (!resolved.ok) {
          await ack({
            response_type: 'ephemeral',
            text: problemsText(resolved.problems.map((p) => p.message)),
          });
          acked('invalid');
          return;
        }
        await accept(
          {
            type: 'copy',
            spec: parsed.spec,
            channel: command.channel_id,
            reply: { ...reply, replaceOriginal: true },
          },
          'copy',
          ':mag: Checking the source snapshots…',
        );
        return;
      }
    }
  });
}
