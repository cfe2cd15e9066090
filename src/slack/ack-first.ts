import type { Server } from 'node:http';

/**
 * Acks before follow-up work. Slack gives a slash command or a click 3 s to be answered; filing a
 * request afterwards has no such deadline. Node runs both on one event loop with no priorities, so
 * a burst of commands whose filings all run at once makes every later ack wait behind AWS look-ups
 * and database writes (measured in `npm run bench`: ack p99 12× the floor at 50 concurrent commands).
 *
 * This counts the Slack requests that arrived and are not yet answered; follow-up work waits until
 * there are none, or at most `maxWaitMs`, so a steady stream of commands cannot starve it. Work that
 * has started is not interrupted: the gate only decides when the next piece may begin.
 */
export class AckFirst {
  private unanswered = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly maxWaitMs = 2_000) {}

  /** Counts every request `server` receives until its response is finished or the socket closed. */
  watch(server: Server): void {
    server.on('request', (_req, res) => {
      this.unanswered++;
      res.once('close', () => this.answered());
    });
  }

  /** Resolves at once when no request waits for its answer, else when the last is answered or after maxWaitMs. */
  quiet(): Promise<void> {
    if (this.unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.maxWaitMs);
      timer.unref();
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  private answered(): void {
    this.unanswered--;
    if (this.unanswered > 0) return;
    // setImmediate: let the I/O that is already waiting (the next command of a burst) be read
    // before follow-up work takes the loop; if it is a request, the waiters keep waiting.
    setImmediate(() => {
      if (this.unanswered > 0) return;
      for (const w of [...this.waiters]) w();
    });
  }
}
