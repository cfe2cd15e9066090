import { USAGE } from '../../domain/command.js';
import { escapeSlack } from './format.js';

/** Problems are user text echoed back: escaped, so `<!channel>` in a bad option cannot ping anyone. */
export function problemsText(problems: string[]): string {
  return [
    `:warning: ${problems.length === 1 ? 'That request has a problem' : `That request has ${problems.length} problems`}; nothing was filed.`,
    ...problems.map((p) => `• ${escapeSlack(p)}`),
    '```',
    escapeSlack(USAGE),
    '```',
  ].join('\n');
}
