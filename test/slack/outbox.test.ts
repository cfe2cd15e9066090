import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Notifier } from '../../src/messages/notifier.js';
import { createLogger } from '../../src/observability/log.js';
import { OutboxSender, type Renderer } from '../../src/slack/outbox.js';
import {
  type PostedMetadata,
  SlackCallError,
  type SlackFailure,
  type SlackWeb,
} from '../../src/slack/web.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/port.js';
import { filing } from '../store/fixtures/builders.js';

interface WebCall {
  method: 'postMessage' | 'postEphemeral' | 'update' | 'openDm' | 'publishHome' | 'respond' | 'findPosted';
  channel: string;
  text?: string;
  threadTs?: string;
  at: number;
}

/** A SlackWeb that records calls and fails the ones a test scripts to fail. */
class FakeSlackWeb implements SlackWeb {
  readonly calls: WebCall[] = [];
  /** Channels the bot is not a member of: posting there answers not_in_channel. */
  readonly notIn = new Set<string>();
  private failures: Array<{ text: string; failure: SlackFailure }> = [];
  private ts = 1_700_000_000;

  failOnce(text: string, failure: SlackFailure): void {
    this.failures.push({ text, failure });
  }

  delivered(channel?: string): WebCall[] {
    return this.calls.filter(
      (c) =>
        c.method === 'postMessage' && !('failed' in c) && (channel === undefined || c.channel === channel),
    );
  }

  /** Posts Slack accepted, with their metadata: what conversations.history would list. */
  readonly posted: Array<{ channel: string; ts: string; metadata?: PostedMetadata }> = [];
  /** Slack accepts the next post with this text, but its answer never arrives. */
  loseAnswerTo: string | undefined;

  async findPosted(channel: string, _since: Date, metadata: PostedMetadata) {
    this.calls.push({ method: 'findPosted', channel, at: Date.now() });
    const found = [...this.posted]
      .reverse()
      .find((p) => p.channel === channel && p.metadata?.event_payload.key === metadata.event_payload.key);
    return found && { channel: found.channel, ts: found.ts };
  }

  async postMessage(args: { channel: string; text: string; thread_ts?: string; metadata?: PostedMetadata }) {
    const call: WebCall = {
      method: 'postMessage',
      channel: args.channel,
      text: args.text,
      at: Date.now(),
      ...(args.thread_ts ? { threadTs: args.thread_ts } : {}),
    };
    this.calls.push(call);
    const i = this.failures.findIndex((f) => f.text === args.text);
    if (i >= 0) {
      const [scripted] = this.failures.splice(i, 1);
      Object.assign(call, { failed: true });
      throw new SlackCallError(scripted!.failure);
    }
    if (this.notIn.has(args.channel)) {
      Object.assign(call, { failed: true });
      throw new SlackCallError({ kind: 'not-in-channel', error: 'not_in_channel' });
    }
    const ts = `${++this.ts}.000100`;
    this.posted.push({ channel: args.channel, ts, ...(args.metadata ? { metadata: args.metadata } : {}) });
    if (this.loseAnswerTo === args.text) {
      this.loseAnswerTo = undefined;
      throw new SlackCallError({ kind: 'transient', error: 'socket hang up' });
    }
    return { channel: args.channel, ts };
  }

  async update(args: { channel: string; ts: string; text: string }) {
    this.calls.push({ method: 'update', channel: args.channel, text: args.text, at: Date.now() });
  }

  async postEphemeral(args: { channel: string; user: string; text: string }) {
    const call: WebCall = { method: 'postEphemeral', channel: args.channel, text: args.text, at: Date.now() };
    this.calls.push(call);
    if (this.notIn.has(args.channel)) {
      Object.assign(call, { failed: true });
      throw new SlackCallError({ kind: 'not-in-channel', error: 'channel_not_found' });
    }
  }

  async openDm(userId: string) {
    this.calls.push({ method: 'openDm', channel: userId, at: Date.now() });
    return `D${userId}`;
  }

  async publishHome(userId: string) {
    this.calls.push({ method: 'publishHome', channel: userId, at: Date.now() });
  }

  async usergroupMembers() {
    return [];
  }

  async userInfo() {
    return {};
  }

  async workspace() {
    return { teamId: 'T0TEST' };
  }

  async respond(url: string, body: Record<string, unknown>) {
    this.calls.push({ method: 'respond', channel: url, text: String(body.text), at: Date.now() });
  }
}

