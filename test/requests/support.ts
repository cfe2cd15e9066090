/**
 * What the request services' unit tests share: a SQLite store of their own, a real Notifier over
 * it, a clock the test moves, and the outbox read back as what the bot would send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApprovalsConfig } from '../../src/domain/types.js';
import { Notifier } from '../../src/messages/notifier.js';
import type { Asked } from '../../src/requests/decisions.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import { T0 } from '../store/fixtures/builders.js';

export const APPROVALS_CHANNEL = 'C0APPROVALS';
export const REQUESTER = 'U0REQUESTER';
export const ORIGIN = 'C0ORIGIN';
export const HOUR_MS = 3_600_000;

export function approvalsConfig(over: Partial<ApprovalsConfig> = {}): ApprovalsConfig {
  return {
    approvers: ['U0APPROVER1', 'U0APPROVER2', 'S0DRTEAM'],
    required: 1,
    allowSelfApproval: false,
    expireAfterHours: 24,
    rules: [],
    ...over,
  };
}

/** A message as the outbox holds it for the sender. */
export interface Sent {
  channel: string;
  threadKey: string | null;
  kind: string;
  payload: Record<string, unknown>;
}

export interface Harness {
  store: Store;
  notify: Notifier;
  now: () => Date;
  /** Moves the clock to `hours` after T0 (the fixtures' filing time). */
  setHoursAfterFiling(hours: number): void;
  /** Every message enqueued since the last call, oldest first; they count as sent afterwards. */
  drainOutbox(): Promise<Sent[]>;
  /** A recorded Slack intent (a click) for `decide` to answer. */
  click(userId: string): Promise<Asked>;
  close(): Promise<void>;
}

const FAR_FUTURE = new Date('2100-01-01T00:00:00.000Z');

export async function openHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'requests-'));
  const store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
  await store.migrate();
  let clock = T0;
  let clicks = 0;
  return {
    store,
    notify: new Notifier(store, APPROVALS_CHANNEL),
    now: () => clock,
    setHoursAfterFiling(hours) {
      clock = new Date(T0.getTime() + hours * HOUR_MS);
    },
    async drainOutbox() {
      const out: Array<Sent & { id: number }> = [];
      for (;;) {
        const batch = await store.claimNextMessages({
          now: FAR_FUTURE,
          owner: 'test',
          leaseMs: 60_000,
          limit: 100,
        });
        if (batch.length === 0) break;
        for (const m of batch) {
          await store.markMessageSent(m.id, { at: FAR_FUTURE, result: {} });
          const { id, channel, threadKey, kind } = m;
          out.push({ id, channel, threadKey, kind, payload: m.payload as Record<string, unknown> });
        }
      }
      return out.sort((a, b) => a.id - b.id).map(({ id: _id, ...m }) => m);
    },
    async click(userId) {
      clicks++;
      const receivedAt = clock;
      const { id } = await store.recordIntent({
        dedupeKey: `trigger-${clicks}`,
        kind: 'decision',
        userId,
        payload: {},
        at: receivedAt,
      });
      return { id, receivedAt, reply: { userId, channel: APPROVALS_CHANNEL } };
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
