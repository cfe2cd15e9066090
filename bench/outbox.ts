/**
 * The outbox's claim right after a burst: `n` Slack messages enqueued at once (two channels, half
 * of them in threads, as cards, replies and answers are), then the claim every sender cycle runs,
 * on SQLite and on PostgreSQL. Measured before autovacuum has looked at the new rows, as a bot meets
 * them after a burst of requests: with correlated subqueries PostgreSQL planned the claim from
 * stale statistics and took 0.9–1.3 s per claim at 3,000 messages (`src/store/outbox.ts`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/port.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { type Measurement, ms, type Row, summary } from './support.js';

export interface OutboxOptions {
  messages: number;
  claims: number;
  postgresUrl?: string;
}

const T0 = new Date('2026-12-01T00:00:00Z');

async function claimTimes(store: Store, o: OutboxOptions): Promise<number[]> {
  await store.migrate();
  for (let i = 0; i < o.messages; i++) {
    await store.enqueueMessage({
      channel: i % 3 === 0 ? 'C0OPS' : 'C0APPROVALS',
      threadKey: i % 2 ? `request:${i >> 1}` : null,
      kind: i % 3 === 0 ? 'respond' : 'post',
      payload: { i },
      at: T0,
    });
  }
  // One message sent per channel a moment ago: the channels are paced, as in a live bot.
  const first = await store.claimNextMessages({
    now: T0,
    owner: 'bench',
    leaseMs: 20_000,
    limit: 50,
    channelIntervalMs: 1_000,
  });
  for (const m of first) await store.markMessageSent(m.id, { at: T0, result: {} });
  const times: number[] = [];
  // A sender cycles every 100 ms while its channels wait out their second: most claims find every
  // channel paced — the case that scanned the whole backlog once per pending message.
  for (let k = 0; k < o.claims; k++) {
    const started = performance.now();
    await store.claimNextMessages({
      now: new Date(T0.getTime() + 100 * (k + 1)),
      owner: `bench-${k}`,
      leaseMs: 1,
      limit: 50,
      channelIntervalMs: 1_000,
    });
    times.push(performance.now() - started);
  }
  return times;
}

function row(store: string, o: OutboxOptions, times: number[]): Row {
  const s = summary(times);
  return {
    figure: `outbox claim, ${o.messages.toLocaleString('en-US')} messages just enqueued, ${store} (median of ${o.claims})`,
    value: ms(s.p50),
    reference: `max ${ms(s.max)}`,
    ratio: null,
    target: '< 50 ms',
    pass: s.p50 < 50,
  };
}

export async function measureOutbox(o: OutboxOptions): Promise<Measurement> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'scb-bench-outbox-'));
  try {
    const sqlite = await openStore(`sqlite:${join(dir, 'bot.db')}`);
    try {
      rows.push(row('SQLite', o, await claimTimes(sqlite, o)));
    } finally {
      await sqlite.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (o.postgresUrl) {
    const schema = `bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: o.postgresUrl });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
      const store = openPostgresStore(o.postgresUrl, { schema });
      try {
        rows.push(row('PostgreSQL', o, await claimTimes(store, o)));
      } finally {
        await store.close();
      }
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  }
  return { name: 'outbox', rows, details: { messages: o.messages, claims: o.claims } };
}
