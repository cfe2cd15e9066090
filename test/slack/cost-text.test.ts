import { describe, expect, it } from 'vitest';
import type { CopyCost } from '../../src/domain/cost.js';
import { copyCostText, costTotalLine, money, shortCostText } from '../../src/slack/blocks/cost.js';

describe('money', () => {
  it.each([
    [0, '$0'],
    [0.005, '<$0.01'],
    [0.01, '$0.01'],
    [2, '$2.00'],
    [1234.5, '$1,234.50'],
  ])('shows %f as %s', (usd, text) => {
    expect(money(usd)).toBe(text);
  });
});

const full: CopyCost = { transfer: 2, timeBased: 0.5, storagePerMonth: 5, oneOffUsd: 2.5 };
const incremental: CopyCost = { transfer: 'changed-blocks', storagePerMonth: 'changed-blocks', oneOffUsd: 0 };

describe('copyCostText', () => {
  it.each<[string, CopyCost, string]>([
    ['a full time-based copy', full, '$2.00 transfer + $0.50 time-based, then $5.00/month storage'],
    [
      'a full copy within one Region',
      { transfer: 0, storagePerMonth: 5, oneOffUsd: 0 },
      '$0 transfer, then $5.00/month storage',
    ],
    ['an incremental cross-Region copy', incremental, 'transfer and storage depend on the changed blocks'],
    [
      'an incremental time-based copy',
      { ...incremental, timeBased: 'changed-blocks' },
      'transfer, time-based fee and storage depend on the changed blocks',
    ],
    [
      'an incremental copy within one Region',
      { transfer: 0, storagePerMonth: 'changed-blocks', oneOffUsd: 0 },
      '$0 transfer; storage depends on the changed blocks',
    ],
  ])('words %s', (_name, cost, text) => {
    expect(copyCostText(cost)).toBe(text);
  });
});

describe('costTotalLine', () => {
  it('sums every copy, labelled an estimate, and names the incremental ones it cannot sum', () => {
    expect(costTotalLine([full, full, incremental])).toBe(
      '*Estimated cost* (estimate, USD): $4.00 transfer + $1.00 time-based = $5.00 one-off, then $10.00/month storage · plus the changed blocks of 1 incremental copy',
    );
  });

  it('leaves the time-based fee out when no copy is time-based', () => {
    expect(costTotalLine([{ transfer: 1, storagePerMonth: 2.5, oneOffUsd: 1 }])).toBe(
      '*Estimated cost* (estimate, USD): $1.00 transfer, then $2.50/month storage',
    );
  });

  it('shows nothing for copies filed before estimates existed', () => {
    expect(costTotalLine([undefined, undefined])).toBeUndefined();
    expect(shortCostText([undefined])).toBe('');
  });

  it('has a short form for summarised copies', () => {
    expect(shortCostText([full, incremental])).toBe('(est. $2.50 one-off + $5.00/month + changed blocks)');
  });
});
