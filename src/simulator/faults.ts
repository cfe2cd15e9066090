import { AwsError } from './errors.js';
import type { Service } from './identity.js';
import { seededRandom } from './rng.js';

export interface ThrottleSettings {
  /** Probability (0…1) that any call is throttled. */
  rate?: number;
  /** Per-action probability, overriding `rate` for that action (e.g. `{ CopySnapshot: 0.5 }`). */
  actions?: Record<string, number>;
  /** Reseeds the throttling RNG, for reproducible runs. */
  seed?: number;
}

function checkRate(rate: number): void {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`throttle rate must be within 0…1: ${rate}`);
}

/** Injected failures: throttling (random or in bursts) and answers lost after the action took effect. */
export class Faults {
  private rate = 0;
  private perAction = new Map<string, number>();
  private random: () => number;
  private burst = new Map<string, number>(); // action or '*' → calls left to throttle
  private drops = 0;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  setThrottle(settings: ThrottleSettings): void {
    if (settings.rate !== undefined) {
      checkRate(settings.rate);
      this.rate = settings.rate;
    }
    if (settings.actions !== undefined) {
      for (const r of Object.values(settings.actions)) checkRate(r);
      this.perAction = new Map(Object.entries(settings.actions));
    }
    if (settings.seed !== undefined) this.random = seededRandom(settings.seed);
  }

  /** Throttles the next `n` calls (of `action`, or of any action), whatever the rate says. */
  throttleNext(n: number, action = '*'): void {
    this.burst.set(action, (this.burst.get(action) ?? 0) + n);
  }

  dropNextCopyResponses(n: number): void {
    this.drops += n;
  }

  /** Decides (and consumes) whether this call is throttled. */
  shouldThrottle(action: string): boolean {
    for (const k of [action, '*']) {
      const left = this.burst.get(k) ?? 0;
      if (left > 0) {
        this.burst.set(k, left - 1);
        return true;
      }
    }
    const rate = this.perAction.get(action) ?? this.rate;
    return rate > 0 && this.random() < rate;
  }

  /** Whether this successful CopySnapshot's answer is to be lost. */
  takeDrop(): boolean {
    if (this.drops === 0) return false;
    this.drops--;
    return true;
  }
}

/**
 * The throttling error each service sends. EC2 answers RequestLimitExceeded with HTTP 503; STS and
 * KMS use 400. The SDK recognises all three codes as throttling and retries them with backoff.
 */
export function throttlingError(service: Service): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
    case 'sts':
      return new AwsError('Throttling', 'Rate exceeded', 400);
    case 'kms':
      return new AwsError('ThrottlingException', 'Rate exceeded', 400);
  }
}
