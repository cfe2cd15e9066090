/**
 * Durable steps (SPEC §10): follow-up AWS work — removing a share now, later locking, deleting a
 * retained copy, cleaning up a drill — written in the transaction of the state change that needs
 * it and carried out here by whichever live process claims it (a lease, so two replicas never run
 * one at once). A handler is idempotent and re-checks the world before acting; a failing step is
 * retried with backoff until done, and reported once when it keeps failing.
 */
import { backoffMs } from '../domain/backoff.js';
import { CoalescedPass } from '../engine/coalesced.js';
import type { Logger } from '../observability/log.js';
import type { StepRecord, Store } from '../store/port.js';

/** Thrown by a step waiting for AWS (a volume being created): it runs again then, no failure counted. */
export class StepWaiting extends Error {
  override readonly name = 'StepWaiting';
  constructor(readonly until: Date) {
    super(`waiting until ${until.toISOString()}`);
  }
}

export interface StepHandler {
  /** Does the work; throws to be retried (`StepWaiting`: to be run again later). */
  run(step: StepRecord): Promise<void>;
  /** Tells people once that the step keeps failing (writes into `tx`: an outbox message). */
  report(step: StepRecord, error: string, tx: Store): Promise<void>;
}

export interface StepRunnerDeps {
  store: Store;
  owner: string;
  now: () => Date;
  log: Logger;
  handlers: Record<string, StepHandler>;
  leaseMs?: number;
  /** The processes alive now: a step leased by any other is taken over without waiting out the lease. */
  liveOwners?: () => Promise<readonly string[]>;
  /** Tries before the failure is reported (it is still retried after). */
  reportAfterAttempts?: number;
}

const STEPS_AT_ONCE = 8;

export class StepRunner {
  private readonly passes = new CoalescedPass(
    () => this.pass(),
    (err) => this.d.log.error({ err }, 'running durable steps failed; they run again next tick'),
  );

  constructor(private readonly d: StepRunnerDeps) {}

  /** Runs due steps now; kicks during a pass cause one more pass. Never rejects. */
  kick(): Promise<void> {
    return this.passes.kick();
  }

  idle(): Promise<void> {
    return this.passes.idle();
  }

  private async pass(): Promise<void> {
    const { store, owner, now } = this.d;
    for (;;) {
      const steps = await store.claimSteps({
        owner,
        now: now(),
        leaseMs: this.d.leaseMs ?? 120_000,
        limit: STEPS_AT_ONCE,
        ...(this.d.liveOwners ? { liveOwners: await this.d.liveOwners() } : {}),
      });
      if (steps.length === 0) return;
      await Promise.all(steps.map((s) => this.runOne(s)));
    }
  }

  private async runOne(step: StepRecord): Promise<void> {
    const { store, now, log } = this.d;
    const handler = this.d.handlers[step.kind];
    try {
      if (!handler) throw new Error(`no handler for step kind ${step.kind}`);
      await handler.run(step);
      await store.completeStep(step.id, now());
    } catch (err) {
      if (err instanceof StepWaiting) {
        await store.postponeStep(step.id, err.until);
        return;
      }
      const error = err instanceof Error ? err.message : String(err);
      const at = now();
      const notBefore = new Date(
        at.getTime() + backoffMs(step.attempts, { baseMs: 5_000, capMs: 3_600_000, random: Math.random() }),
      );
      const report = step.reportedAt === null && step.attempts >= (this.d.reportAfterAttempts ?? 5);
      log.warn(
        { step: step.id, kind: step.kind, attempts: step.attempts, error, notBefore },
        'a durable step failed; it is retried',
      );
      await store.transaction(async (tx) => {
        if (report && handler) await handler.report(step, error, tx);
        await tx.retryStepLater(step.id, { notBefore, error, ...(report ? { reported: at } : {}) });
      });
    }
  }
}
