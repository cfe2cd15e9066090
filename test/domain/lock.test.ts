import { describe, expect, it } from 'vitest';
import { requiredApprovals } from '../../src/domain/approval.js';
import { parseCommand } from '../../src/domain/command.js';
import { parseModalSubmission } from '../../src/domain/modal.js';

const SNAP = 'snap-0123456789abcdef0';

describe('lock on the one-line command', () => {
  it.each([
    ['lock 30d', { mode: 'governance', days: 30 }],
    ['lock 30d compliance', { mode: 'compliance', days: 30 }],
    ['lock 7d governance note "x"', { mode: 'governance', days: 7 }],
    ['lock 365 COMPLIANCE', { mode: 'compliance', days: 365 }],
  ])('%s', (options, lock) => {
    const parsed = parseCommand(`${SNAP} to us-west-2 ${options}`);
    expect(parsed).toMatchObject({ kind: 'copy', spec: { lock } });
  });

  it.each([
    ['lock', '`lock` needs a number of days such as 30d, then optionally governance or compliance'],
    ['lock 0d', 'lock `0d` is out of range: 1d … 36500d'],
    ['lock 40000d', 'lock `40000d` is out of range: 1d … 36500d'],
    ['lock soon', '`soon` is not a lock duration: write <N>d, e.g. 30d'],
  ])('refuses %s', (options, problem) => {
    const parsed = parseCommand(`${SNAP} to us-west-2 ${options}`);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problems).toContain(problem);
  });
});

describe('lock in the form', () => {
  const base = {
    sources: { sources: { value: SNAP } },
    destination_regions: { destination_regions: { selected_options: [{ value: 'us-west-2' }] } },
  };
  it('reads lock_days and lock_mode', () => {
    const result = parseModalSubmission({
      ...base,
      lock_days: { lock_days: { value: '30' } },
      lock_mode: { lock_mode: { selected_option: { value: 'compliance' } } },
    });
    expect(result).toMatchObject({ ok: true, spec: { lock: { mode: 'compliance', days: 30 } } });
  });
  it('shows a bad number of days on its field', () => {
    const result = parseModalSubmission({ ...base, lock_days: { lock_days: { value: 'forever' } } });
    expect(result).toMatchObject({ ok: false, errors: { lock_days: expect.stringContaining('forever') } });
  });
});

describe('approval rules on locks', () => {
  const config = {
    approvers: ['U1'],
    required: 1,
    allowSelfApproval: false,
    expireAfterHours: 24,
    rules: [{ when: { lock: 'compliance' as const }, required: 2 }],
  };
  const facts = { crossAccount: false, sourceAccount: 'prod', destinationAccount: 'prod' };
  it('a compliance lock needs the rule’s approvals; governance and none do not', () => {
    expect(requiredApprovals(config, { ...facts, lock: 'compliance' })).toBe(2);
    expect(requiredApprovals(config, { ...facts, lock: 'governance' })).toBe(1);
    expect(requiredApprovals(config, facts)).toBe(1);
  });
});
