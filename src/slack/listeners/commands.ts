import type { App } from '@slack/bolt';
import { helpText, parseCommand, USAGE } from '../../domain/command.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { RequestService } from '../../requests/service.js';
import { escapeSlack } from '../blocks/format.js';
import { requestModal } from '../blocks/modal.js';

export interface CommandDeps {
  service: RequestService;
  report: () => Promise<{ text: string; blocks?: unknown[] }>;
  log: Logger;
  metrics: Metrics;
}

/** Problems are user text echoed back: escaped, so `<!channel>` in a bad option cannot ping anyone. */
export function problemsText(problems: string[]): string {
  return [
    `:warning: ${problems.length === 1 ? 'That request has a problem' : `That request has ${problems.length} problems`}; nothing was filed.`,
    ...problems.map((p) => `• ${escapeSlack(p)}`),
    '```',
    escapeSlack(USAGE),
    '```',
  ].join('\n');
}

export function registerCommands(app: App, deps: CommandDeps): void {
  const { service, log, metrics } = deps;
  app.command('/snapshot-copy', async ({ command, ack, respond, client }) => {
    const started = performance.now();
    const parsed = parseCommand(command.text ?? '');
    const acked = (outcome: string) => {
      metrics.ackSeconds.observe((performance.now() - started) / 1000);
      metrics.slackRequests.inc({ kind: 'command', outcome });
    };
    /** After ack, the only way to tell the user anything is response_url: a failure must say so too. */
    const answer = async (work: () => Promise<string>, what: string) => {
      let text: string;
      try {
        text = await work();
      } catch (err) {
        log.error({ err, command: what }, `/snapshot-copy ${what} failed`);
        text = `:x: \`${what}\` failed; try again in a moment.`;
      }
      await respond({ response_type: 'ephemeral', text });
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
        await ack();
        acked('status');
        await answer(() => service.status(command.user_id, parsed.request), 'status');
        return;
      case 'cancel':
        await ack();
        acked('cancel');
        await answer(() => service.cancel(command.user_id, parsed.request), 'cancel');
        return;
      case 'report': {
        await ack();
        acked('report');
        let report: { text: string; blocks?: unknown[] };
        try {
          report = await deps.report();
        } catch (err) {
          log.error({ err }, '/snapshot-copy report failed');
          report = { text: ':x: The DR report could not be built; try again in a moment.' };
        }
        await respond({
          response_type: 'ephemeral',
          text: report.text,
          ...(report.blocks ? { blocks: report.blocks as never } : {}),
        });
        return;
      }
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
        await ack({ response_type: 'ephemeral', text: ':mag: Checking the source snapshots…' });
        acked('copy');
        try {
          const result = await service.submit(parsed.spec, command.user_id, command.channel_id);
          await respond({
            response_type: 'ephemeral',
            replace_original: true,
            text: result.ok ? result.text : problemsText(result.problems),
          });
        } catch (err) {
          log.error({ err }, 'filing a request failed');
          await respond({
            response_type: 'ephemeral',
            replace_original: true,
            text: `:x: The request could not be filed: ${escapeSlack(err instanceof Error ? err.message : String(err))}. Nothing was filed; try again.`,
          });
        }
        return;
      }
    }
  });
}
