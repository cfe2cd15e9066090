import { describe, expect, it } from 'vitest';
import {
  destinationKey,
  estimateStart,
  limitFor,
  type QueuedCopy,
  queuePositions,
  selectStartable,
} from '../../src/domain/slots.js';
import type { LimitsConfig } from '../../src/domain/types.js';

const limits: LimitsConfig = {
  concurrentCopies: 20,
  overrides: [{ account: 'audit', region: 'us-west-2', concurrentCopies: 5 }],
};

describe('limitFor', () => {
  it.each([
    {
      name: 'an override applies to its account and Region',
      account: 'audit',
      region: 'us-west-2',
      limit: 5,
    },
    {
      name: 'the default applies to the same account in another Region',
      account: 'audit',
      region: 'eu-west-1',
      limit: 20,
    },
    {
      name: 'the default applies to another account in the same Region',
      account: 'prod',
      region: 'us-west-2',
      limit: 20,
    },
  ])('$name', ({ account, region, limit }) => {
    expect(limitFor(limits, account, region)).toBe(limit);
  });
});

/** `a/us-west-2#3` style fixtures: copy `${account}-${n}` queued at minute n. */
function q(account: string, region: string, ...minutes: number[]): QueuedCopy[] {
  return minutes.map((m) => ({
    copyId: `${account}-${region}-${m}`,
    destAccount: account,
    destRegion: region,
    queuedAt: new Date(Date.UTC(2024, 0, 1, 0, m)),
  }));
}
const W = 'us-west-2';
const E = 'eu-west-1';

describe('selectStartable', () => {
  it.each<{
    name: string;
    queued: QueuedCopy[];
    inFlight?: Array<[string, number]>;
    held?: string[];
    limit?: number;
    start: string[];
  }>([
    { name: 'nothing queued starts nothing', queued: [], start: [] },
    {
      name: 'a free destination starts its oldest copies up to the limit',
      queued: q('a', W, 3, 1, 2),
      limit: 2,
      start: ['a-us-west-2-1', 'a-us-west-2-2'],
    },
    {
      name: 'copies in flight use up slots',
      queued: q('a', W, 1, 2, 3),
      inFlight: [[destinationKey('a', W), 2]],
      limit: 3,
      start: ['a-us-west-2-1'],
    },
    {
      name: 'a full destination starts nothing',
      queued: q('a', W, 1),
      inFlight: [[destinationKey('a', W), 3]],
      limit: 3,
      start: [],
    },
    {
      name: 'a destination above its limit (after a lowered limit) starts nothing',
      queued: q('a', W, 1),
      inFlight: [[destinationKey('a', W), 9]],
      limit: 3,
      start: [],
    },
    {
      name: 'a large request for one destination does not starve another destination',
      queued: [...q('a', W, 1, 2, 3, 4, 5), ...q('a', E, 6)],
      limit: 2,
      start: ['a-us-west-2-1', 'a-us-west-2-2', 'a-eu-west-1-6'],
    },
    {
      name: 'the same Region of another account is another destination',
      queued: [...q('a', W, 1, 2), ...q('b', W, 3)],
      inFlight: [[destinationKey('a', W), 1]],
      limit: 1,
      start: ['b-us-west-2-3'],
    },
    {
      name: 'a held destination starts nothing while others do',
      queued: [...q('a', W, 1), ...q('a', E, 2)],
      held: [destinationKey('a', W)],
      limit: 5,
      start: ['a-eu-west-1-2'],
    },
  ])('$name', ({ queued, inFlight = [], held = [], limit = 20, start }) => {
    expect(
      selectStartable({
        queued,
        inFlightByDestination: new Map(inFlight),
        heldDestinations: new Set(held),
        limitFor: () => limit,
      }),
    ).toEqual(start);
  });

  it('uses the limit of each destination', () => {
    const started = selectStartable({
      queued: [...q('audit', W, 1, 2, 3, 4, 5, 6), ...q('prod', W, 7, 8)],
      inFlightByDestination: new Map(),
      heldDestinations: new Set(),
      limitFor: (account, region) =>
        limitFor(
          { concurrentCopies: 1, overrides: [{ account: 'audit', region: W, concurrentCopies: 3 }] },
          account,
          region,
        ),
    });
    expect(started).toEqual([
      'audit-us-west-2-1',
      'audit-us-west-2-2',
      'audit-us-west-2-3',
      'prod-us-west-2-7',
    ]);
  });

  it('breaks ties in queue time by copy ID, the same on every replica', () => {
    const sameTime = new Date(0);
    const queued = ['c2', 'c1', 'c3'].map((copyId) => ({
      copyId,
      destAccount: 'a',
      destRegion: W,
      queuedAt: sameTime,
    }));
    expect(
      selectStartable({
        queued,
        inFlightByDestination: new Map(),
        heldDestinations: new Set(),
        limitFor: () => 2,
      }),
    ).toEqual(['c1', 'c2']);
  });
});

describe('queuePositions', () => {
  it('numbers each copy within its own destination, oldest first', () => {
    const positions = queuePositions([...q('a', W, 5, 1), ...q('a', E, 3), ...q('b', W, 2)]);
    expect(Object.fromEntries(positions)).toEqual({
      'a-us-west-2-1': 1,
      'a-us-west-2-5': 2,
      'a-eu-west-1-3': 1,
      'b-us-west-2-2': 1,
    });
  });
});

describe('estimateStart', () => {
  const HOUR = 3_600_000;
  it.each([
    { name: 'a copy with a free slot starts now', position: 1, limit: 5, inFlight: 4, ms: 0 },
    {
      name: 'the first copy behind a full destination waits one copy duration',
      position: 1,
      limit: 5,
      inFlight: 5,
      ms: HOUR,
    },
    { name: 'copies wait in waves of the limit', position: 6, limit: 5, inFlight: 5, ms: 2 * HOUR },
    {
      name: 'free slots take the first copies before waves begin',
      position: 3,
      limit: 5,
      inFlight: 3,
      ms: HOUR,
    },
    { name: 'a zero limit never starts', position: 1, limit: 0, inFlight: 0, ms: Number.POSITIVE_INFINITY },
  ])('$name', ({ position, limit, inFlight, ms }) => {
    expect(estimateStart(position, limit, inFlight, HOUR)).toBe(ms);
  });
});
