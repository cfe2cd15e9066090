/**
 * 6. Slack pacing: many requests filed, approved and copied in one channel, with the bot's default
 * pacing (1 s per channel). The stand-in's call timestamps give the largest number of messages one
 * channel received in any second. Then "nothing dropped": the bot is restarted on the same database
 * and every message it had enqueued must reach Slack, in order within each thread.
 *
 * The scenario runs in a child process of its own (see processes.ts), beside the virtual-clock
 * measurements, so that their CPU use cannot bunch its sends up.
 */
import { DEMO_SNAPSHOTS, demoWorld } from '../src/simulator/index.js';
import { APPROVER, OPS_CHANNEL, REQUESTER, testConfigYaml } from '../test/integration/harness.js';
import { click } from '../test/integration/slack-actions.js';
import type { SlackCall } from '../test/support/slack-api.js';
import { spawnChild } from './processes.js';
import { type Measurement, pool, type Row, sleep, startBenchBot, until } from './support.js';

/** Calls that put or change a message in a channel: what Slack's per-channel limit counts. */
const CHANNEL_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);
const APPROVALS = 'C0APPROVALS';
/** The outbox leases what it claimed for 60 s; a restarted bot must step past the stopped one's leases. */
const LEASE_MS = 60_000;

export interface PacingResult {
  requests: number;
  windowMs: number;
  /** Per channel, over the paced window. */
  channels: Record<
    string,
    { messages: number; maxInAnySecond: number; maxInCalendarSecond: number; minGapMs: number }
  >;
  sentInWindow: number;
  methodsInWindow: Record<string, number>;
  unsentAtWindowEnd: number;
  requestsCompletedInWindow: number;
  completionReplyLagMs: { sent: number; max: number | null };
  drain: { unsent: number; drainedMs: number; requestsCompleted: number; orderViolations: number };
  perRequest: {
    channelMessages: number;
    opsChannel: number;
    approvalsChannel: number;
    allSlackCalls: number;
  };
}

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function channelStats(calls: SlackCall[]) {
  const byChannel = new Map<string, number[]>();
  for (const c of calls) {
    if (!CHANNEL_METHODS.has(c.method) || typeof c.args.channel !== 'string') continue;
    byChannel.set(c.args.channel, [...(byChannel.get(c.args.channel) ?? []), c.at]);
  }
  const out: PacingResult['channels'] = {};
  for (const [channel, times] of byChannel) {
    times.sort((a, b) => a - b);
    const perSecond = new Map<number, number>();
    for (const t of times)
      perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    let minGap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < times.length; i++) minGap = Math.min(minGap, times[i]! - times[i - 1]!);
    out[channel] = {
      messages: times.length,
      maxInAnySecond: maxInWindow(times, 1000),
      maxInCalendarSecond: Math.max(0, ...perSecond.values()),
      minGapMs: Number.isFinite(minGap) ? minGap : 0,
    };
  }
  return out;
}

