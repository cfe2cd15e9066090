import { describe, expect, it } from 'vitest';
import { estimateStart, pickStartable, type QueuedCopy, slotLimit } from '../../src/domain/slots.js';

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

describe('slotLimit', () => {
  const limits = { default: 20, overrides: [{ account: 'audit', region: 'us-west-2', limit: 5 }] };
  it.each([
    {
      name: 'an override applies to its account (by alias) and Region',
      account: 'audit',
      id: '222222222222',
      region: 'us-west-2',
      limit: 5,
    },
    {
      name: 'an override names the account by ID just as well',
      account: 'x',
      id: 'audit',
      region: 'us-west-2',
      limit: 5,
    },
    {
      name: 'the default applies to the same account in another Region',
      account: 'audit',
      id: '222222222222',
      region: 'eu-west-1',
      limit: 20,
    },
    {
      name: 'the default applies to another account in the same Region',
      account: 'prod',
      id: '111111111111',
      region: 'us-west-2',
      limit: 20,
    },
  ])('$name', ({ account, id, region, limit }) => {
    expect(slotLimit(limits, account, id, region)).toBe(limit);
  });
});
