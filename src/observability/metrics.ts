import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The bot's Prometheus metrics, one registry per bot instance (tests start several in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'snapshot_copy_' });
  return {
    registry,
    slackRequests: new Counter({
      name: 'snapshot_copy_slack_requests_total',
      help: 'Slack requests handled, by kind (command, action, view) and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    awsCalls: new Counter({
      name: 'snapshot_copy_aws_calls_total',
      help: 'AWS API calls made, by action and outcome (ok or domain error code)',
      labelNames: ['action', 'outcome'] as const,
      registers: [registry],
    }),
    copiesStarted: new Counter({
      name: 'snapshot_copy_copies_started_total',
      help: 'CopySnapshot calls AWS accepted',
      registers: [registry],
    }),
    copiesFinished: new Counter({
      name: 'snapshot_copy_copies_finished_total',
      help: 'Copies that reached a final state, by state and failure code',
      labelNames: ['state', 'code'] as const,
      registers: [registry],
    }),
    copiesInFlight: new Gauge({
      name: 'snapshot_copy_copies_in_flight',
      help: 'Copies holding a slot (starting or copying), by destination',
      labelNames: ['account', 'region'] as const,
      registers: [registry],
    }),
    copiesQueued: new Gauge({
      name: 'snapshot_copy_copies_queued',
      help: 'Copies waiting for a slot, by destination',
      labelNames: ['account', 'region'] as const,
      registers: [registry],
    }),
    outboxUnsent: new Gauge({
      name: 'snapshot_copy_outbox_unsent',
      help: 'Slack messages stored but not yet sent',
      registers: [registry],
    }),
    ackSeconds: new Histogram({
      name: 'snapshot_copy_ack_seconds',
      help: 'Time from receiving a Slack request to ack()',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
