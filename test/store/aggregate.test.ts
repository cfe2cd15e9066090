import { describe, expect, it } from 'vitest';
import type { CopyState, RequestState } from '../../src/domain/types.js';
import { aggregateRequestState } from '../../src/store/aggregate.js';

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
