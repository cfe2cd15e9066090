import type { CopyState } from '../../domain/types.js';
import { escapeSlack, formatDuration, progressBar } from './text.js';

export { escapeSlack, formatDuration, progressBar };

/** Slack's date formatting: every reader sees the time in their own time zone. */
export function slackDate(at: Date, fallback?: string): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback ?? at.toISOString()}>`;
}

export function mention(userId: string): string {
  // User IDs come from Slack payloads, never from typed text; still refuse anything that is not an ID.
  if (/^S[A-Z0-9]+$/.test(userId)) return `<!subteam^${userId}>`; // a user group (configured approvers)
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeSlack(userId);
}

export const STATE_EMOJI: Record<CopyState, string> = {
  waiting: ':hourglass:',
  queued: ':double_vertical_bar:',
  starting: ':arrow_forward:',
  copying: ':arrows_counterclockwise:',
  completed: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
};

export function code(text: string): string {
  return `\`${escapeSlack(text).replace(/`/g, "'")}\``;
}

/** Keeps a section's text under Slack's 3,000-character limit. */
export function clip(text: string, max = 2_900): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Which hop of a two-hop copy a line is about (SPEC §5.5): `hop 1/2 (re-key in prod) ` or `hop 2/2 `. */
export function hopPrefix(copy: { hop?: 'intermediate' | 'final'; destination: { alias: string } }): string {
  if (copy.hop === 'intermediate') return `hop 1/2 (re-key in ${escapeSlack(copy.destination.alias)}) `;
  return copy.hop === 'final' ? 'hop 2/2 ' : '';
}
