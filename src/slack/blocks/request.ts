import type { types } from '@slack/bolt';

export type KnownBlock = types.KnownBlock;

import { requestLabel } from '../../domain/types.js';
import { costTotalLine } from './cost.js';
import {
  clip,
  code,
  escapeSlack,
  formatDuration,
  hopPrefix,
  mention,
  progressBar,
  STATE_EMOJI,
  slackDate,
} from './format.js';
import { LIST_CHARS_MAX, packLines, restLines, section, sectionsOf } from './summary.js';
import type { CopyView, RequestView } from './view-model.js';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Slack allows 50 blocks and 3,000 characters a section: copies are shown as whole lines in at most
 * this many sections, the rest summarised per destination with their sizes.
 */
const MAX_COPY_SECTIONS = 3;
const MAX_COPY_LINES = 40;

/** What a route is read from: a request's view, or a status fact's record. */
export interface RouteOf {
  crossAccount: boolean;
  source: { alias: string };
  sourceRegion: string;
  destination: { alias: string };
  copies: Array<Pick<CopyView, 'hop' | 'destinationRegion'>>;
}

export function route(view: RouteOf): string {
  const dest = view.crossAccount ? `${escapeSlack(view.destination.alias)} ` : '';
  const regions = [
    ...new Set(view.copies.filter((c) => c.hop !== 'intermediate').map((c) => c.destinationRegion)),
  ].join(', ');
  return `${escapeSlack(view.source.alias)} ${view.sourceRegion} → ${dest}${regions}`;
}

export function copyLine(copy: CopyView): string {
  const head = `${STATE_EMOJI[copy.state]} ${hopPrefix(copy)}${code(copy.sourceSnapshotId)} → ${copy.destinationRegion}`;
  switch (copy.state) {
    case 'waiting':
      return `${head} · waiting for approval`;
    case 'queued': {
      const pos = copy.queuePosition ? ` · #${copy.queuePosition} in queue` : ' · queued';
      const eta = copy.estimateStartMs ? ` (starts in ~${formatDuration(copy.estimateStartMs)})` : '';
      return `${head}${pos}${eta}`;
    }
    case 'starting':
      return `${head} · starting`;
    case 'copying':
      return `${head} · ${progressBar(copy.progress, 10)} ${copy.progress}%${copy.newSnapshotId ? ` · ${code(copy.newSnapshotId)}` : ''}`;
    case 'completed':
      return `${head} · done${copy.newSnapshotId ? ` · ${code(copy.newSnapshotId)}` : ''}`;
    case 'failed':
      return `${head} · failed: ${escapeSlack(copy.failure?.message ?? 'unknown error')}`;
    case 'cancelled':
      return `${head} · cancelled`;
  }
}

function stateLabel(view: RequestView): string {
  const labels: Record<RequestView['state'], string> = {
    pending_approval: `waiting for approval (${approvalsCount(view)}/${view.requiredApprovals})`,
    approved: 'approved',
    queued: 'queued',
    copying: 'copying',
    completed: 'completed',
    rejected: 'rejected',
    expired: 'expired without approval',
    cancelled: 'cancelled',
    failed: 'failed',
  };
  return labels[view.state];
}

function approvalsCount(view: RequestView): number {
  return new Set(view.decisions.filter((d) => d.decision === 'approve').map((d) => d.userId)).size;
}

/** The request message in the requester's channel, kept current with chat.update. */
export function requestMessage(view: RequestView): SlackMessage {
  const label = requestLabel(view.number);
  const who = view.policyName
    ? `DR policy *${escapeSlack(view.policyName)}*`
    : `requested by ${mention(view.requesterId)}`;
  const summary = `*${label}* · ${view.copies.length} ${view.copies.length === 1 ? 'copy' : 'copies'} · ${route(view)} · ${who}`;
  const packed = packLines(view.copies, copyLine, {
    maxSections: MAX_COPY_SECTIONS,
    maxLines: MAX_COPY_LINES,
    maxChars: LIST_CHARS_MAX,
  });
  const rest = restLines(
    packed.rest,
    (group) => `(${group.filter((c) => c.state === 'completed').length} done)`,
  );
  const blocks: KnownBlock[] = [
    ...sectionsOf([summary, `State: *${stateLabel(view)}*`]),
    ...packed.sections.map(section),
    ...sectionsOf(rest),
  ];
  const cost = costTotalLine(view.copies.map((c) => c.cost));
  const context = [
    ...(cost ? [cost] : []),
    ...(view.reason ? [`Reason: ${escapeSlack(view.reason)}`] : []),
    ...(view.note ? [`Note: ${escapeSlack(view.note)}`] : []),
  ];
  if (context.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(context.join('\n')) }] });
  }
  return {
    text: `${label}: ${view.copies.length} snapshot ${view.copies.length === 1 ? 'copy' : 'copies'}, ${stateLabel(view)}`,
    blocks,
  };
}

export function completionLine(copy: CopyView): string {
  const took =
    copy.startedAt && copy.completedAt
      ? ` in ${formatDuration(copy.completedAt.getTime() - copy.startedAt.getTime())}`
      : '';
  const kind = copy.transfer ? ` (${copy.transfer.kind})` : '';
  return `${STATE_EMOJI.completed} ${hopPrefix(copy)}${code(copy.sourceSnapshotId)} copied to ${copy.destinationRegion}${took}${kind}: ${copy.newSnapshotId ? code(copy.newSnapshotId) : ''}`;
}

export function decidedLine(
  decision: 'approved' | 'rejected' | 'expired' | 'cancelled',
  by: string[],
  at: Date,
  reason?: string,
): string {
  const verb = { approved: 'Approved', rejected: 'Rejected', expired: 'Expired', cancelled: 'Cancelled' }[
    decision
  ];
  const people = by.length ? ` by ${by.map(mention).join(', ')}` : '';
  return `${verb}${people} · ${slackDate(at)}${reason ? `\nReason: ${escapeSlack(reason)}` : ''}`;
}
