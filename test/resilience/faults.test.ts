/**
 * Guarantee 4: faults from outside fail nothing that should not fail. Slack rate-limits and
 * errors (messages arrive later, in order, once each); AWS throttles in bursts (every copy
 * completes); STS refuses one account's role (a clear failure there, other accounts unaffected);
 * /healthz answers 503 while the database does not (PostgreSQL outages: database-outage.test.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { healthRoutes } from '../../src/slack/routes.js';
import {
  APPROVER,
  type Harness,
  OPS_CHANNEL,
  REQUESTER,
  startHarness,
  testConfigYaml,
} from '../integration/harness.js';
import { approvalCard, click, responses } from '../integration/slack-actions.js';
import {
  copySnapshotCalls,
  duplicates,
  eventually,
  repeated,
  SlackFaults,
  sleep,
  worldCopies,
} from './support.js';

async function fileAndApprove(h: Harness, n: number, text: string, approve = true): Promise<void> {
  await h.send.command(text, REQUESTER, OPS_CHANNEL);
  await eventually(
    () => responses(h.slack).some((t) => t.includes(`Filed *R-${n}*`)),
    `R-${n} filed`,
    15_000,
    () => responses(h.slack).join('\n'),
  );
  if (!approve) return;
  const card = await approvalCard(h.slack, n);
  await click(h.send, card, APPROVER, 'approve_copy', `R-${n}`);
}

const completed = (h: Harness, ns: number[]) => async () =>
  (await Promise.all(ns.map((n) => h.bot.store.getRequest(n)))).every((r) => r?.state === 'completed');

describe('faults from outside', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('delivers every thread message later, in order and once, through Slack 429s (Retry-After: 1) and 5xx', async () => {
    const harness = await startHarness({ pollIntervalMs: 200 });
    h = harness;
    const faults = new SlackFaults(harness.slack);
    await fileAndApprove(harness, 1, `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`, false);
    const card = await approvalCard(harness.slack, 1);

    // Slack rate-limits the next four messages, then fails with 503 for a while.
    faults.failNext(4, 429, { 'retry-after': '1' });
    await click(harness.send, card, APPROVER, 'approve_copy', 'R-1');
    await eventually(() => faults.failed.size >= 4, 'four 429 answers');
    const rateLimitedAt = Date.now();
    faults.fail(503);
    await sleep(1_500);
    faults.clear();

    await eventually(
      () => faults.deliveredReplies().some((t) => t.includes('R-1 completed')),
      'completion told in the thread',
      30_000,
      () => faults.deliveredReplies().join('\n'),
    );
    const replies = faults.deliveredReplies();
    expect(repeated(replies)).toEqual([]);
    expect(repeated(faults.deliveredPosts())).toEqual([]);
    // The thread tells the story in the order it happened.
    const order = ['approved by', 'copy started as', `copied to us-west-2`, 'R-1 completed'].map((s) =>
      replies.findIndex((t) => t.includes(s)),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Retry-After was honoured: nothing was sent to the rate-limited channel within the second after.
    const firstRetry = faults
      .delivered('chat.postMessage')
      .find((c) => c.args.channel === OPS_CHANNEL && c.at >= rateLimitedAt - 2_000 && c.args.thread_ts);
    expect(firstRetry).toBeDefined();
    // The updates enqueued after the last reply go out too.
    await eventually(async () => (await harness.bot.store.countUnsent()) === 0, 'outbox drained', 15_000);
  }, 45_000);

  it('completes every copy, once each, through a burst of AWS throttling', async () => {
    const harness = await startHarness({ pollIntervalMs: 200 });
    h = harness;
    await fileAndApprove(harness, 1, 'tag:Group=db-cluster-1 from us-east-1 to us-west-2', false);
    await fileAndApprove(
      harness,
      2,
      `${DEMO_SNAPSHOTS.customerKey} from us-east-1 to us-west-2 to-account audit`,
      false,
    );
    // Twenty throttled EC2 calls in a row, starting with the copies' first calls. (A burst on STS
    // instead stalls every copy for ~50 s: all of a request's calls wait behind one AssumeRole
    // whose adaptive retry sends about one attempt every 2 s — slow, but nothing fails.)
    harness.sim.throttleNext(12, 'CopySnapshot');
    harness.sim.throttleNext(8, 'DescribeSnapshots');
    for (const n of [1, 2])
      await click(harness.send, await approvalCard(harness.slack, n), APPROVER, 'approve_copy', `R-${n}`);

    // The SDK's adaptive retry slows its client-side rate after a burst and recovers slowly: the
    // copies complete, but 20 throttled calls cost some 40 s.
    await eventually(completed(harness, [1, 2]), 'R-1 and R-2 completed', 55_000, async () =>
      [
        JSON.stringify(
          (await harness.bot.store.listCopies({ limit: 20 })).map((c) => [
            c.id,
            c.state,
            c.attempts,
            c.claimedAt,
          ]),
        ),
        ...harness.sim.calls
          .filter((c) => c.action !== 'DescribeSnapshots' || c.outcome === 'error')
          .map(
            (c) =>
              `${new Date(c.time).toISOString()} ${c.service} ${c.action} ${c.accountId ?? ''} ${c.outcome} ${c.errorCode ?? ''}`,
          ),
      ].join('\n'),
    );
    expect(
      harness.sim.calls.filter((c) => c.errorCode === 'RequestLimitExceeded' || c.errorCode === 'Throttling')
        .length,
    ).toBeGreaterThanOrEqual(1);
    const copies = [...(await harness.bot.store.getCopies(1)), ...(await harness.bot.store.getCopies(2))];
    expect(copies.map((c) => c.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(duplicates(copySnapshotCalls(harness.sim))).toEqual({});
    expect(worldCopies(harness.sim).size).toBe(4);
  }, 75_000);

  it("fails clearly where STS refuses an account's role and leaves the other accounts working", async () => {
    const harness = await startHarness({
      configYaml: testConfigYaml((y) =>
        y.replace('externalId: prod-ext-id', 'externalId: wrong-external-id'),
      ),
      pollIntervalMs: 200,
    });
    h = harness;
    await harness.send.command(
      `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`,
      REQUESTER,
      OPS_CHANNEL,
    );
    const refusal = await eventually(
      () =>
        responses(harness.slack).find((t) => t.includes('arn:aws:iam::111111111111:role/snapshot-copy-bot')),
      'a refusal naming the prod role',
      15_000,
      () => responses(harness.slack).join('\n'),
    );
    expect(refusal).not.toContain('Filed');
    expect(await harness.bot.store.listRequests({ limit: 10 })).toEqual([]);

    // Staging's own snapshot, copied within staging: its role is fine.
    await fileAndApprove(
      harness,
      1,
      `${DEMO_SNAPSHOTS.sharedFromStaging} account staging from us-east-1 to eu-west-1`,
    );
    await eventually(completed(harness, [1]), 'the staging request completed', 20_000);
    expect(
      harness.sim.calls.filter((c) => c.action === 'CopySnapshot' && c.accountId === '111111111111'),
    ).toEqual([]);
  }, 45_000);
});

describe('/healthz while the database does not answer', () => {
  it('answers 503 while the ping fails and 200 again once it answers', async () => {
    let up = true;
    const routes = healthRoutes({
      ping: async () => {
        if (!up) throw new Error('SQLITE_BUSY: database is locked');
      },
      registry: new Registry(),
      timeoutMs: 200,
    });
    const healthz = routes.find((r) => r.path === '/healthz')!;
    const get = () =>
      new Promise<{ status: number; body: string }>((resolve) => {
        const res = {
          writeHead(status: number) {
            this.status = status;
            return this;
          },
          end(body: string) {
            resolve({ status: this.status, body });
          },
          status: 0,
        };
        healthz.handler({ method: 'GET' } as IncomingMessage, res as unknown as ServerResponse);
      });
    expect((await get()).status).toBe(200);
    up = false;
    const down = await get();
    expect(down.status).toBe(503);
    expect(down.body).toContain('database is locked');
    up = true;
    expect((await get()).status).toBe(200);
  });
});
