import { type CopyCost, type CostFigure, type CostTotal, totalCost } from '../../domain/cost.js';

const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** `$0`, `<$0.01`, `$1,234.50`: a fee of half a cent would otherwise read as `$0.01` or `$0.00`. */
export function money(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return '<$0.01';
  return USD.format(usd);
}

function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * One copy's estimate: `$2.00 transfer + $0.50 time-based, then $5.00/month storage`. The figures
 * an incremental copy cannot know before AWS copies its changed blocks are named, not guessed.
 */
export function copyCostText(cost: CopyCost): string {
  const oneOff: string[] = [];
  const unknown: string[] = [];
  const add = (figure: CostFigure | undefined, label: string, name: string) => {
    if (figure === undefined) return;
    if (figure === 'changed-blocks') unknown.push(name);
    else oneOff.push(`${money(figure)} ${label}`);
  };
  add(cost.transfer, 'transfer', 'transfer');
  add(cost.timeBased, 'time-based', 'time-based fee');
  const storage =
    cost.storagePerMonth === 'changed-blocks' ? undefined : `${money(cost.storagePerMonth)}/month storage`;
  if (cost.storagePerMonth === 'changed-blocks') unknown.push('storage');
  const known = [oneOff.join(' + '), storage].filter(Boolean).join(', then ');
  const depends = unknown.length
    ? `${joinAnd(unknown)} depend${unknown.length === 1 ? 's' : ''} on the changed blocks`
    : '';
  return [known, depends].filter(Boolean).join('; ');
}

/**
 * The request's total: `$4.00 transfer + $1.00 time-based = $5.00 one-off, then $10.00/month
 * storage`, plus how many incremental copies add their changed blocks on top.
 */
export function totalCostText(total: CostTotal): string {
  const parts = [`${money(total.transferUsd)} transfer`];
  if (total.timeBased) parts.push(`${money(total.timeBasedUsd)} time-based`);
  const oneOff = parts.length > 1 ? `${parts.join(' + ')} = ${money(total.oneOffUsd)} one-off` : parts[0];
  const changed = total.changedBlocksCopies
    ? ` · plus the changed blocks of ${total.changedBlocksCopies} incremental ${total.changedBlocksCopies === 1 ? 'copy' : 'copies'}`
    : '';
  return `${oneOff}, then ${money(total.storagePerMonthUsd)}/month storage${changed}`;
}

/** The card's total line, or nothing when the copies carry no estimate (filed before estimates). */
export function costTotalLine(costs: Array<CopyCost | undefined>): string | undefined {
  const known = costs.filter((c): c is CopyCost => c !== undefined);
  if (known.length === 0) return undefined;
  return `*Estimated cost* (estimate, USD): ${totalCostText(totalCost(known))}`;
}

/** Short form for the lines that summarise copies not listed: `est. $5.00 one-off + $10.00/month`. */
export function shortCostText(costs: Array<CopyCost | undefined>): string {
  const known = costs.filter((c): c is CopyCost => c !== undefined);
  if (known.length === 0) return '';
  const total = totalCost(known);
  return `(est. ${money(total.oneOffUsd)} one-off + ${money(total.storagePerMonthUsd)}/month${total.changedBlocksCopies ? ' + changed blocks' : ''})`;
}
