import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { configFromObject, parseConfigText } from '../../src/config/load.js';

/** The smallest valid configuration; each case below adds `pricing` or a rule. */
function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    slack: { approvalsChannel: 'C0APPROVALS' },
    accounts: [{ alias: 'prod', id: '111111111111', regions: ['us-east-1', 'us-west-2'] }],
    approvals: { approvers: ['U0APPROVER1', 'U0APPROVER2'] },
    ...extra,
  };
}

function problemsOf(raw: unknown): string[] {
  try {
    configFromObject(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('pricing', () => {
  it('takes SPEC §3’s defaults when omitted', () => {
    expect(configFromObject(minimal()).pricing).toEqual({
      transferPerGiB: 0.02,
      transferOverrides: [],
      snapshotStoragePerGiBMonth: 0.05,
      timeBasedCopyPerGiB: [
        { upToMinutes: 15, perGiB: 0.02 },
        { upToMinutes: 2880, perGiB: 0.005 },
      ],
    });
  });

  it('reads SPEC §3’s pricing block as written, filling only what it leaves out', () => {
    const config = parseConfigText(
      `slack:
  approvalsChannel: C0APPROVALS
accounts:
  - { alias: prod, id: "111111111111", regions: [us-east-1, us-east-2] }
approvals:
  approvers: [U0APPROVER1]
pricing:
  transferPerGiB: 0.09
  transferOverrides:
    - { from: us-east-1, to: us-east-2, perGiB: 0.01 }
  timeBasedCopyPerGiB:
    - { upToMinutes: 60, perGiB: 0.03 }
    - { upToMinutes: 2880, perGiB: 0.004 }
`,
      'pricing.yml',
    );
    expect(config.pricing).toEqual({
      transferPerGiB: 0.09,
      transferOverrides: [{ from: 'us-east-1', to: 'us-east-2', perGiB: 0.01 }],
      snapshotStoragePerGiBMonth: 0.05,
      timeBasedCopyPerGiB: [
        { upToMinutes: 60, perGiB: 0.03 },
        { upToMinutes: 2880, perGiB: 0.004 },
      ],
    });
  });

  it('accepts a price of 0 (an operator who wants transfer left out of the estimate)', () => {
    expect(configFromObject(minimal({ pricing: { transferPerGiB: 0 } })).pricing.transferPerGiB).toBe(0);
  });

  it.each<[string, unknown, string[]]>([
    [
      'a negative transfer price',
      { transferPerGiB: -0.02 },
      ['pricing.transferPerGiB: must be a price in USD of 0 or more'],
    ],
    [
      'a price in quotes',
      { snapshotStoragePerGiBMonth: '0.05' },
      ['pricing.snapshotStoragePerGiBMonth: must be a price in USD, such as 0.02'],
    ],
    ['an unknown key', { transferPerGb: 0.02 }, ['pricing.transferPerGb: unknown key']],
    [
      'an override with an unknown Region',
      { transferOverrides: [{ from: 'us-east-1', to: 'us-middle-9', perGiB: 0.01 }] },
      ['pricing.transferOverrides[0].to: unknown AWS Region "us-middle-9"'],
    ],
    [
      'an override within one Region',
      { transferOverrides: [{ from: 'us-east-1', to: 'us-east-1', perGiB: 0.01 }] },
      [
        'pricing.transferOverrides[0]: from and to are both us-east-1: a copy within one Region moves no data out of it (its transfer is $0)',
      ],
    ],
    [
      'the same override pair twice',
      {
        transferOverrides: [
          { from: 'us-east-1', to: 'us-east-2', perGiB: 0.01 },
          { from: 'us-east-1', to: 'us-east-2', perGiB: 0.02 },
        ],
      },
      ['pricing.transferOverrides[1]: us-east-1→us-east-2 is listed twice'],
    ],
    [
      'unsorted time-based tiers',
      {
        timeBasedCopyPerGiB: [
          { upToMinutes: 60, perGiB: 0.01 },
          { upToMinutes: 15, perGiB: 0.02 },
          { upToMinutes: 2880, perGiB: 0.005 },
        ],
      },
      [
        'pricing.timeBasedCopyPerGiB[1].upToMinutes: tiers must be sorted by upToMinutes, each longer than the one before (15 follows 60)',
      ],
    ],
    [
      'tiers that stop short of 48 hours',
      { timeBasedCopyPerGiB: [{ upToMinutes: 15, perGiB: 0.02 }] },
      [
        'pricing.timeBasedCopyPerGiB[0].upToMinutes: the last tier must reach upToMinutes: 2880 (48 h, the longest `within`), so every completion duration has a price',
      ],
    ],
    [
      'a tier off the 15-minute steps',
      {
        timeBasedCopyPerGiB: [
          { upToMinutes: 20, perGiB: 0.02 },
          { upToMinutes: 2880, perGiB: 0.005 },
        ],
      },
      [
        'pricing.timeBasedCopyPerGiB[0].upToMinutes: must be a whole number of minutes from 15 to 2880, in steps of 15',
      ],
    ],
    [
      'no tiers',
      { timeBasedCopyPerGiB: [] },
      ['pricing.timeBasedCopyPerGiB: list at least one tier, the last with upToMinutes: 2880'],
    ],
    [
      'a tier without a price',
      { timeBasedCopyPerGiB: [{ upToMinutes: 2880 }] },
      ['pricing.timeBasedCopyPerGiB[0].perGiB: must be a price in USD, such as 0.02'],
    ],
  ])('rejects %s', (_name, pricing, expected) => {
    expect(problemsOf(minimal({ pricing }))).toEqual(expected);
  });
});

describe('approvals.rules estimatedCostOverUsd', () => {
  it('is a condition of its own', () => {
    const config = configFromObject(
      minimal({
        approvals: {
          approvers: ['U0APPROVER1', 'U0APPROVER2'],
          rules: [{ when: { estimatedCostOverUsd: 100 }, required: 2 }],
        },
      }),
    );
    expect(config.approvals.rules).toEqual([{ when: { estimatedCostOverUsd: 100 }, required: 2 }]);
  });

  it.each<[string, unknown, string]>([
    [
      'a negative amount',
      -1,
      'approvals.rules[0].when.estimatedCostOverUsd: must be an amount in USD of 0 or more',
    ],
    [
      'an amount with a dollar sign',
      '$100',
      'approvals.rules[0].when.estimatedCostOverUsd: must be an amount in USD, such as 100',
    ],
  ])('rejects %s', (_name, amount, expected) => {
    expect(
      problemsOf(
        minimal({
          approvals: {
            approvers: ['U0APPROVER1', 'U0APPROVER2'],
            rules: [{ when: { estimatedCostOverUsd: amount }, required: 2 }],
          },
        }),
      ),
    ).toEqual([expected]);
  });
});
