import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseRequestLabel } from '../../domain/command.js';
import type { Decision } from '../../domain/types.js';
import type { Inbox, Recorded } from '../../inbox/inbox.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { RequestService } from '../../requests/service.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../blocks/approval-card.js';
import { escapeSlack } from '../blocks/format.js';
import { rejectReasonModal } from '../blocks/reject-modal.js';
import type { SlackRouter } from '../router.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export interface ActionDeps {
  service: Pick<RequestService, 'mayDecide'>;
  inbox: Inbox;
  log: Logger;
  metrics: Metrics;
}

/** The form must open while the click's trigger_id is good (3 s): a slower check opens it unchecked. */
const REJECT_CHECK_BUDGET_MS = 2_000;

export function registerActions(app: SlackRouter, deps: ActionDeps): void {
  const handle = (decision: Decision) => async (args: ButtonArgs) => {
    const label = parseRequestLabel(args.action.value ?? '');
    const tell = answerer(args, deps.log);
    if (!label.ok) {
      await args.ack();
      deps.metrics.slackRequests.inc({ kind: 'action', outcome: 'invalid' });
      await tell('That button does not name a request; nothing was changed.');
      return;
    }
    const click: Click = {
      args,
      deps,
      decision,
      n: label.value,
      userId: args.body.user.id,
      via: clickedMessage(args.body),
      tell,
    };
    await (decision === 'reject' ? reject(click) : approve(click));
  };
  app.action<BlockButtonAction>(APPROVE_ACTION_ID, handle('approve'));
  app.action<BlockButtonAction>(REJECT_ACTION_ID, handle('reject'));
}

/** A click on a button that names a request. */
interface Click {
  args: ButtonArgs;
  deps: ActionDeps;
  decision: Decision;
  n: number;
  userId: string;
  /** The card clicked, when the click came from a message (not from the App Home). */
  via: { channel: string; ts: string } | undefined;
  tell: (text: string) => Promise<void>;
}

function clickedMessage(body: ButtonArgs['body']): Click['via'] {
  return body.container?.type === 'message' && body.channel?.id && body.message?.ts
    ? { channel: body.channel.id, ts: body.message.ts }
    : undefined;
}

/** Recorded before the ack (SPEC §10): an Approve that Slack showed as accepted is never lost. */
async function approve(click: Click): Promise<void> {
  const { ack } = click.args;
  let recorded: Recorded;
  try {
    recorded = await record(click);
  } catch (err) {
    await ack();
    await unrecorded(click, err);
    return;
  }
  await ack();
  run(click, recorded);
}

/** Reject asks for a reason first: the form opens for anyone who may reject, or when the check is slow. */
async function reject(click: Click): Promise<void> {
  // Opening the form changes nothing, so it needs no record; its submission is recorded.
  await click.args.ack();
  const may = await mayReject(click);
  if (may === true || may === 'late') {
    await openRejectForm(click);
    return;
  }
  // Refused (or decided meanwhile): answered from a record, like any click, so a refusal is audited.
  let recorded: Recorded;
  try {
    recorded = await record(click);
  } catch (err) {
    await unrecorded(click, err);
    return;
  }
  run(click, recorded);
}

/**
 * A check still running when the trigger_id is about to lapse (a slow users.info, a busy
 * process) answers `late`, and the form opens anyway: the submission is decided again under the
 * request's lock with every check, so nobody can reject through it who may not; refusing here
 * would refuse a real approver for the bot's slowness.
 */
function mayReject({ deps, n, userId, decision, via }: Click): Promise<boolean | 'late'> {
  return Promise.race([
    deps.service.mayDecide({ n, userId, decision, ...(via ? { via } : {}) }),
    new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), REJECT_CHECK_BUDGET_MS).unref()),
  ]).catch((err: unknown) => {
    deps.log.warn({ err, request: n }, 'could not check a Reject click');
    return false;
  });
}

async function openRejectForm({ args, deps, n, via, tell }: Click): Promise<void> {
  const { body, client } = args;
  try {
    await client.views.open({
      trigger_id: body.trigger_id,
      view: rejectReasonModal({
        n,
        ...(via ? { via } : {}),
        ...(body.response_url ? { responseUrl: body.response_url } : {}),
      }),
    });
    deps.metrics.slackRequests.inc({ kind: 'action', outcome: 'reject-form' });
  } catch (err) {
    deps.log.warn({ err, request: n }, 'could not open the reject form');
    await tell('The reject form could not be opened; nothing was changed. Click Reject again.');
  }
}

function record({ args, deps, decision, n, userId, via }: Click) {
  const { body, action } = args;
  return deps.inbox.record({
    dedupeKey: `action:${body.trigger_id ?? `${action.action_ts}:${userId}`}`,
    kind: 'decision',
    userId,
    payload: {
      type: 'decision',
      n,
      decision,
      ...(via ? { via } : {}),
      reply: { userId, ...(body.response_url ? { responseUrl: body.response_url } : {}) },
    },
  });
}

async function unrecorded({ deps, n, tell }: Click, err: unknown): Promise<void> {
  deps.log.error({ err, request: n }, 'could not record a decision');
  deps.metrics.slackRequests.inc({ kind: 'action', outcome: 'unrecorded' });
  await tell(
    'The decision could not be recorded (the bot cannot reach its database); nothing was changed. Try again.',
  );
}

/** Carried out after the ack, from the record; a click Slack delivered twice is run once. */
function run({ deps }: Click, recorded: Recorded): void {
  deps.metrics.slackRequests.inc({ kind: 'action', outcome: 'recorded' });
  if (recorded.fresh) deps.inbox.run(recorded.intent);
}

/** Ephemeral answers to a click: through response_url on a card, by DM from the App Home (which has none). */
function answerer({ body, respond, client }: ButtonArgs, log: Logger) {
  return async (text: string) => {
    if (body.response_url)
      await respond({ response_type: 'ephemeral', replace_original: false, text: escapeSlack(text) });
    else
      await client.chat
        .postMessage({ channel: body.user.id, text: escapeSlack(text) })
        .catch((err: unknown) => log.warn({ err, user: body.user.id }, 'could not answer a click'));
  };
}