/** Runs inside the pacing child. */
export async function runPacingScenario(o: { requests: number; windowMs: number }): Promise<PacingResult> {
  const b = await startBenchBot({
    world: demoWorld(),
    configYaml: testConfigYaml(),
    // Copies of 20 s against 30 s polls: each copy is seen once in progress, then completed.
    copyDuration: () => 20_000,
  });
  const { slack } = b;
  let approving = true;
  const clicked = new Set<string>();
  // The approver: clicks every card as soon as it appears, as a quick human would.
  const approver = (async () => {
    while (approving) {
      const posts = slack.calls.map((c, i) => ({ c, i })).filter(({ c }) => c.method === 'chat.postMessage');
      for (const { c, i } of posts) {
        const m = /^R-(\d+):/.exec(String(c.args.text ?? ''));
        const ts = slack.postedTs[i];
        if (c.args.channel !== APPROVALS || !m || !ts || clicked.has(ts)) continue;
        clicked.add(ts);
        await click(b.send, { channel: APPROVALS, ts }, APPROVER, 'approve_copy', `R-${m[1]}`).catch(() => {
          clicked.delete(ts);
        });
      }
      await sleep(100);
    }
  })();

  try {
    const t0 = Date.now();
    await pool(o.requests, 10, async (i) => {
      await b.send.command(
        `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2 note "pacing ${i}"`,
        REQUESTER,
        OPS_CHANNEL,
      );
    });
    const allDone = async () => {
      for (let n = 1; n <= o.requests; n++) {
        const r = await b.bot.store.getRequest(n);
        if (!r || !['completed', 'failed'].includes(r.state)) return false;
      }
      return (await b.bot.store.countUnsent()) === 0;
    };
    await until(allDone, o.windowMs - (Date.now() - t0), 500);
    const windowEnd = Date.now();
    const inWindow = slack.calls.filter((c) => c.at <= windowEnd);
    const channels = channelStats(inWindow);
    const unsentAtWindowEnd = await b.bot.store.countUnsent();
    const sentInWindow = inWindow.filter((c) => CHANNEL_METHODS.has(c.method)).length;
    const methodsInWindow: Record<string, number> = {};
    for (const c of inWindow) methodsInWindow[c.method] = (methodsInWindow[c.method] ?? 0) + 1;

    // How long a copy's completion waited for its reply in the thread (the backlog a user feels).
    const lags: number[] = [];
    let completedInWindow = 0;
    for (let n = 1; n <= o.requests; n++) {
      const r = await b.bot.store.getRequest(n);
      if (r?.state === 'completed') completedInWindow++;
      const ts = r?.requestMessage?.ts;
      for (const c of await b.bot.store.getCopies(n)) {
        if (!c.completedAt || !ts) continue;
        const reply = inWindow.find(
          (x) =>
            x.args.thread_ts === ts &&
            String(x.args.text ?? '').includes(`copied to ${c.destination.region}`),
        );
        if (reply) lags.push(reply.at - c.completedAt.getTime());
      }
    }

    // Nothing dropped: a bot restarted on the same database delivers everything still enqueued.
    const drainStart = Date.now();
    await b.restart({ slackChannelIntervalMs: 0, pollIntervalMs: 1_000, clockOffsetMs: LEASE_MS + 1_000 });
    await until(allDone, 120_000, 250);
    const drainedMs = Date.now() - drainStart;
    const unsent = await b.bot.store.countUnsent();
    let requestsCompleted = 0;
    let orderViolations = 0;
    for (let n = 1; n <= o.requests; n++) {
      const r = await b.bot.store.getRequest(n);
      if (r?.state === 'completed') requestsCompleted++;
      const parent = r?.requestMessage;
      const postIndex = slack.calls.findIndex(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.args.channel === parent?.channel &&
          slack.postedTs[slack.calls.indexOf(c)] === parent?.ts,
      );
      slack.calls.forEach((c, i) => {
        if (parent && c.args.thread_ts === parent.ts && i < postIndex) orderViolations++;
      });
    }
    const all = slack.calls.filter((c) => CHANNEL_METHODS.has(c.method));
    const count = (channel: string) => all.filter((c) => c.args.channel === channel).length;
    const perRequest = {
      channelMessages: all.length / o.requests,
      opsChannel: count(OPS_CHANNEL) / o.requests,
      approvalsChannel: count(APPROVALS) / o.requests,
      allSlackCalls: slack.calls.filter((c) => c.method !== 'auth.test').length / o.requests,
    };
    return {
      requests: o.requests,
      windowMs: windowEnd - t0,
      channels,
      sentInWindow,
      methodsInWindow,
      unsentAtWindowEnd,
      requestsCompletedInWindow: completedInWindow,
      completionReplyLagMs: { sent: lags.length, max: lags.length ? Math.max(...lags) : null },
      drain: { unsent, drainedMs, requestsCompleted, orderViolations },
      perRequest,
    };
  } finally {
    approving = false;
    await approver;
    await b.close();
  }
}

/** Starts the scenario in its own process; await the returned promise for the figures. */
export async function startPacing(o: {
  requests: number;
  windowMs: number;
}): Promise<() => Promise<Measurement>> {
  const child = await spawnChild({ role: 'pacing', ...o });
  const running = child.call<PacingResult>('run').finally(() => child.stop());
  return async () => toMeasurement(await running);
}

function toMeasurement(r: PacingResult): Measurement {
  const ops = r.channels[OPS_CHANNEL];
  const approvals = r.channels[APPROVALS];
  const worst = Math.max(0, ...Object.values(r.channels).map((c) => c.maxInAnySecond));
  const rows: Row[] = [
    {
      figure: `Slack msgs per request (${r.requests} reqs)`,
      value: r.perRequest.channelMessages.toFixed(1),
      reference: 'minimum 4 (post, card, card update, done reply)',
      ratio: r.perRequest.channelMessages / 4,
      target: '-',
      pass: null,
    },
    {
      figure: 'max msgs to one channel in any 1 s',
      value: String(worst),
      reference: `ops ${ops?.maxInAnySecond ?? 0}, approvals ${approvals?.maxInAnySecond ?? 0}; min gap ${ops?.minGapMs ?? 0} ms`,
      ratio: null,
      target: '<= 1 per s per channel',
      pass: worst <= 1,
    },
    {
      figure: `outbox backlog after ${(r.windowMs / 1000).toFixed(0)} s`,
      value: `${r.unsentAtWindowEnd} unsent`,
      reference: `${r.sentInWindow} sent to channels; ${r.requestsCompletedInWindow}/${r.requests} reqs done`,
      ratio: null,
      target: '-',
      pass: null,
    },
    {
      figure: 'completion reply lag (window), max',
      value:
        r.completionReplyLagMs.max === null
          ? 'none sent'
          : `${(r.completionReplyLagMs.max / 1000).toFixed(1)} s`,
      reference: `${r.completionReplyLagMs.sent} replies sent in window`,
      ratio: null,
      target: '-',
      pass: null,
    },
    {
      figure: 'nothing dropped (restart + drain)',
      value: `${r.drain.unsent} unsent`,
      reference: `${r.drain.requestsCompleted}/${r.requests} reqs done, ${r.drain.orderViolations} order violations`,
      ratio: null,
      target: 'countUnsent() = 0',
      pass: r.drain.unsent === 0 && r.drain.orderViolations === 0,
    },
  ];
  return { name: 'pacing', rows, details: { ...r } };
}
