/**
 * What people ask for (SPEC §4, §5, §9): the request service (filing, decisions, cancel), the
 * inbox that records each Slack intent before its ack and carries it out, and the DR reports and
 * policies.
 */
import type { AwsAccess } from '../aws/access.js';
import type { BotConfig, DrPolicyConfig } from '../config/schema.js';
import { Inbox } from '../inbox/inbox.js';
import type { Logger } from '../observability/log.js';
import { ReportService } from '../reports/service.js';
import { filingAws } from '../requests/aws-reads.js';
import { handleIntent } from '../requests/intents.js';
import { RequestService } from '../requests/service.js';
import type { AckFirst } from '../slack/ack-first.js';
import type { Store } from '../store/port.js';
import type { CopyEngine } from './copy-engine.js';
import type { Messaging } from './messaging.js';

export interface Requests {
  service: RequestService;
  inbox: Inbox;
  reports: ReportService;
}

export function createRequests(d: {
  store: Store;
  aws: AwsAccess;
  config: BotConfig;
  messaging: Messaging;
  copies: Pick<CopyEngine, 'copiesStartable' | 'stepsAdded' | 'liveOwners'>;
  ackFirst: AckFirst;
  log: Logger;
  now: () => Date;
  owner: string;
}): Requests {
  const { store, config, messaging, copies, log, now } = d;
  const { notify } = messaging;
  const service = new RequestService({
    store,
    aws: filingAws(d.aws.gateway),
    accounts: config.accounts,
    approvals: config.approvals,
    pricing: config.pricing,
    approvalsChannel: config.slack.approvalsChannel,
    directory: messaging.directory,
    identities: messaging.identities,
    notify,
    wording: messaging.wording.requests,
    now,
    kickDispatcher: copies.copiesStartable,
    acksFirst: () => d.ackFirst.quiet(),
    // `/snapshot-copy report` is answered by the report service, made just below.
    report: () => reports.reportNow(),
    stepsAdded: copies.stepsAdded,
  });
  const inbox = new Inbox({
    store,
    owner: d.owner,
    now,
    liveOwners: copies.liveOwners,
    acksFirst: () => d.ackFirst.quiet(),
    log: log.child({ component: 'inbox' }),
    handle: (intent) => handleIntent(service, intent),
  });
  const reports = new ReportService({
    config,
    store,
    gateway: d.aws.gateway,
    aws: filingAws(d.aws.gateway),
    notify,
    kick: copies.copiesStartable,
    now,
    log: log.child({ component: 'reports' }),
    renderer: messaging.wording.reports,
    stepsAdded: copies.stepsAdded,
  });
  return { service, inbox, reports };
}

/** What the schedules run (SPEC §9): reports, DR-policy runs and restore drills, by the report service. */
export function scheduledWork(reports: ReportService) {
  return {
    runReport: (channel: string, slot: Date) => reports.postReport(channel, slot),
    runPolicy: (policy: DrPolicyConfig, slot: Date) => reports.runPolicy(policy, slot),
    runDrill: (policy: DrPolicyConfig, slot: Date) => reports.runDrill(policy, slot),
  };
}
