import { parseReason } from '../../domain/fields.js';
import { MODAL_CALLBACK_ID, type ModalValues, parseModalSubmission } from '../../domain/modal.js';
import type { Inbox, Recorded } from '../../inbox/inbox.js';
import type { Notifier } from '../../messages/notifier.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { RequestService } from '../../requests/service.js';
import {
  REJECT_MODAL_CALLBACK_ID,
  REJECT_REASON_FIELD,
  readRejectFormContext,
} from '../blocks/reject-modal.js';
import type { SlackRouter } from '../router.js';
import { NOT_RECORDED } from './commands.js';

function originChannel(privateMetadata: string | undefined, fallback: string): string {
  try {
    const meta = JSON.parse(privateMetadata ?? '{}') as { channel?: unknown };
    return typeof meta.channel === 'string' && /^[CGD][A-Z0-9]+$/.test(meta.channel)
      ? meta.channel
      : fallback;
  } catch {
    return fallback; // private_metadata is ours; anything unreadable means the DM is the safe place
  }
}

/**
 * The request form's submission (SPEC §4). Grammar and config problems are shown on the fields
 * (`response_action: errors`) before the form closes. The receipt, and what only AWS can tell (a
 * snapshot not found, not completed), arrive afterwards — AWS look-ups happen after ack — as an
 * ephemeral message in the channel the form was opened from (a DM when the bot cannot post there).
 */
export function registerViews(
  app: SlackRouter,
  deps: { service: RequestService; inbox: Inbox; log: Logger; metrics: Metrics },
): void {
  app.view(MODAL_CALLBACK_ID, async ({ ack, body, view }) => {
    const userId = body.user.id;
    const parsed = parseModalSubmission(view.state.values as ModalValues);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors as Record<string, string> });
      deps.metrics.slackRequests.inc({ kind: 'view', outcome: 'invalid' });
      return;
    }
    const resolved = deps.service.resolve(parsed.spec);
    if (!resolved.ok) {
      const errors: Record<string, string> = {};
      for (const p of resolved.problems)
        errors[p.field] = errors[p.field] ? `${errors[p.field]}; ${p.message}` : p.message;
      await ack({ response_action: 'errors', errors });
      deps.metrics.slackRequests.inc({ kind: 'view', outcome: 'invalid' });
      return;
    }
    const channel = originChannel(view.private_metadata, userId);
    // Recorded before the ack (SPEC §10); the receipt arrives as an ephemeral in the channel the
    // form was opened from (a DM when the bot cannot post there), also after a restart.
    let recorded: Recorded;
    try {
      recorded = await deps.inbox.record({
        dedupeKey: `view:${(body as { trigger_id?: string }).trigger_id ?? `${view.id}:${view.hash}`}`,
        kind: 'copy',
        userId,
        payload: { type: 'copy', spec: parsed.spec, channel, reply: { userId, channel } },
      });
    } catch (err) {
      deps.log.error({ err }, 'could not record a form submission');
      await ack({ response_action: 'errors', errors: { sources: NOT_RECORDED } });
      deps.metrics.slackRequests.inc({ kind: 'view', outcome: 'unrecorded' });
      return;
    }
    await ack();
    deps.metrics.slackRequests.inc({ kind: 'view', outcome: 'copy' });
    if (recorded.fresh) deps.inbox.run(recorded.intent);
  });
}

/**
 * The reject form's submission (SPEC §5.3): recorded before its ack like every submission, then
 * decided from the record — under the request's lock, with every check made again — so a crash
 * after the ack still rejects, and the answer reaches the rejecter where they clicked.
 */
export function registerRejectForm(
  app: SlackRouter,
  deps: { inbox: Inbox; log: Logger; metrics: Metrics },
): void {
  app.view(REJECT_MODAL_CALLBACK_ID, async ({ ack, body, view }) => {
    const userId = body.user.id;
    const context = readRejectFormContext(view.private_metadata);
    const values = view.state.values as ModalValues;
    const reason = parseReason(values[REJECT_REASON_FIELD]?.[REJECT_REASON_FIELD]?.value ?? '');
    if (!context || !reason.ok) {
      const problem = context
        ? reason.ok
          ? ''
          : reason.problems.join('; ')
        : 'This form is not one of the bot’s; close it.';
      await ack({ response_action: 'errors', errors: { [REJECT_REASON_FIELD]: problem.replace(/`/g, '"') } });
      deps.metrics.slackRequests.inc({ kind: 'view', outcome: 'invalid' });
      return;
    }
    let recorded: Recorded;
    try {
      recorded = await deps.inbox.record({
        dedupeKey: `view:${(body as { trigger_id?: string }).trigger_id ?? `${view.id}:${view.hash}`}`,
        kind: 'decision',
        userId,
        payload: {
          type: 'decision',
          n: context.n,
          decision: 'reject',
          reason: reason.value,
          ...(context.via ? { via: context.via } : {}),
          reply: { userId, ...(context.responseUrl ? { responseUrl: context.responseUrl } : {}) },
        },
      });
    } catch (err) {
      deps.log.error({ err }, 'could not record a reject form');
      await ack({ response_action: 'errors', errors: { [REJECT_REASON_FIELD]: NOT_RECORDED } });
      deps.metrics.slackRequests.inc({ kind: 'view', outcome: 'unrecorded' });
      return;
    }
    await ack();
    deps.metrics.slackRequests.inc({ kind: 'view', outcome: 'reject' });
    if (recorded.fresh) deps.inbox.run(recorded.intent);
  });
}

export function registerEvents(app: SlackRouter, deps: { notify: Notifier; now: () => Date }): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await deps.notify.homeChanged(event.user, deps.now());
  });
}
