import type { Server } from 'node:http';

/**
 * Acks before follow-up work. Slack gives a slash command or a click 3 s to be answered; filing a
 * request afterwards has no such deadline. Node runs both on one event loop with no priorities, so
 * a burst of commands whose filings all run at once makes every later ack wait behind AWS look-ups
 * and database writes (measured in `npm run bench`: ack p99 12× the floor at 50 concurrent commands).
 *
 * This counts the Slack requests that arrived and are not yet answered; follow-up work waits until
 * there have been none for `settleMs` (in a burst the next command arrives within milliseconds of
 * the last answer), or at most `maxWaitMs`, so a steady stream of commands cannot starve it. Work
 * that has started is not interrupted: the gate only decides when the next piece may begin.
 */
export class AckFirst {
  private unanswered = 0;
  private lastAnswered = Number.NEGATIVE_INFINITY;
  private settle: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];

  constructor(private readonly o: { settleMs?: number; maxWaitMs?: number } = {}) {}

  private get settleMs(): number {
    return this.o.settleMs ?? 20;
  }

  /** Counts every request `server` receives until its response is finished or the socket closed. */
  watch(server: Server): void {
    server.on('request', (_req, res) => {
      this.unanswered++;
      clearTimeout(this.settle);
      this.settle = undefined;
      res.once('close', () => this.answered());
    });
  }

  /** Resolves once no Slack request has waited for its answer for a moment, or after maxWaitMs. */
  quiet(): Promise<void> {
    if (this.unanswered === 0 && performance.now() - this.lastAnswered >= this.settleMs) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const waiters = this.waiters;
      const timer = setTimeout(done, this.o.maxWaitMs ?? 2_000);
      timer.unref();
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
      this.armSettle();
    });
  }

  private answered(): void {
    this.unanswered--;
    this.lastAnswered = performance.now();
    this.armSettle();
  }

  /** Once nothing is waiting for an answer, releases the waiters after settleMs without a new request. */
  private armSettle(): void {
    if (this.unanswered > 0 || this.settle !== undefined || this.waiters.length === 0) return;
    const wait = Math.max(0, this.lastAnswered + this.settleMs - performance.now());
    this.settle = setTimeout(() => {
      this.settle = undefined;
      if (this.unanswered > 0) return;
      for (const w of [...this.waiters]) w();
    }, wait);
    this.settle.unref();
  }
}
