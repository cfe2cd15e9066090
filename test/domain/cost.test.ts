import { describe, expect, it } from 'vitest';
import {
  type CopyCostInput,
  DEFAULT_PRICING,
  estimateCopyCost,
  type PricingConfig,
  timeBasedPerGiB,
  totalCost,
  transferPerGiB,
} from '../../src/domain/cost.js';

const pricing: PricingConfig = {
  ...DEFAULT_PRICING,
  transferOverrides: [{ from: 'us-east-1', to: 'us-east-2', perGiB: 0.01 }],
};

const fullToOregon: CopyCostInput = {
  sourceRegion: 'us-east-1',
  destinationRegion: 'us-west-2',
  sizeGiB: 100,
  kind: 'full',
  movesData: true,
};

describe('estimateCopyCost', () => {
  it.each<[string, Partial<CopyCostInput>, ReturnType<typeof estimateCopyCost>]>([
    [
      'a full cross-Region copy pays transfer out of the source Region for the whole volume, and its storage',
      {},
      { transfer: 2, storagePerMonth: 5, oneOffUsd: 2 },
    ],
    [
      'a full copy to an override pair pays the pair’s price',
      { destinationRegion: 'us-east-2' },
      { transfer: 1, storagePerMonth: 5, oneOffUsd: 1 },
    ],
    [
      'an override is one direction only: the way back pays the default',
      { sourceRegion: 'us-east-2', destinationRegion: 'us-east-1' },
      { transfer: 2, storagePerMonth: 5, oneOffUsd: 2 },
    ],
    [
      'an incremental cross-Region copy depends on its changed blocks',
      { kind: 'incremental' },
      { transfer: 'changed-blocks', storagePerMonth: 'changed-blocks', oneOffUsd: 0 },
    ],
    [
      'a time-based copy of 15 minutes takes the 15-minute tier',
      { withinMinutes: 15 },
      { transfer: 2, timeBased: 2, storagePerMonth: 5, oneOffUsd: 4 },
    ],
    [
      'a time-based copy of 30 minutes takes the next tier up',
      { withinMinutes: 30 },
      { transfer: 2, timeBased: 0.5, storagePerMonth: 5, oneOffUsd: 2.5 },
    ],
    [
      'a time-based copy of 2880 minutes takes the last tier',
      { withinMinutes: 2880 },
      { transfer: 2, timeBased: 0.5, storagePerMonth: 5, oneOffUsd: 2.5 },
    ],
    [
      'a time-based incremental copy pays its fee on the changed blocks only',
      { kind: 'incremental', withinMinutes: 15 },
      {
        transfer: 'changed-blocks',
        timeBased: 'changed-blocks',
        storagePerMonth: 'changed-blocks',
        oneOffUsd: 0,
      },
    ],
    [
      'a full copy within one Region (another key) moves no data out of it, and stores the volume',
      { destinationRegion: 'us-east-1' },
      { transfer: 0, storagePerMonth: 5, oneOffUsd: 0 },
    ],
    [
      'an incremental copy within one Region into another account pays no transfer',
      { destinationRegion: 'us-east-1', kind: 'incremental' },
      { transfer: 0, storagePerMonth: 'changed-blocks', oneOffUsd: 0 },
    ],
    [
      'a copy in its own account and Region that changes nothing moves and stores no data (seed: cost-free)',
      { destinationRegion: 'us-east-1', kind: 'incremental', movesData: false, withinMinutes: 15 },
      { transfer: 0, timeBased: 0, storagePerMonth: 0, oneOffUsd: 0 },
    ],
  ])('%s', (_name, change, expected) => {
    expect(estimateCopyCost(pricing, { ...fullToOregon, ...change })).toEqual(expected);
  });

  it('reads every price from the pricing it is given', () => {
    const own: PricingConfig = {
      transferPerGiB: 0.1,
      transferOverrides: [],
      snapshotStoragePerGiBMonth: 0.2,
      timeBasedCopyPerGiB: [{ upToMinutes: 2880, perGiB: 0.3 }],
    };
    expect(estimateCopyCost(own, { ...fullToOregon, sizeGiB: 10, withinMinutes: 60 })).toEqual({
      transfer: 1,
      timeBased: 3,
      storagePerMonth: 2,
      oneOffUsd: 4,
    });
  });

  it('does not let binary fractions push a sum over a round threshold', () => {
    // 100 × 0.02 is 2.0000000000000004 in floating point.
    expect(estimateCopyCost(DEFAULT_PRICING, fullToOregon).oneOffUsd).toBe(2);
    const many = Array.from({ length: 10 }, () =>
      estimateCopyCost(DEFAULT_PRICING, { ...fullToOregon, sizeGiB: 7 }),
    );
    expect(totalCost(many).oneOffUsd).toBe(1.4);
  });
});

describe('prices', () => {
  it.each([
    [15, 0.02],
    [30, 0.005],
    [2880, 0.005],
  ])('a completion duration of %i minutes costs %f per GiB by the default tiers', (minutes, perGiB) => {
    expect(timeBasedPerGiB(DEFAULT_PRICING, minutes)).toBe(perGiB);
  });

  it('takes the first tier that reaches the duration, not the cheapest', () => {
    const tiers: PricingConfig = {
      ...DEFAULT_PRICING,
      timeBasedCopyPerGiB: [
        { upToMinutes: 60, perGiB: 0.03 },
        { upToMinutes: 240, perGiB: 0.01 },
        { upToMinutes: 2880, perGiB: 0.002 },
      ],
    };
    expect([15, 60, 75, 240, 255, 2880].map((m) => timeBasedPerGiB(tiers, m))).toEqual([
      0.03, 0.03, 0.01, 0.01, 0.002, 0.002,
    ]);
  });

  it('uses an override only for its own from → to pair', () => {
    expect(transferPerGiB(pricing, 'us-east-1', 'us-east-2')).toBe(0.01);
    expect(transferPerGiB(pricing, 'us-east-1', 'us-west-2')).toBe(0.02);
  });
});

describe('totalCost', () => {
  it('sums the known figures and counts the copies that depend on changed blocks', () => {
    const costs = [
      estimateCopyCost(pricing, { ...fullToOregon, withinMinutes: 15 }), // 2 + 2, 5/month
      estimateCopyCost(pricing, { ...fullToOregon, destinationRegion: 'us-east-2', sizeGiB: 50 }), // 0.5, 2.5/month
      estimateCopyCost(pricing, { ...fullToOregon, kind: 'incremental' }),
    ];
    expect(totalCost(costs)).toEqual({
      transferUsd: 2.5,
      timeBasedUsd: 2,
      timeBased: true,
      oneOffUsd: 4.5,
      storagePerMonthUsd: 7.5,
      changedBlocksCopies: 1,
    });
  });

  it('is zero for no copies', () => {
    expect(totalCost([])).toMatchObject({ oneOffUsd: 0, storagePerMonthUsd: 0, timeBased: false });
  });
});
