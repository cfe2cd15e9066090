import type { types } from '@slack/bolt';
import { requestLabel } from '../../domain/types.js';
import type { DestinationQueue } from '../../store/port.js';
import { approvalCard } from './approval-card.js';
import { clip, escapeSlack, formatDuration, slackDate } from './format.js';
import { route } from './request.js';
import type { RequestView } from './view-model.js';

type KnownBlock = types.KnownBlock;

/** Slack allows 100 blocks in a Home tab; each section below is capped to stay well inside. */
const MAX_WAITING = 5;

export function homeView(input: {
  mine: RequestView[];
  waiting: RequestView[];
  queues: DestinationQueue[];
  /** For the age of what waits. */
  now: Date;
}): types.HomeView {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'Snapshot copies' } }];

  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '*Your recent requests*' } });
  const mine = input.mine.map((v) => {
    const done = v.copies.filter((c) => c.state === 'completed').length;
    return `*${requestLabel(v.number)}* · ${route(v)} · ${v.state.replace('_', ' ')} · ${done}/${v.copies.length} copied`;
  });
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: clip(mine.join('\n') || '_None yet. Type `/snapshot-copy` to file one._') },
  });

  blocks.push(
    { type: 'divider' },
    { type: 'section', text: { type: 'mrkdwn', text: '*Waiting for your approval*' } },
  );
  if (input.waiting.length === 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '_Nothing waits for you._' } });
  }
  for (const v of input.waiting.slice(0, MAX_WAITING)) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: waitingLine(v, input.now) }] });
    blocks.push(...approvalCard(v).blocks);
  }
  if (input.waiting.length > MAX_WAITING) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `…and ${input.waiting.length - MAX_WAITING} more in the approvals channel.` },
      ],
    });
  }

  blocks.push({ type: 'divider' }, { type: 'section', text: { type: 'mrkdwn', text: '*Queues*' } });
  const queues = input.queues
    .filter((q) => q.queued > 0 || q.inFlight > 0)
    .map(
      (q) =>
        `${escapeSlack(q.account)} ${q.region}: ${q.inFlight} copying, ${q.queued} queued${q.held ? ' · held back (AWS copy limit reached by other tools)' : ''}`,
    );
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: clip(queues.join('\n') || '_All queues are empty._') },
  });
  return { type: 'home', blocks };
}

/** How long a request has waited, and why it was asked for (the card below shows the reason in full). */
function waitingLine(v: RequestView, now: Date): string {
  const age = formatDuration(Math.max(0, now.getTime() - v.createdAt.getTime()));
  const why = v.reason ? `Reason: ${escapeSlack(v.reason)}` : '_No reason given_';
  return clip(
    `:hourglass_flowing_sand: *${requestLabel(v.number)}* waiting for ${age} (filed ${slackDate(v.createdAt)}) · ${why}`,
  );
}
