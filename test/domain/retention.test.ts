import { describe, expect, it } from 'vitest';
import { type RetentionCandidate, retentionPlan } from '../../src/domain/retention.js';

const now = new Date('2024-06-10T00:00:00Z');
const day = (n: number) => new Date(now.getTime() - n * 86_400_000);
const c = (id: string, daysAgo: number, locked = false): RetentionCandidate => ({
  snapshotId: id,
  completedAt: day(daysAgo),
  locked,
});

describe('retentionPlan', () => {
  it.each([
    {
      name: 'count 2 of four keeps the two newest',
      rule: { count: 2 },
      input: [c('a', 4), c('b', 3), c('c', 2), c('d', 1)],
      del: ['b', 'a'],
      locked: [],
    },
    {
      name: 'a locked older copy is kept, and counts',
      rule: { count: 2 },
      input: [c('a', 4), c('b', 3, true), c('c', 2), c('d', 1)],
      del: ['a'],
      locked: ['b'],
    },
    {
      name: 'count 1 keeps only the newest',
      rule: { count: 1 },
      input: [c('a', 2), c('b', 1)],
      del: ['a'],
      locked: [],
    },
    {
      name: 'days deletes the older ones',
      rule: { days: 3 },
      input: [c('a', 5), c('b', 4), c('c', 2)],
      del: ['b', 'a'],
      locked: [],
    },
    {
      name: 'days never deletes the newest, however old',
      rule: { days: 1 },
      input: [c('a', 9), c('b', 8)],
      del: ['a'],
      locked: [],
    },
    {
      name: 'nothing beyond the rule: nothing deleted',
      rule: { count: 5 },
      input: [c('a', 2), c('b', 1)],
      del: [],
      locked: [],
    },
  ])('$name', ({ rule, input, del, locked }) => {
    const plan = retentionPlan(input, rule, now);
    expect(plan.delete).toEqual(del);
    expect(plan.keptLocked).toEqual(locked);
  });
});
