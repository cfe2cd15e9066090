/**
 * The approval card's estimated cost (SPEC §3 `pricing`, §5.1). Pure arithmetic on the operator's
 * own price list: AWS prices differ by Region and change, so these are estimates, labelled so.
 *
 * What a copy costs, per the seed and the EBS pricing page:
 * - data transfer out of the source Region, for the data the copy moves: a full copy moves the
 *   whole volume; an incremental one only the blocks changed since the previous copy, which the
 *   bot cannot know before AWS copies them; a copy within one Region moves nothing out of it;
 * - the time-based copy fee (`within`, CompletionDurationMinutes), per GiB copied, by the tier of
 *   the completion duration asked for;
 * - snapshot storage in the destination, per month, for what the copy stores.
 */

export interface TransferOverride {
  from: string;
  to: string;
  perGiB: number;
}

export interface TimeBasedTier {
  /** The tier applies to completion durations up to and including this many minutes. */
  upToMinutes: number;
  perGiB: number;
}

/** `pricing` config (SPEC §3), USD. */
export interface PricingConfig {
  transferPerGiB: number;
  transferOverrides: TransferOverride[];
  snapshotStoragePerGiBMonth: number;
  /** Sorted by `upToMinutes`; the last reaches 2880 (the longest `within`). */
  timeBasedCopyPerGiB: TimeBasedTier[];
}

/** SPEC §3's defaults: EC2 inter-Region transfer out and the EBS pricing page (US Regions). */
export const DEFAULT_PRICING: PricingConfig = {
  transferPerGiB: 0.02,
  transferOverrides: [],
  snapshotStoragePerGiBMonth: 0.05,
  timeBasedCopyPerGiB: [
    { upToMinutes: 15, perGiB: 0.02 },
    { upToMinutes: 2880, perGiB: 0.005 },
  ],
};

/** A figure in USD, or `changed-blocks`: it scales with data an incremental copy has not copied yet. */
export type CostFigure = number | 'changed-blocks';

export interface CopyCostInput {
  sourceRegion: string;
  destinationRegion: string;
  /** The source volume's size: what a full copy moves and stores. */
  sizeGiB: number;
  kind: 'full' | 'incremental';
  /** False for a copy in the source's own account and Region that changes no encryption (seed: cost-free). */
  movesData: boolean;
  withinMinutes?: number;
}

export interface CopyCost {
  transfer: CostFigure;
  /** Absent without `within`. */
  timeBased?: CostFigure;
  storagePerMonth: CostFigure;
  /** Transfer plus time-based fee, of the parts that are known: what `estimatedCostOverUsd` compares. */
  oneOffUsd: number;
}

export interface CostTotal {
  transferUsd: number;
  timeBasedUsd: number;
  /** Whether any copy is time-based (a `$0` fee is then still worth showing). */
  timeBased: boolean;
  oneOffUsd: number;
  storagePerMonthUsd: number;
  /** Copies with figures that depend on their changed blocks, not counted in the sums. */
  changedBlocksCopies: number;
}

/**
 * Sums of prices times sizes pick up binary fractions (100 × 0.02 = 2.0000000000000004); rounded
 * to a millionth of a dollar, a rule `estimatedCostOverUsd: 2` is not tripped by one.
 */
function usd(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

export function transferPerGiB(pricing: PricingConfig, from: string, to: string): number {
  return (
    pricing.transferOverrides.find((o) => o.from === from && o.to === to)?.perGiB ?? pricing.transferPerGiB
  );
}

/** The first tier whose `upToMinutes` reaches the duration asked for. */
export function timeBasedPerGiB(pricing: PricingConfig, minutes: number): number {
  const tiers = pricing.timeBasedCopyPerGiB;
  // The config requires a last tier at 2880 minutes, the longest `within`; past it the last tier
  // is the nearest price there is.
  const tier = tiers.find((t) => t.upToMinutes >= minutes) ?? tiers[tiers.length - 1];
  return tier?.perGiB ?? 0;
}

export function estimateCopyCost(pricing: PricingConfig, c: CopyCostInput): CopyCost {
  const withinRegion = c.sourceRegion === c.destinationRegion;
  if (!c.movesData) {
    const free = { transfer: 0, storagePerMonth: 0, oneOffUsd: 0 };
    return c.withinMinutes !== undefined ? { ...free, timeBased: 0 } : free;
  }
  const full = c.kind === 'full';
  const perGiB = (price: number): CostFigure => (full ? usd(c.sizeGiB * price) : 'changed-blocks');
  const transfer: CostFigure = withinRegion
    ? 0
    : perGiB(transferPerGiB(pricing, c.sourceRegion, c.destinationRegion));
  const timeBased =
    c.withinMinutes !== undefined ? perGiB(timeBasedPerGiB(pricing, c.withinMinutes)) : undefined;
  const known = (f: CostFigure | undefined) => (typeof f === 'number' ? f : 0);
  return {
    transfer,
    ...(timeBased !== undefined ? { timeBased } : {}),
    storagePerMonth: perGiB(pricing.snapshotStoragePerGiBMonth),
    oneOffUsd: usd(known(transfer) + known(timeBased)),
  };
}

export function totalCost(costs: readonly CopyCost[]): CostTotal {
  const sum = (pick: (c: CopyCost) => CostFigure | undefined) =>
    usd(costs.reduce((s, c) => s + (typeof pick(c) === 'number' ? (pick(c) as number) : 0), 0));
  return {
    transferUsd: sum((c) => c.transfer),
    timeBasedUsd: sum((c) => c.timeBased),
    timeBased: costs.some((c) => c.timeBased !== undefined),
    oneOffUsd: usd(costs.reduce((s, c) => s + c.oneOffUsd, 0)),
    storagePerMonthUsd: sum((c) => c.storagePerMonth),
    changedBlocksCopies: costs.filter(
      (c) =>
        c.transfer === 'changed-blocks' ||
        c.timeBased === 'changed-blocks' ||
        c.storagePerMonth === 'changed-blocks',
    ).length,
  };
}
