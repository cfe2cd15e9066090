/**
 * Everything that talks to people: who may approve, who is a real colleague, how a request is
 * shown (the presenter, which the outbox renders with), the words the application says things in,
 * and the outbox that sends it all (SPEC §5, §10: every message is stored first).
 */
import type { BotConfig } from '../config/schema.js';
import { Notifier } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { ReportRenderer } from '../reports/rendering.js';
import { ApproverDirectory } from '../requests/approvers.js';
import { cardRecipients } from '../requests/card-recipients.js';
import { IdentityDirectory } from '../requests/identities.js';
import type { RequestWording } from '../requests/wording.js';
import { slackReportRenderer } from '../slack/blocks/report.js';
import { OutboxSender } from '../slack/outbox.js';
import { Presenter } from '../slack/present.js';
import type { SlackWeb } from '../slack/web.js';
import { slackRequestWording } from '../slack/wording/requests.js';
import { slackStepWording } from '../slack/wording/steps.js';
import type { StepWording } from '../steps/wording.js';
import type { Store } from '../store/port.js';

/** What the application says, in Slack's words: its wording ports, filled by the Slack adapter. */
export interface Wording {
  requests: RequestWording;
  steps: StepWording;
  reports: ReportRenderer;
}

const SLACK_WORDING: Wording = {
  requests: slackRequestWording,
  steps: slackStepWording,
  reports: slackReportRenderer,
};

export interface Messaging {
  directory: ApproverDirectory;
  identities: IdentityDirectory;
  wording: Wording;
  notify: Notifier;
  outbox: OutboxSender;
}

export function createMessaging(d: {
  store: Store;
  web: SlackWeb;
  config: BotConfig;
  log: Logger;
  now: () => Date;
  owner: string;
  channelIntervalMs?: number;
  /** Lets the acks of Slack requests arriving now go before each claim of messages to send. */
  acksFirst?: () => Promise<void>;
}): Messaging {
  const { store, web, config, now } = d;
  const { approvals } = config;
  const directory = new ApproverDirectory(approvals.approvers, web, approvals.escalateTo);
  const identities = new IdentityDirectory(web);
  const presenter = new Presenter({ store, accounts: config.accounts, directory, now });
  const dmCards = approvals.notify?.includes('dm') ?? false;
  // Every enqueue wakes the outbox; it exists by the time anything is enqueued.
  const notify = new Notifier(store, config.slack.approvalsChannel, () => outbox.kick(), dmCards);
  const outbox = new OutboxSender({
    store,
    web,
    render: presenter,
    log: d.log.child({ component: 'outbox' }),
    now,
    owner: d.owner,
    // On SQLite the process lock proves a previous sender is dead: its leases need not expire first.
    releaseLeasesAtStart: !store.capabilities.sharedAcrossProcesses,
    ...(d.acksFirst ? { acksFirst: d.acksFirst } : {}),
    ...(d.channelIntervalMs !== undefined ? { channelIntervalMs: d.channelIntervalMs } : {}),
    ...(dmCards
      ? {
          cardDms: {
            recipients: (request) => cardRecipients({ store, approvals, directory, identities }, request),
            enqueue: (n, userId, at) => notify.cardDm(n, userId, at),
          },
        }
      : {}),
  });
  return { directory, identities, wording: SLACK_WORDING, notify, outbox };
}
