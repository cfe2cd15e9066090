import { describe, expect, it } from 'vitest';
import { COPY_STATES } from '../../../src/domain/types.js';
import { clip, code, hopPrefix, mention, STATE_EMOJI, slackDate } from '../../../src/slack/blocks/format.js';
import { HOSTILE, HOSTILE_ESCAPED } from './views.js';

describe('slackDate', () => {
  const at = new Date('2026-12-01T10:00:00.900Z');

  it('lets Slack show the time in each reader’s zone, the ISO time as fallback', () => {
    expect(slackDate(at)).toBe('<!date^1796119200^{date_short_pretty} {time}|2026-12-01T10:00:00.900Z>');
  });

  it('takes another fallback text', () => {
    expect(slackDate(at, 'today')).toBe('<!date^1796119200^{date_short_pretty} {time}|today>');
  });
});

describe('mention', () => {
  it.each([
    ['a user', 'U0ANN', '<@U0ANN>'],
    ['an enterprise user', 'W0ANN', '<@W0ANN>'],
    ['a user group', 'S0APPROVERS', '<!subteam^S0APPROVERS>'],
    ['a broadcast', '<!channel>', '&lt;!channel&gt;'],
    ['a lower-case name', 'u0ann', 'u0ann'],
    ['an ID with more after it', 'U0ANN> <!here', 'U0ANN&gt; &lt;!here'],
  ])('mentions %s %s as %s', (_name, id, text) => {
    expect(mention(id)).toBe(text);
  });
});

describe('code', () => {
  it('puts text in a code span, escaped', () => {
    expect(code('snap-0123')).toBe('`snap-0123`');
    expect(code(HOSTILE)).toBe(`\`${HOSTILE_ESCAPED}\``);
  });

  it('turns backticks into quotes so the span cannot be closed early', () => {
    expect(code('a`<!channel>`b')).toBe("`a'&lt;!channel&gt;'b`");
  });
});

describe('clip', () => {
  it('leaves text within the limit alone', () => {
    expect(clip('x'.repeat(2900))).toBe('x'.repeat(2900));
  });

  it('cuts longer text to the limit, ending with an ellipsis', () => {
    expect(clip('x'.repeat(2901))).toBe(`${'x'.repeat(2899)}…`);
    expect(clip('abcdef', 4)).toBe('abc…');
  });
});

describe('hopPrefix', () => {
  it.each([
    [undefined, ''],
    ['intermediate', 'hop 1/2 (re-key in prod) '],
    ['final', 'hop 2/2 '],
  ] as const)('names the hop %s as "%s"', (hop, prefix) => {
    expect(hopPrefix({ ...(hop ? { hop } : {}), destination: { alias: 'prod' } })).toBe(prefix);
  });

  it('escapes the account alias', () => {
    expect(hopPrefix({ hop: 'intermediate', destination: { alias: HOSTILE } })).toBe(
      `hop 1/2 (re-key in ${HOSTILE_ESCAPED}) `,
    );
  });
});

describe('STATE_EMOJI', () => {
  it('has a distinct emoji for every copy state', () => {
    const emoji = COPY_STATES.map((s) => STATE_EMOJI[s]);
    for (const e of emoji) expect(e).toMatch(/^:[a-z_]+:$/);
    expect(new Set(emoji).size).toBe(COPY_STATES.length);
  });
});
