import { describe, expect, it } from 'vitest';
import {
  aggregateRequestState,
  canCancel,
  canTransition,
  canTransitionCopy,
  canTransitionRequest,
  TERMINAL_REQUEST_STATES,
} from '../../src/domain/request.js';
import {
  COPY_STATES,
  type CopyState,
  REQUEST_STATES,
  type RequestState,
  TERMINAL_COPY_STATES,
} from '../../src/domain/types.js';

describe('copy transitions', () => {
  it.each<[CopyState, CopyState, boolean]>([
    ['waiting', 'queued', true],
    ['waiting', 'cancelled', true],
    ['waiting', 'starting', false],
    ['queued', 'starting', true],
    ['queued', 'cancelled', true],
    ['queued', 'copying', false],
    ['starting', 'copying', true],
    ['starting', 'queued', true],
    ['starting', 'failed', true],
    ['starting', 'cancelled', false],
    ['starting', 'completed', false],
    ['copying', 'completed', true],
    ['copying', 'failed', true],
    ['copying', 'cancelled', false],
    ['copying', 'queued', false],
    ['completed', 'copying', false],
    ['failed', 'queued', false],
    ['cancelled', 'queued', false],
  ])('%s → %s is %s', (from, to, allowed) => {
    expect(canTransitionCopy(from, to)).toBe(allowed);
    expect(canTransition('copy', from, to)).toBe(allowed);
  });

  it('terminal copy states have no way out', () => {
    for (const from of TERMINAL_COPY_STATES)
      for (const to of COPY_STATES) expect(canTransitionCopy(from, to)).toBe(false);
  });
});

describe('request transitions', () => {
  it.each<[RequestState, RequestState, boolean]>([
    ['pending_approval', 'approved', true],
    ['pending_approval', 'rejected', true],
    ['pending_approval', 'expired', true],
    ['pending_approval', 'cancelled', true],
    ['pending_approval', 'queued', false],
    ['approved', 'queued', true],
    ['approved', 'copying', true],
    ['approved', 'cancelled', true],
    ['approved', 'expired', false],
    ['queued', 'copying', true],
    ['queued', 'cancelled', true],
    ['copying', 'queued', true],
    ['copying', 'completed', true],
    ['copying', 'failed', true],
    ['copying', 'cancelled', false],
    ['copying', 'pending_approval', false],
  ])('%s → %s is %s', (from, to, allowed) => {
    expect(canTransitionRequest(from, to)).toBe(allowed);
    expect(canTransition('request', from, to)).toBe(allowed);
  });

  it('terminal request states have no way out', () => {
    for (const from of TERMINAL_REQUEST_STATES)
      for (const to of REQUEST_STATES) expect(canTransitionRequest(from, to)).toBe(false);
  });
});

describe('canCancel', () => {
  it.each<{ name: string; request: RequestState; copies: CopyState[]; ok: boolean }>([
    {
      name: 'a request awaiting approval can be cancelled',
      request: 'pending_approval',
      copies: ['waiting'],
      ok: true,
    },
    { name: 'a queued request can be cancelled', request: 'queued', copies: ['queued', 'queued'], ok: true },
    {
      name: 'a request with a copy starting cannot be cancelled',
      request: 'queued',
      copies: ['queued', 'starting'],
      ok: false,
    },
    { name: 'a copying request cannot be cancelled', request: 'copying', copies: ['copying'], ok: false },
    {
      name: 'a finished request cannot be cancelled',
      request: 'completed',
      copies: ['completed'],
      ok: false,
    },
  ])('$name', ({ request, copies, ok }) => {
    expect(canCancel(request, copies)).toBe(ok);
  });
});

describe('aggregateRequestState', () => {
  it.each<{ name: string; copies: CopyState[]; state: RequestState | null }>([
    { name: 'no copies aggregate to nothing', copies: [], state: null },
    { name: 'all waiting is pending approval', copies: ['waiting', 'waiting'], state: 'pending_approval' },
    { name: 'all queued is queued', copies: ['queued', 'queued'], state: 'queued' },
    { name: 'any starting is copying', copies: ['queued', 'starting'], state: 'copying' },
    { name: 'any copying is copying', copies: ['completed', 'copying', 'queued'], state: 'copying' },
    { name: 'a failure while others copy is still copying', copies: ['failed', 'copying'], state: 'copying' },
    { name: 'queued after another finished is copying', copies: ['completed', 'queued'], state: 'copying' },
    { name: 'all completed is completed', copies: ['completed', 'completed'], state: 'completed' },
    { name: 'all ended with a failure is failed', copies: ['completed', 'failed'], state: 'failed' },
    { name: 'all failed is failed', copies: ['failed'], state: 'failed' },
    { name: 'all cancelled is cancelled', copies: ['cancelled', 'cancelled'], state: 'cancelled' },
    { name: 'completed and cancelled is cancelled', copies: ['completed', 'cancelled'], state: 'cancelled' },
  ])('$name', ({ copies, state }) => {
    expect(aggregateRequestState(copies)).toBe(state);
  });

  it('every move of one copy moves the request along an allowed transition (or not at all)', () => {
    // Two-copy requests after approval: apply every allowed copy transition to every reachable pair.
    const afterApproval = COPY_STATES.filter((s) => s !== 'waiting');
    for (const a of afterApproval) {
      for (const b of afterApproval) {
        const before = aggregateRequestState([a, b]) as RequestState;
        for (const next of COPY_STATES.filter((s) => canTransitionCopy(a, s))) {
          const after = aggregateRequestState([next, b]) as RequestState;
          if (after !== before && !(next === 'cancelled' || b === 'cancelled')) {
            expect([before, after, canTransitionRequest(before, after)]).toEqual([before, after, true]);
          }
        }
      }
    }
  });
});
