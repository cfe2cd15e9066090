import { describe, expect, it } from 'vitest';
import { slackReportRenderer as say } from '../../../src/slack/blocks/report.js';
import { HOSTILE, HOSTILE_ESCAPED } from './views.js';

// The report message itself is tested in test/slack/report-blocks.test.ts.

describe('a DR policy run that failed as a whole', () => {
  it('names the policy and the error', () => {
    expect(say.policyFailed({ policy: 'nightly', error: 'AWS could not be reached' })).toBe(
      ':warning: DR policy *nightly* did not run: AWS could not be reached',
    );
  });

  it('escapes both', () => {
    const text = say.policyFailed({ policy: HOSTILE, error: HOSTILE });
    expect(text).toBe(`:warning: DR policy *${HOSTILE_ESCAPED}* did not run: ${HOSTILE_ESCAPED}`);
  });
});

describe('a DR policy request’s warnings', () => {
  it('puts each on its own line, escaped', () => {
    expect(say.policyWarnings(['the key is not readable', HOSTILE])).toBe(
      `:warning: the key is not readable\n:warning: ${HOSTILE_ESCAPED}`,
    );
  });
});

describe('a DR policy’s refused snapshots', () => {
  it('says the policy could file nothing, and why', () => {
    expect(say.policyRefused({ policy: 'nightly', problems: ['snap-1 was not found'] })).toBe(
      ':warning: DR policy *nightly* could not file its copies:\n• snap-1 was not found',
    );
  });

  it('names the request it filed and the one snapshot it could not copy', () => {
    const text = say.policyRefused({
      policy: 'nightly',
      requestNumber: 12,
      problems: ['snap-1 is archived'],
    });
    expect(text).toMatch(
      /^:warning: DR policy \*nightly\* filed \*R-12\*, but could not copy this snapshot, /,
    );
    expect(text).toMatch(/miss(es)? this run:\n• snap-1 is archived$/);
  });

  it('speaks of one refused snapshot’s volume in the singular', () => {
    const text = say.policyRefused({
      policy: 'nightly',
      requestNumber: 12,
      problems: ['snap-1 is archived'],
    });
    expect(text).not.toContain('their volumes');
    expect(text).toContain('could not copy this snapshot, so its volume misses this run:');
  });

  it('counts several snapshots', () => {
    const text = say.policyRefused({ policy: 'nightly', requestNumber: 12, problems: ['a', 'b', 'c'] });
    expect(text).toContain(
      'could not copy these 3 snapshots, so their volumes miss this run:\n• a\n• b\n• c',
    );
  });

  it('escapes the policy name and the problems', () => {
    const text = say.policyRefused({ policy: HOSTILE, requestNumber: 12, problems: [HOSTILE] });
    expect(text).toContain(`DR policy *${HOSTILE_ESCAPED}* filed`);
    expect(text).toContain(`\n• ${HOSTILE_ESCAPED}`);
    expect(text).not.toContain('<!channel>');
  });
});
