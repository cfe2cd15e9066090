import { describe, expect, it } from 'vitest';
import type { CopyState, RequestState } from '../../src/domain/types.js';
import { aggregateRequestState } from '../../src/store/aggregate.js';
import { pickStartable, type QueuedCopy } from '../../src/store/slots.js';

const q = (id: number, region: string, minute: number, accountId = '222222222222'): QueuedCopy => ({
  id,
  account: 'audit',
  accountId,
  region,
  queuedAt: new Date(Date.UTC(2025, 0, 6, 9, minute)).toISOString(),
});
const limits = { default: 2, overrides: [{ account: 'audit', region: 'eu-west-1', limit: 1 }] };

describe('pickStartable', () => {
  it.each([
    [
      'fills free slots first come, first served',
      [q(1, 'us-west-2', 2), q(2, 'us-west-2', 1), q(3, 'us-west-2', 3)],
      [],
      [],
      undefined,
      [2, 1],
    ],
    [
      'subtracts copies already in flight',
      [q(1, 'us-west-2', 1), q(2, 'us-west-2', 2)],
      [['us-west-2', 1]],
      [],
      undefined,
      [1],
    ],
    ['applies an override', [q(1, 'eu-west-1', 1), q(2, 'eu-west-1', 2)], [], [], undefined, [1]],
    [
      'skips a held destination',
      [q(1, 'us-west-2', 1), q(2, 'ap-south-1', 2)],
      [],
      ['222222222222/us-west-2'],
      undefined,
      [2],
    ],
    [
      'takes destinations round-robin under a cap',
      [q(1, 'us-west-2', 1), q(2, 'us-west-2', 2), q(3, 'ap-south-1', 3)],
      [],
      [],
      2,
      [1, 3],
    ],
    ['starts nothing when full', [q(1, 'us-west-2', 1)], [['us-west-2', 2]], [], undefined, []],
    ['starts nothing over a lowered limit', [q(1, 'eu-west-1', 1)], [['eu-west-1', 3]], [], undefined, []],
  ] as const)('%s', (_name, queued, inFlight, held, max, expected) => {
    const load = inFlight.map(([region, n]) => ({ accountId: '222222222222', region, inFlight: n }));
    expect(pickStartable(queued, load, new Set(held), limits, max)).toEqual(expected);
  });
});

describe('aggregateRequestState', () => {
  it.each<[RequestState, CopyState[], RequestState]>([
    ['approved', ['queued', 'queued'], 'approved'],
    ['copying', ['queued', 'queued'], 'queued'],
    ['approved', ['starting', 'queued'], 'copying'],
    ['copying', ['completed', 'queued'], 'copying'],
    ['copying', ['completed', 'completed'], 'completed'],
    ['copying', ['completed', 'failed'], 'failed'],
    ['copying', ['completed', 'cancelled'], 'cancelled'],
    ['copying', ['failed', 'cancelled'], 'failed'],
    ['pending_approval', ['waiting'], 'pending_approval'],
    ['rejected', ['cancelled'], 'rejected'],
  ])('%s with copies %j is %s', (current, copies, expected) => {
    expect(aggregateRequestState(current, copies)).toBe(expected);
  });
});
