import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AckFirst } from '../../src/slack/ack-first.js';

/** A server whose responses wait until the test answers them, as a slow ack would. */
async function holdingServer(gate: AckFirst) {
  const held: Array<() => void> = [];
  const server: Server = createServer((_req, res) => {
    held.push(() => res.end('ok'));
  });
  gate.watch(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    held,
    request: () => fetch(url).then((r) => r.text()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const settled = async (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]);

describe('AckFirst', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('lets follow-up work start at once when no Slack request waits for its answer', async () => {
    expect(await settled(new AckFirst().quiet(), 5)).toBe(true);
  });

  it('holds follow-up work until the waiting requests are answered and a moment passed without new ones', async () => {
    const gate = new AckFirst({ settleMs: 30, maxWaitMs: 10_000 });
    const s = await holdingServer(gate);
    cleanups.push(s.close);
    const first = s.request();
    const second = s.request();
    await expect.poll(() => s.held.length).toBe(2);

    const work = gate.quiet();
    s.held[0]?.();
    await first;
    expect(await settled(work, 60)).toBe(false); // one request still waits for its answer
    s.held[1]?.();
    await second;
    expect(await settled(work, 200)).toBe(true);
  });

  it('does not let a stream of requests starve follow-up work beyond maxWaitMs', async () => {
    const gate = new AckFirst({ maxWaitMs: 100 });
    const s = await holdingServer(gate);
    cleanups.push(async () => {
      for (const answer of s.held) answer();
      await s.close();
    });
    void s.request();
    await expect.poll(() => s.held.length).toBe(1);
    const started = performance.now();
    await gate.quiet();
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});
