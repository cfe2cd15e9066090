import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CopyRequestSpec } from '../../src/domain/types.js';
import { Inbox } from '../../src/inbox/inbox.js';
import { Notifier } from '../../src/messages/notifier.js';
import { createLogger } from '../../src/observability/log.js';
import { type Asked, finishIntent } from '../../src/requests/decisions.js';
import { handleIntent, type IntentPayload, MAX_INTENT_ATTEMPTS } from '../../src/requests/intents.js';
import type { RequestService } from '../../src/requests/service.js';
import { slackRequestWording } from '../../src/slack/wording/requests.js';
import { openStore } from '../../src/store/open.js';
import type { IntentRecord, Store } from '../../src/store/port.js';
import { T0 } from '../store/fixtures/builders.js';
import { drainOutbox } from '../store/fixtures/read-back.js';

const reply = { userId: 'U0ASKER', responseUrl: 'https://hooks.slack.com/commands/T0/1/abc' };
const spec: CopyRequestSpec = {
  sources: { kind: 'ids', ids: ['snap-0123456789abcdef0'] },
  destinationRegions: ['us-west-2'],
  encrypt: false,
  tags: [],
};

type Service = Pick<
  RequestService,
  'abandon' | 'submit' | 'answer' | 'status' | 'cancel' | 'report' | 'decide'
>;

/** A request service that records what it is asked to do; `override` replaces some of its methods. */
function fakeService(override: Partial<Service> = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const service: Service = {
    abandon: async (asked) => {
      calls.push(['abandon', asked]);
    },
    submit: async (...args) => {
      calls.push(['submit', ...args]);
    },
    answer: async (...args) => {
      calls.push(['answer', ...args]);
    },
    status: async (...args) => {
      calls.push(['status', ...args]);
      return 'R-1 is copying';
    },
    cancel: async (...args) => {
      calls.push(['cancel', ...args]);
    },
    report: async () => {
      calls.push(['report']);
      return { text: 'the DR report', blocks: [{ type: 'divider' }] };
    },
    decide: async (...args) => {
      calls.push(['decide', ...args]);
      return { outcome: 'rejected', message: 'You rejected R-3.' };
    },
    ...override,
  };
  return { service: service as RequestService, calls };
}

const intent = (payload: IntentPayload, attempts = 1): IntentRecord => ({
  id: 7,
  kind: payload.type,
  userId: 'U0ASKER',
  payload,
  receivedAt: T0,
  attempts,
});
const asked: Asked = { id: 7, receivedAt: T0, reply };

describe('handleIntent', () => {
  it(`answers an intent tried more than ${MAX_INTENT_ATTEMPTS} times with the apology instead of carrying it out`, async () => {
    const { service, calls } = fakeService();
    await handleIntent(
      service,
      intent({ type: 'copy', spec, channel: 'C0ORIGIN', reply }, MAX_INTENT_ATTEMPTS + 1),
    );
    expect(calls).toEqual([['abandon', asked]]);
  });

  it('still carries an intent out on its last allowed try', async () => {
    const { service, calls } = fakeService();
    await handleIntent(
      service,
      intent({ type: 'copy', spec, channel: 'C0ORIGIN', reply }, MAX_INTENT_ATTEMPTS),
    );
    expect(calls).toEqual([['submit', asked, spec, 'U0ASKER', 'C0ORIGIN']]);
  });

  const cases: Array<{ payload: IntentPayload; expected: unknown[] }> = [
    {
      payload: { type: 'status', n: 3, reply },
      expected: [
        ['status', 'U0ASKER', 3],
        ['answer', asked, 'R-1 is copying'],
      ],
    },
    { payload: { type: 'cancel', n: 3, reply }, expected: [['cancel', asked, 'U0ASKER', 3]] },
    {
      payload: { type: 'report', reply },
      expected: [['report'], ['answer', asked, 'the DR report', [{ type: 'divider' }]]],
    },
    {
      payload: {
        type: 'decision',
        n: 3,
        decision: 'reject',
        reason: 'wrong Region',
        via: { channel: 'C0APPROVALS', ts: '1.2' },
        reply,
      },
      expected: [
        [
          'decide',
          asked,
          {
            n: 3,
            userId: 'U0ASKER',
            decision: 'reject',
            via: { channel: 'C0APPROVALS', ts: '1.2' },
            reason: 'wrong Region',
          },
        ],
      ],
    },
  ];
  it.each(cases)('carries out a $payload.type intent as its asker asked', async ({ payload, expected }) => {
    const { service, calls } = fakeService();
    await handleIntent(service, intent(payload));
    expect(calls).toEqual(expected);
  });
});

describe('an intent that keeps failing, carried by the inbox', () => {
  it(`is answered with the apology and closed after ${MAX_INTENT_ATTEMPTS} failed tries`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'intents-'));
    const store: Store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
    try {
      await store.migrate();
      let clock = T0;
      const notify = new Notifier(store, 'C0APPROVALS');
      const { service, calls } = fakeService({
        submit: async () => {
          calls.push(['submit']);
          throw new Error('connection terminated unexpectedly');
        },
        // As the request service does: the answer and the close in one transaction.
        abandon: async (a) => {
          calls.push(['abandon']);
          await store.transaction((tx) =>
            finishIntent(tx, notify.within(tx), a, slackRequestWording.intentAbandoned(), clock),
          );
        },
      });
      const inbox = new Inbox({
        store,
        owner: 'me',
        now: () => clock,
        log: createLogger({ level: 'silent' }),
        handle: (i) => handleIntent(service, i),
      });
      const recorded = await inbox.record({
        dedupeKey: 'trigger-1',
        kind: 'copy',
        userId: 'U0ASKER',
        payload: { type: 'copy', spec, channel: 'C0ORIGIN', reply },
      });
      if (recorded.fresh) inbox.run(recorded.intent);
      await inbox.idle();
      // Each retry once its backoff (at most 72 s) is over.
      for (let tick = 0; tick < 10; tick++) {
        clock = new Date(clock.getTime() + 80_000);
        await inbox.resume();
      }
      expect(calls).toEqual([...Array(MAX_INTENT_ATTEMPTS).fill(['submit']), ['abandon']]);
      const sent = await drainOutbox(store);
      expect(sent.map((m) => [m.kind, m.payload.text])).toEqual([
        ['respond', slackRequestWording.intentAbandoned()],
      ]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
