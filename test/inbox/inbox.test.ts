import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Inbox, type InboxDeps } from '../../src/inbox/inbox.js';
import { Notifier } from '../../src/messages/notifier.js';
import { createLogger } from '../../src/observability/log.js';
import { finishIntent } from '../../src/requests/decisions.js';
import { openStore } from '../../src/store/open.js';
import type { IntentRecord, Store } from '../../src/store/port.js';
import { T0 } from '../store/fixtures/builders.js';
import { drainOutbox } from '../store/fixtures/read-back.js';

let dir: string;
let store: Store;
let clock: Date;
/** Every time the handler was called: which intent, on which try. */
let tries: Array<{ id: number; attempts: number }>;
/** The handler's next calls that throw, as a database or AWS away would. */
let failNext: number;

const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

/** Carries an intent out as the request service does: its consequence, its answer and its close in one transaction. */
async function carryOut(intent: IntentRecord): Promise<void> {
  tries.push({ id: intent.id, attempts: intent.attempts });
  if (failNext > 0) {
    failNext--;
    throw new Error('connection terminated unexpectedly');
  }
  await store.transaction(async (tx) => {
    await tx.appendAudit({ at: clock, actor: intent.userId, action: `${intent.kind}.done`, detail: {} });
    const asked = { id: intent.id, receivedAt: intent.receivedAt, reply: { userId: intent.userId } };
    await finishIntent(tx, new Notifier(tx, 'C0APPROVALS'), asked, `Done: ${intent.kind}`, clock);
  });
}

function inbox(o: Partial<InboxDeps> = {}): Inbox {
  return new Inbox({
    store,
    owner: 'me',
    now: () => clock,
    log: createLogger({ level: 'silent' }),
    handle: carryOut,
    ...o,
  });
}

const record = (i: Inbox, dedupeKey = 'trigger-1') =>
  i.record({ dedupeKey, kind: 'status', userId: 'U0ASKER', payload: { type: 'status' } });

/** Records a fresh intent as a listener does before its ack: leased to `i`'s process, to run after the ack. */
async function recorded(i: Inbox): Promise<IntentRecord> {
  const r = await record(i);
  if (!r.fresh) throw new Error('recorded before');
  return r.intent;
}

