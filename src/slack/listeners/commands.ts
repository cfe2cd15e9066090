import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { helpText, type ParsedCommand, parseCommand } from '../../domain/command.js';
import type { Inbox, Recorded } from '../../inbox/inbox.js';
import type { ReplyTo } from '../../messages/notifier.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { IntentPayload } from '../../requests/intents.js';
import type { RequestService } from '../../requests/service.js';
import { escapeSlack } from '../blocks/format.js';
import { requestModal } from '../blocks/modal.js';
import { problemsText } from '../blocks/problems.js';
import type { SlackRouter } from '../router.js';

export interface CommandDeps {
  service: RequestService;
  inbox: Inbox;
  log: Logger;
  metrics: Metrics;
}

/** Said in the ack when the intent cannot be recorded: Slack is then told nothing was accepted. */
export const NOT_RECORDED =
  ':x: The bot cannot record that right now (its database is not answering); nothing was done. Try again in a moment.';

export function registerCommands(app: SlackRouter, deps: CommandDeps): void {
  app.command('/snapshot-copy', async ({ command, ack, client }) => {
    const started = performance.now();
    const parsed = parseCommand(command.text ?? '');
    const invocation: Invocation = {
      command,
      ack,
      client,
      deps,
      acked: (outcome) => {
        deps.metrics.ackSeconds.observe((performance.now() - started) / 1000);
        deps.metrics.slackRequests.inc({ kind: 'command', outcome });
      },
      reply: { userId: command.user_id, responseUrl: command.response_url, channel: command.channel_id },
    };
    // The table is keyed by kind, so the answer fits `parsed`; TypeScript cannot tie the two together.
    await (ANSWERS[parsed.kind] as Answer<ParsedCommand['kind']>)(invocation, parsed);
  });
}

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** One `/snapshot-copy`, as each kind's answer needs it. */
interface Invocation extends Pick<CommandArgs, 'command' | 'ack' | 'client'> {
  deps: CommandDeps;
  /** Counts the ack and how long it took, by outcome. */
  acked: (outcome: string) => void;
  reply: ReplyTo;
}

type Answer<K extends ParsedCommand['kind']> = (
  c: Invocation,
  parsed: Extract<ParsedCommand, { kind: K }>,
) => Promise<void>;

/**
 * The same for everyone, so built once: building and escaping its 2 KB on every call allocated
 * ~9 KB per help command before its ack (a sampled allocation profile of a burst, `npm run bench`
 * with BENCH_ACK_PROF and BENCH_ACK_PROF_HEAP=1), garbage that brings the scavenges during a burst
 * of acks closer together.
 */
const HELP_ANSWER = { response_type: 'ephemeral', text: `\`\`\`${escapeSlack(helpText())}\`\`\`` } as const;

const ANSWERS: { [K in ParsedCommand['kind']]: Answer<K> } = {
  help: async ({ ack, acked }) => {
    await ack(HELP_ANSWER);
    acked('help');
  },
  invalid: async ({ ack, acked }, parsed) => {
    await ack({ response_type: 'ephemeral', text: problemsText(parsed.problems) });
    acked('invalid');
  },
  'open-modal': async ({ ack, acked, client, command, deps }) => {
    await ack();
    acked('modal');
    await client.views.open({
      trigger_id: command.trigger_id,
      view: requestModal(deps.service.accounts, command.channel_id),
    });
  },
  status: (c, parsed) =>
    accept(
      c,
      { type: 'status', ...(parsed.request !== undefined ? { n: parsed.request } : {}), reply: c.reply },
      'status',
    ),
  cancel: (c, parsed) => accept(c, { type: 'cancel', n: parsed.request, reply: c.reply }, 'cancel'),
  report: (c) => accept(c, { type: 'report', reply: c.reply }, 'report'),
  copy: requestCopy,
};

/** A copy the configuration cannot resolve is refused in the ack; the rest is checked after it. */
async function requestCopy(c: Invocation, parsed: Extract<ParsedCommand, { kind: 'copy' }>): Promise<void> {
  const resolved = c.deps.service.resolve(parsed.spec);
  if (!resolved.ok) {
    await c.ack({
      response_type: 'ephemeral',
      text: problemsText(resolved.problems.map((p) => p.message)),
    });
    c.acked('invalid');
    return;
  }
  await accept(
    c,
    {
      type: 'copy',
      spec: parsed.spec,
      channel: c.command.channel_id,
      reply: { ...c.reply, replaceOriginal: true },
    },
    'copy',
    ':mag: Checking the source snapshots…',
  );
}

/**
 * Recorded before the ack (SPEC §10): once Slack shows the user it was accepted, a crash cannot
 * lose it. Carried out after the ack, from the record; its answer goes through the outbox.
 */
async function accept(
  { command, ack, acked, deps }: Invocation,
  payload: IntentPayload,
  outcome: string,
  ackText?: string,
): Promise<void> {
  let recorded: Recorded;
  try {
    recorded = await deps.inbox.record({
      dedupeKey: `command:${command.trigger_id}`,
      kind: payload.type,
      userId: command.user_id,
      payload,
    });
  } catch (err) {
    deps.log.error({ err }, 'could not record a slash command');
    await ack({ response_type: 'ephemeral', text: NOT_RECORDED });
    acked('unrecorded');
    return;
  }
  await ack(ackText ? { response_type: 'ephemeral', text: ackText } : undefined);
  acked(outcome);
  if (recorded.fresh) deps.inbox.run(recorded.intent);
}
