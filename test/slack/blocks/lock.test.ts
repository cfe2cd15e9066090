import { describe, expect, it } from 'vitest';
import { lockCardLine, utcText } from '../../../src/slack/blocks/lock.js';

const filedAt = new Date('2026-12-01T09:00:30Z');

describe('utcText', () => {
  it('reads the same for every reader, to the minute', () => {
    expect(utcText(filedAt)).toBe('2026-12-01 09:00 UTC');
  });
});

describe('lockCardLine', () => {
  it('says a governance lock can be lifted, and from when it can end', () => {
    expect(lockCardLine({ mode: 'governance', days: 30 }, filedAt)).toBe(
      ':lock: Lock: governance, 30 days once copied (until 2026-12-31 09:00 UTC at the earliest; users with ec2:UnlockSnapshot can lift it)',
    );
  });

  it('says one day, not one days', () => {
    expect(lockCardLine({ mode: 'governance', days: 1 }, filedAt)).toContain('governance, 1 day once copied');
  });

  it('says nobody can delete a copy under a compliance lock before it ends', () => {
    expect(lockCardLine({ mode: 'compliance', days: 7 }, filedAt)).toBe(
      ':lock: Lock: *compliance*, 7 days once copied: nobody, not even the account root, can delete it before 2026-12-08 09:00 UTC',
    );
  });

  it('gives a compliance lock’s cool-off period', () => {
    expect(lockCardLine({ mode: 'compliance', days: 7, coolOffHours: 24 }, filedAt)).toContain(
      '7 days once copied (changeable for 24 h first): nobody',
    );
  });
});
