/** Small text helpers for what the bot shows in Slack: escaping, progress bars, durations. */

const SLACK_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Slack needs only `&`, `<` and `>` escaped in message text; with them escaped, user text cannot
 * form `<!channel>`, `<@U…>` or `<http://…|links>`.
 */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => SLACK_ESCAPES[c] ?? c);
}

/** `█████░░░░░` for 50 % at width 10; out-of-range or non-numeric percents are clamped. */
export function progressBar(percent: number, width = 10): string {
  const cells = Math.max(0, Math.floor(width));
  const clamped = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
  const filled = Math.floor((clamped / 100) * cells);
  return '█'.repeat(filled) + '░'.repeat(cells - filled);
}

/** `45s`, `3m 05s`, `2h 07m`, `3d 4h`: the two largest units. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(Number.isFinite(ms) ? ms / 1000 : 0));
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${two(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${two(seconds)}s`;
  return `${seconds}s`;
}

/** `12 min`, `3 h`, `2 days`: a rough estimate in one rounded unit, never false precision. */
export function approxDuration(ms: number): string {
  const minutes = Math.max(1, Math.round((Number.isFinite(ms) ? ms : 0) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}