describe('the Slack outbox', () => {
  let dir: string;
  let store: Store;
  let web: FakeSlackWeb;
  let notify: Notifier;
  let sender: OutboxSender | undefined;

  const render: Renderer = {
    requestMessage: async (n) => {
      const request = await store.getRequest(n);
      return request && { request, message: { text: `R-${n}: request`, blocks: [] } };
    },
    approvalCard: async (n) => {
      const request = await store.getRequest(n);
      return request && { request, message: { text: `R-${n}: card`, blocks: [] } };
    },
    home: async () => ({ type: 'home', blocks: [] }),
  };

  function start(channelIntervalMs?: number): OutboxSender {
    sender = new OutboxSender({
      store,
      web,
      render,
      log: createLogger({ level: 'silent' }),
      owner: 'test',
      idleMs: 20,
      ...(channelIntervalMs !== undefined ? { channelIntervalMs } : {}),
    });
    notify = new Notifier(store, 'C0APPROVALS', () => sender?.kick());
    sender.start();
    return sender;
  }

  async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
    await store.migrate();
    web = new FakeSlackWeb();
    notify = new Notifier(store, 'C0APPROVALS');
  });

  afterEach(async () => {
    await sender?.stop();
    sender = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the messages of a thread in the order they were enqueued', async () => {
    start(0);
    const { request } = await store.fileRequest(filing({ originChannel: 'C0OPS' }));
    const n = request.n;
    await notify.requestPosted(n, 'C0OPS', new Date());
    for (let i = 1; i <= 6; i++) await notify.reply(n, 'C0OPS', `reply ${i}`, new Date());
    await notify.requestChanged(n, 'C0OPS', new Date());
    await until(async () => (await store.countUnsent()) === 0, 'everything sent');

    const posted = web.delivered('C0OPS');
    expect(posted.map((c) => c.text)).toEqual([
      `R-${n}: request`,
      ...Array.from({ length: 6 }, (_, i) => `reply ${i + 1}`),
    ]);
    // Every reply goes under the request message.
    const parentTs = (await store.getRequest(n))?.requestMessage?.ts;
    expect(parentTs).toBeDefined();
    expect(posted.slice(1).every((c) => c.threadTs === parentTs)).toBe(true);
    expect(web.calls.at(-1)?.method).toBe('update');
  });

  it('sends at most one message per second per channel, channels in parallel', async () => {
    start(); // Slack's pace: the default interval
    const t0 = Date.now();
    for (let i = 1; i <= 3; i++) {
      await notify.channelPost('C0AAA', `a${i}`, undefined, new Date());
      await notify.channelPost('C0BBB', `b${i}`, undefined, new Date());
    }
    await until(async () => (await store.countUnsent()) === 0, 'everything sent');

    for (const channel of ['C0AAA', 'C0BBB']) {
      const sent = web.delivered(channel);
      expect(sent).toHaveLength(3);
      for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(990);
    }
    // The two channels do not wait for each other: 3 messages each take about 2 s, not 5.
    expect(Date.now() - t0).toBeLessThan(4_000);
  });

  it('keeps the pace across senders sharing the store (replicas)', async () => {
    const first = start();
    await notify.channelPost('C0OPS', 'from the first', undefined, new Date());
    await until(async () => (await store.countUnsent()) === 0, 'the first message sent');
    await first.stop();
    // Another replica knows nothing of the first one's sends but what the store says.
    start();
    await notify.channelPost('C0OPS', 'from the second', undefined, new Date());
    await until(async () => (await store.countUnsent()) === 0, 'the second message sent');

    const [a, b] = web.delivered('C0OPS');
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(990);
  });

  it('waits out a 429 Retry-After and then sends everything, in order, dropping nothing', async () => {
    start(0);
    web.failOnce('m2', { kind: 'rate-limited', retryAfterMs: 1_000 });
    for (let i = 1; i <= 4; i++) await notify.channelPost('C0OPS', `m${i}`, undefined, new Date());
    await until(async () => (await store.countUnsent()) === 0, 'everything sent');

    const attempts = web.calls.filter((c) => c.method === 'postMessage');
    expect(attempts.map((c) => c.text)).toEqual(['m1', 'm2', 'm2', 'm3', 'm4']);
    expect(web.delivered().map((c) => c.text)).toEqual(['m1', 'm2', 'm3', 'm4']);
    const [, limited, retried] = attempts;
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(990);
  });

  it('holds the whole channel during a Retry-After, not only the limited thread', async () => {
    start(0);
    const { request } = await store.fileRequest(filing({ originChannel: 'C0OPS' }));
    await notify.requestPosted(request.n, 'C0OPS', new Date());
    await until(async () => (await store.countUnsent()) === 0, 'request posted');
    web.failOnce('first', { kind: 'rate-limited', retryAfterMs: 1_000 });
    await notify.channelPost('C0OPS', 'first', undefined, new Date());
    await until(() => web.calls.some((c) => c.text === 'first'), 'the limited attempt');
    const limitedAt = Date.now();
    await notify.reply(request.n, 'C0OPS', 'other thread', new Date());
    await until(async () => (await store.countUnsent()) === 0, 'everything sent');

    const other = web.delivered('C0OPS').find((c) => c.text === 'other thread');
    expect(other!.at - limitedAt).toBeGreaterThanOrEqual(900);
  });

  it('posts the request message to the requester as a DM when the bot is not in the channel, and threads there', async () => {
    start(0);
    web.notIn.add('C0PRIVATE');
    const { request } = await store.fileRequest(
      filing({ originChannel: 'C0PRIVATE', requesterId: 'U0REQUESTER' }),
    );
    await notify.requestPosted(request.n, 'C0PRIVATE', new Date());
    await notify.reply(request.n, 'C0PRIVATE', 'a reply', new Date());
    await until(async () => (await store.countUnsent()) === 0, 'everything sent');

    expect(web.calls.map((c) => `${c.method} ${c.channel}`)).toEqual([
      'postMessage C0PRIVATE',
      'openDm U0REQUESTER',
      'postMessage DU0REQUESTER',
      'postMessage DU0REQUESTER',
    ]);
    const ref = (await store.getRequest(request.n))?.requestMessage;
    expect(ref?.channel).toBe('DU0REQUESTER');
    expect(web.calls.at(-1)).toMatchObject({ text: 'a reply', threadTs: ref?.ts });
  });

  it('shows an ephemeral message in its channel, and sends it by DM where the bot cannot post', async () => {
    start(0);
    web.notIn.add('C0PRIVATE');
    await notify.ephemeral('C0OPS', 'U0REQUESTER', 'Filed R-1', new Date());
    await notify.ephemeral('C0PRIVATE', 'U0REQUESTER', 'Filed R-2', new Date());
    await until(async () => (await store.countUnsent()) === 0, 'everything sent');

    expect(web.calls.map((c) => `${c.method} ${c.channel} ${c.text ?? ''}`.trim())).toEqual([
      'postEphemeral C0OPS Filed R-1',
      'postEphemeral C0PRIVATE Filed R-2',
      'openDm U0REQUESTER',
      'postMessage DU0REQUESTER Filed R-2',
    ]);
  });

  it('records a message Slack accepted while the database was away, without sending it again or holding its thread', async () => {
    const { request } = await store.fileRequest(filing({ originChannel: 'C0OPS' }));
    await notify.requestPosted(request.n, 'C0OPS', new Date());
    await notify.reply(request.n, 'C0OPS', 'first', new Date());
    await notify.reply(request.n, 'C0OPS', 'second', new Date());
    // The database goes away just as Slack accepts "first": its sending cannot be recorded.
    const markSent = store.markMessageSent.bind(store);
    let away = false;
    store.markMessageSent = async (id, input) => {
      if (input.result && away) throw new Error('Connection terminated unexpectedly');
      return markSent(id, input);
    };
    const original = web.postMessage.bind(web);
    web.postMessage = async (args) => {
      const answer = await original(args);
      away = args.text === 'first';
      return answer;
    };
    start(0);
    await until(() => web.delivered().some((c) => c.text === 'first'), '"first" delivered');
    away = false; // the database is back

    // Within a few cycles, far sooner than the 20 s lease: recorded, and the thread goes on.
    await until(async () => (await store.countUnsent()) === 0, 'everything recorded', 3_000);
    expect(web.delivered().map((c) => c.text)).toEqual(['R-1: request', 'first', 'second']);
  });

  it('adopts an approval card Slack accepted but never answered for, instead of posting a second one', async () => {
    const { request } = await store.fileRequest(filing({ originChannel: 'C0OPS' }));
    const n = request.n;
    web.loseAnswerTo = `R-${n}: card`;
    await notify.cardPosted(n, new Date());
    start(0);
    await until(async () => (await store.getRequest(n))?.approvalCard !== null, 'the card recorded');

    // One card in the channel: the retry found it by its metadata and recorded its ts.
    const cards = web.posted.filter((p) => p.channel === 'C0APPROVALS');
    expect(cards).toHaveLength(1);
    expect((await store.getRequest(n))?.approvalCard).toEqual({ channel: 'C0APPROVALS', ts: cards[0]!.ts });
    expect(web.calls.filter((c) => c.method === 'findPosted')).toHaveLength(1);
  });
});
