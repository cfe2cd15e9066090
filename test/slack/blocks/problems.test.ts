import { describe, expect, it } from 'vitest';
import { USAGE } from '../../../src/domain/command.js';
import { problemsText } from '../../../src/slack/blocks/problems.js';
import { HOSTILE, HOSTILE_ESCAPED } from './views.js';

describe('problemsText', () => {
  it('names the one problem, says nothing was filed, and shows the usage line', () => {
    const text = problemsText(['unknown Region us-nowhere-1']);
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      ':warning: That request has a problem; nothing was filed.',
      '• unknown Region us-nowhere-1',
      '```',
    ]);
    expect(lines.at(-1)).toBe('```');
    // USAGE holds `<…>` placeholders: they are shown escaped, as text
    expect(text).toContain(USAGE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(text).not.toContain('<snap-');
  });

  it('counts several problems and lists each', () => {
    const text = problemsText(['bad snapshot ID snap-1', 'unknown option foo']);
    expect(text).toContain(
      ':warning: That request has 2 problems; nothing was filed.\n• bad snapshot ID snap-1\n• unknown option foo\n',
    );
  });

  it('echoes user text escaped, so a bad option cannot ping anyone', () => {
    const text = problemsText([`unknown option ${HOSTILE}`]);
    expect(text).toContain(`• unknown option ${HOSTILE_ESCAPED}`);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U0EVIL>');
  });
});
