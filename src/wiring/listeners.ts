import type { App } from '@slack/bolt';
import type { Inbox } from '../inbox/inbox.js';
import type { Notifier } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestService } from '../requests/service.js';
import { registerActions } from '../slack/listeners/actions.js';
import { registerCommands } from '../slack/listeners/commands.js';
import { registerEvents, registerRejectForm, registerViews } from '../slack/listeners/views.js';

/** Every Slack listener: the command, the buttons, the forms, the App Home, and a last-resort log. */
export function registerListeners(
  app: App,
  d: {
    service: RequestService;
    inbox: Inbox;
    notify: Notifier;
    log: Logger;
    metrics: Metrics;
    now: () => Date;
  },
): void {
  const { service, inbox, log, metrics } = d;
  registerCommands(app, { service, inbox, log, metrics });
  registerActions(app, { service, inbox, log, metrics });
  registerViews(app, { service, inbox, log, metrics });
  registerRejectForm(app, { inbox, log, metrics });
  registerEvents(app, { notify: d.notify, now: d.now });
  app.error(async (err) => {
    log.error({ err }, 'unhandled error in a Slack listener');
  });
}