/** What the intents' consequences left behind: all audit entries, and the answers enqueued since the last look. */
async function outcome() {
  const audit = (await store.listAudit({})).map((a) => a.action);
  const answers = (await drainOutbox(store)).map((m) => [m.kind, m.payload.text]);
  return { audit, answers };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inbox-'));
  store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
  await store.migrate();
  clock = T0;
  tries = [];
  failNext = 0;
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store with `method` failing as a dropped connection makes it fail. */
function failing(method: keyof Store): Store {
  return Object.create(store, {
    [method]: {
      value: async () => {
        throw new Error('connection terminated unexpectedly');
      },
    },
  });
}

/** A silent logger that keeps the messages it logs as errors. */
function errorLog() {
  const logged: string[] = [];
  const log = createLogger({ level: 'silent' });
  log.error = ((_obj: unknown, msg?: string) => {
    logged.push(String(msg));
  }) as typeof log.error;
  return { log, logged };
}

describe('Inbox.record', () => {
  it('records a second delivery of the same interaction once', async () => {
    const i = inbox();
    const first = await record(i);
    const again = await record(i);
    expect(first.fresh).toBe(true);
    expect(again).toEqual({ id: first.id, fresh: false });
    expect((await record(i, 'trigger-2')).fresh).toBe(true);
  });
});

describe('Inbox.run', () => {
  it('carries the intent out after the ack, and no tick takes it up again', async () => {
    const i = inbox();
    const intent = await recorded(i);
    const { id } = intent;
    i.run(intent);
    await i.idle();
    expect(await outcome()).toEqual({ audit: ['status.done'], answers: [['dm', 'Done: status']] });

    advance(10 * 60_000);
    expect(await i.resume()).toBe(0);
    expect(tries).toEqual([{ id, attempts: 1 }]);
    expect(await outcome()).toEqual({ audit: ['status.done'], answers: [] });
  });

  it('records the intent leased to its own process, so no other takes it up before it runs', async () => {
    const i = inbox();
    const intent = await recorded(i);
    expect(intent).toMatchObject({
      kind: 'status',
      userId: 'U0ASKER',
      payload: { type: 'status' },
      attempts: 1,
    });
    // Another replica's tick, even one told this process is gone, leaves a lease that has not lapsed.
    const other = inbox({ owner: 'other' });
    expect(await other.resume()).toBe(0);
    // A process that dies between its ack and the run: its intent is taken up once the lease lapses.
    advance(120_000);
    expect(await other.resume()).toBe(1);
    expect(tries).toEqual([{ id: intent.id, attempts: 2 }]);
    expect((await outcome()).audit).toEqual(['status.done']);
  });
});

describe('Inbox when carrying an intent out fails', () => {
  it('hands the intent back for a retry after a backoff, and resume carries it out once due', async () => {
    const i = inbox();
    const intent = await recorded(i);
    const { id } = intent;
    failNext = 1;
    i.run(intent);
    await i.idle();
    expect(await outcome()).toEqual({ audit: [], answers: [] });

    // The first retry waits 2 s (plus up to 20% jitter): not before.
    advance(1_999);
    expect(await i.resume()).toBe(0);
    advance(402);
    expect(await i.resume()).toBe(1);
    expect(tries).toEqual([
      { id, attempts: 1 },
      { id, attempts: 2 },
    ]);
    expect(await outcome()).toEqual({ audit: ['status.done'], answers: [['dm', 'Done: status']] });

    advance(10 * 60_000);
    expect(await i.resume()).toBe(0);
  });

  it('waits longer after each failed try', async () => {
    const i = inbox();
    const intent = await recorded(i);
    failNext = 2;
    i.run(intent);
    await i.idle();
    advance(2_401);
    expect(await i.resume()).toBe(1);
    // The second retry waits 4 s (plus jitter).
    advance(3_999);
    expect(await i.resume()).toBe(0);
    advance(802);
    expect(await i.resume()).toBe(1);
    expect(tries.map((t) => t.attempts)).toEqual([1, 2, 3]);
    expect((await outcome()).audit).toEqual(['status.done']);
  });
  it('when the intent cannot be handed back either, it is carried out once its lease lapses', async () => {
    const away = failing('releaseIntent');
    const { log, logged } = errorLog();
    const i = inbox({ store: away, log });
    const intent = await recorded(i);
    failNext = 1;
    i.run(intent);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await i.idle();
    expect(logged).toEqual([
      'carrying out an intent failed; it is retried',
      'could not hand an intent back; its lease lapses',
    ]);
    advance(119_999);
    expect(await i.resume()).toBe(0);
    advance(1);
    expect(await i.resume()).toBe(1);
    expect(tries.map((t) => t.attempts)).toEqual([1, 2]);
    expect((await outcome()).audit).toEqual(['status.done']);
  });
});

describe('Inbox.resume', () => {
  /** An intent another process took up and did not finish. */
  async function leasedBy(owner: string) {
    const { id } = await record(inbox({ owner }));
    return id;
  }

  it('at start on SQLite takes over the intents a dead process leased, without waiting out its lease', async () => {
    const id = await leasedBy('dead-process');
    const i = inbox();
    expect(await i.resume()).toBe(0);
    expect(await i.resume(true)).toBe(1);
    expect(tries).toEqual([{ id, attempts: 2 }]);
    expect(await outcome()).toEqual({ audit: ['status.done'], answers: [['dm', 'Done: status']] });
  });

  it('on a later tick takes over an intent whose lease lapsed', async () => {
    await leasedBy('dead-process');
    const i = inbox();
    advance(119_999);
    expect(await i.resume()).toBe(0);
    advance(1);
    expect(await i.resume()).toBe(1);
  });

  it('respects the lease of another process that is alive', async () => {
    await leasedBy('other');
    const i = inbox({ liveOwners: async () => ['me', 'other'] });
    expect(await i.resume()).toBe(0);
    expect(tries).toEqual([]);
  });

  it('takes over at once the lease of a process no longer alive', async () => {
    const id = await leasedBy('other');
    const i = inbox({ liveOwners: async () => ['me'] });
    expect(await i.resume()).toBe(1);
    expect(tries).toEqual([{ id, attempts: 2 }]);
    expect((await outcome()).audit).toEqual(['status.done']);
  });

  it('does not retry early a failed intent of its own, though its owner is not among the live ones', async () => {
    const i = inbox({ liveOwners: async () => ['me'] });
    const intent = await recorded(i);
    failNext = 1;
    i.run(intent);
    await i.idle();
    expect(await i.resume()).toBe(0);
    advance(2_401);
    expect(await i.resume()).toBe(1);
  });
});

describe('Inbox when carrying an intent out takes longer than its lease', () => {
  // A handler can outlast the lease (a copy request waiting behind the request service's four
  // concurrent filings during a burst of commands, say): the next engine tick must not start it a
  // second time in this process while the first run goes on (found by these tests). The lease is
  // renewed meanwhile for the other replicas (the store's conformance suite).
  it('does not start a second run of an intent this process is still carrying out', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const i = inbox({
      liveOwners: async () => ['me'],
      handle: async (intent) => {
        tries.push({ id: intent.id, attempts: intent.attempts });
        await gate;
        await store.transaction((tx) => tx.completeIntent(intent.id, clock));
      },
    });
    const intent = await recorded(i);
    const { id } = intent;
    i.run(intent);
    await new Promise((resolve) => setTimeout(resolve, 20));
    advance(120_001);
    const resumed = i.resume();
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await resumed;
    await i.idle();
    expect(tries).toEqual([{ id, attempts: 1 }]);
  });
});

describe('Inbox.idle', () => {
  it('waits for the intents being carried out', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const i = inbox({
      handle: async (intent) => {
        await gate;
        await carryOut(intent);
      },
    });
    const intent = await recorded(i);
    i.run(intent);
    let idle = false;
    const waiting = i.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(idle).toBe(true);
    expect((await outcome()).audit).toEqual(['status.done']);
  });
});
