import { requestLabel } from '../../domain/types.js';
import { copyCostText, costTotalLine, shortCostText } from './cost.js';
import { code, escapeSlack, hopPrefix, mention, slackDate } from './format.js';
import { lockCardLine } from './lock.js';
import { type KnownBlock, route, type SlackMessage } from './request.js';
import {
  formatSize,
  LIST_CHARS_MAX,
  packLines,
  restLines,
  section,
  sectionsOf,
  totalsLines,
} from './summary.js';
import type { CopyView, RequestView } from './view-model.js';

export const APPROVE_ACTION_ID = 'approve_copy';
export const REJECT_ACTION_ID = 'reject_copy';

/**
 * Slack allows 50 blocks and 3,000 characters a section: sources are shown as whole lines in at most
 * this many sections, the rest summarised per destination with their sizes (SPEC §5 step 1).
 */
const MAX_SOURCE_SECTIONS = 3;
const MAX_SOURCE_LINES = 40;

function encryptionText(copy: CopyView): string {
  const e = copy.encryption;
  if (!e) return 'unknown';
  if (!e.encrypted) return 'unencrypted';
  const key = e.keyId ? code(e.keyId) : 'the default key';
  const why = {
    'same-key': 'same key as the source',
    'default-key': "destination's default key",
    'specified-key': 'specified key',
  };
  return `encrypted with ${key}${e.because ? ` (${why[e.because]})` : ''}`;
}

function sourceLine(copy: CopyView): string {
  const enc = copy.sourceEncrypted
    ? `encrypted${copy.sourceKeyId ? ` (${code(copy.sourceKeyId)})` : ''}`
    : 'unencrypted';
  const transfer = copy.transfer
    ? copy.transfer.kind === 'full'
      ? `*full copy* (${escapeSlack(copy.transfer.reason)}), moves ${copy.transfer.fullCopyGiB} GiB`
      : `incremental (${escapeSlack(copy.transfer.reason)})`
    : '';
  const cost = copy.cost ? `\n   Est. cost: ${copyCostText(copy.cost)}` : '';
  return `• ${hopPrefix(copy)}${code(copy.sourceSnapshotId)} · ${code(copy.volumeId)} · ${copy.sizeGiB} GiB · ${enc}\n   → ${copy.destinationRegion}: ${encryptionText(copy)}${transfer ? `; ${transfer}` : ''}${cost}`;
}

/**
 * `Approvals 1/2: <@U1>` — needed and given so far, each approver once (SPEC §5.1). A DR policy's
 * requests need none: the policy approved them.
 */
export function approvalsTally(view: RequestView): string {
  if (view.policyName) return 'Approvals: by the DR policy';
  const given = [...new Set(view.decisions.filter((d) => d.decision === 'approve').map((d) => d.userId))];
  const tally = `Approvals ${given.length}/${view.requiredApprovals}${given.length ? `: ${given.map(mention).join(', ')}` : ''}`;
  return view.escalatedAt && view.state === 'pending_approval'
    ? `${tally} · escalated ${slackDate(view.escalatedAt)} (see the thread)`
    : tally;
}

/** Totals a full copy would move, counting each source once per destination Region. */
function fullCopyGiB(view: RequestView): number {
  return view.copies.reduce((sum, c) => sum + (c.transfer?.kind === 'full' ? c.transfer.fullCopyGiB : 0), 0);
}

export function approvalCard(view: RequestView, decided?: { line: string }): SlackMessage {
  const label = requestLabel(view.number);
  const accounts = `${escapeSlack(view.source.alias)} (${view.source.id}) ${view.sourceRegion} → ${escapeSlack(view.destination.alias)} (${view.destination.id})`;
  const header = [
    `*${label}* · ${view.policyName ? `DR policy *${escapeSlack(view.policyName)}*` : `from ${mention(view.requesterId)}`}`,
    `${accounts} ${[...new Set(view.copies.filter((c) => c.hop !== 'intermediate').map((c) => c.destinationRegion))].join(', ')}${view.crossAccount ? ' · *cross-account*' : ''}`,
    approvalsTally(view),
  ];
  if (view.reason) header.push(`Reason: ${escapeSlack(view.reason)}`);
  if (view.withinMinutes) header.push(`Time-based copy: within ${view.withinMinutes} minutes`);
  if (view.note) header.push(`Note: ${escapeSlack(view.note)}`);
  if (view.lock) header.push(lockCardLine(view.lock, view.createdAt));
  if (view.tags.length)
    header.push(`Extra tags: ${view.tags.map((t) => code(`${t.key}=${t.value}`)).join(' ')}`);

  const packed = packLines(view.copies, sourceLine, {
    maxSections: MAX_SOURCE_SECTIONS,
    maxLines: MAX_SOURCE_LINES,
    maxChars: LIST_CHARS_MAX,
  });
  const summary = [
    ...restLines(packed.rest, (group) => shortCostText(group.map((c) => c.cost))),
    ...(view.copies.length > 1 ? totalsLines(view.copies) : []),
  ];
  const gib = fullCopyGiB(view);
  if (gib > 0) summary.push(`Full copies move *${formatSize(gib)}* in total.`);
  // Every copy counts in the total, listed or summarised: the figure the approvals rule compared.
  const cost = costTotalLine(view.copies.map((c) => c.cost));
  if (cost) summary.push(cost);

  // The header and the warnings are split into sections (never cut: a long reason stays whole).
  const blocks: KnownBlock[] = [
    ...sectionsOf(header),
    ...packed.sections.map(section),
    ...sectionsOf(summary),
    ...sectionsOf(view.warnings.map((w) => `:warning: ${escapeSlack(w)}`)),
  ];
  if (decided) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: decided.line }] });
  } else {
    blocks.push({
      type: 'actions',
      block_id: `decision:${view.number}`,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION_ID,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value: label,
        },
        {
          type: 'button',
          action_id: REJECT_ACTION_ID,
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          value: label,
        },
      ],
    });
  }
  return {
    text: `${label}: snapshot copy ${route(view)} ${decided ? outcomeWord(view) : 'needs approval'}`,
    blocks,
  };
}

/** The card's notification text once decided: a stale "needs approval" would send people to it. */
function outcomeWord(view: RequestView): string {
  switch (view.state) {
    case 'rejected':
    case 'expired':
    case 'cancelled':
      return `was ${view.state}`;
    default:
      return view.policyName ? 'was approved by its DR policy' : 'was approved';
  }
}
