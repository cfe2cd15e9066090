import type { App } from '@slack/bolt';
import type { Inbox } from '../inbox/inbox.js';
import type { Notifier } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestService } from '../requests/service.js';
import { registerActions } from '../slack/listeners/actions.js';
import { registerCommands } from '../slack/listeners/commands.js';
import { registerEvents, registerRejectForm, registerViews } from '../slack/listeners/views.js';
import { SlackRouter } from '../slack/router.js';

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
  const router = new SlackRouter();
  registerCommands(router, { service, inbox, log, metrics });
  registerActions(router, { service, inbox, log, metrics });
  registerViews(router, { service, inbox, log, metrics });
  registerRejectForm(router, { inbox, log, metrics });
  registerEvents(router, { notify: d.notify, now: d.now });
  router.install(app);
  app.error(async (err) => {
    log.error({ err }, 'unhandled error in a Slack listener');
  });
}
