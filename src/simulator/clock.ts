/**
 * Simulator time. Every time-dependent answer (copy progress, completion, credential expiry) reads
 * this clock, so a test can move time forward instead of sleeping.
 */
export interface SimClock {
  now(): number;
  /** Move simulated time forward by `ms` (on top of whatever the base clock says). */
  advance(ms: number): void;
}

export function createSimClock(base: () => number = Date.now): SimClock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance: (ms: number) => {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
      offset += ms;
    },
  };
}

/** A clock that only moves when told to: the usual choice in tests. */
export function createManualClock(
  start = Date.parse('2024-06-03T09:00:00Z'),
): SimClock & { set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
      t += ms;
    },
    set: (ms: number) => {
      t = ms;
    },
  };
}
