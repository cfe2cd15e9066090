/**
 * A pass that many events ask for at once (approvals, completions, commits): kicks during a pass
 * cause one more pass, not one each; a failed pass is reported and never rejects, so no caller
 * can leave a rejected promise behind (the next kick or tick tries again).
 */
export class CoalescedPass {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } catch (err) {
        this.onError(err);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Waits for a pass in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
