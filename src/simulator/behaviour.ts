import type { Principal, World } from './world.js';

/** How long a copy takes, in simulated milliseconds. */
export type CopyDurationModel = (copy: {
  sizeGiB: number;
  incremental: boolean;
  crossRegion: boolean;
  completionDurationMinutes?: number;
}) => number;

/**
 * Default: fast enough for a demo in a real Slack workspace (tens of seconds), still growing with
 * size so that a multi-volume group finishes out of order, and incremental copies are visibly faster.
 */
export const defaultCopyDuration: CopyDurationModel = ({
  sizeGiB,
  incremental,
  completionDurationMinutes,
}) => {
  const full = Math.min(90_000, 20_000 + sizeGiB * 100);
  const ms = incremental ? Math.max(5_000, Math.round(full / 4)) : full;
  // A time-based copy finishes within its CompletionDurationMinutes.
  return completionDurationMinutes === undefined ? ms : Math.min(ms, completionDurationMinutes * 60_000);
};

/** Tunables of simulated behaviour that are not part of the world's data. */
export interface Behaviour {
  copyDuration: CopyDurationModel;
  /** Delay after CopySnapshot before a copy with an unusable key turns to `error`. */
  keyFailureDelayMs: number;
  /** When set, AssumeRole credentials live this long regardless of DurationSeconds (to test refresh). */
  sessionLifetimeSeconds?: number;
  /**
   * DescribeSnapshots is eventually consistent: a snapshot this young (simulated ms) is not yet in
   * listings by filter (it is found by its ID). 0 = listed at once.
   */
  listingDelayMs: number;
  /** How long CreateVolume takes from `creating` to `available` (simulated ms). */
  volumeCreateMs: number;
}

/** Everything a simulated operation needs for one request. */
export interface HandlerContext {
  world: World;
  principal: Principal;
  region: string;
  now: number;
  behaviour: Behaviour;
}
