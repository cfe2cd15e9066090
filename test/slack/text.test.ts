import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approxDuration, escapeSlack, formatDuration, progressBar } from '../../src/slack/blocks/text.js';

describe('escapeSlack', () => {
  it.each([
    { name: 'escapes a channel mention', text: '<!channel> hi', escaped: '&lt;!channel&gt; hi' },
    { name: 'escapes a link', text: '<http://evil|click>', escaped: '&lt;http://evil|click&gt;' },
    {
      name: 'escapes an ampersand first so entities are not doubled wrongly',
      text: 'R&D &lt;',
      escaped: 'R&amp;D &amp;lt;',
    },
    { name: 'leaves other text alone', text: 'snap-1 "quoted" *bold*', escaped: 'snap-1 "quoted" *bold*' },
  ])('$name', ({ text, escaped }) => {
    expect(escapeSlack(text)).toBe(escaped);
  });

  it('never leaves a < or > in its output', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(escapeSlack(s)).not.toMatch(/[<>]/);
      }),
    );
  });
});

describe('progressBar', () => {
  it.each([
    { percent: 0, width: 10, bar: '░░░░░░░░░░' },
    { percent: 50, width: 10, bar: '█████░░░░░' },
    { percent: 99, width: 10, bar: '█████████░' },
    { percent: 100, width: 10, bar: '██████████' },
    { percent: 150, width: 4, bar: '████' },
    { percent: -5, width: 4, bar: '░░░░' },
    { percent: Number.NaN, width: 4, bar: '░░░░' },
  ])('$percent% at width $width is $bar', ({ percent, width, bar }) => {
    expect(progressBar(percent, width)).toBe(bar);
  });
});

describe('formatDuration', () => {
  it.each([
    { ms: 0, text: '0s' },
    { ms: 45_000, text: '45s' },
    { ms: 185_000, text: '3m 05s' },
    { ms: 7_620_000, text: '2h 07m' },
    { ms: 273_600_000, text: '3d 4h' },
    { ms: -1, text: '0s' },
  ])('$ms ms reads $text', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('approxDuration (a rough estimate)', () => {
  it.each([
    { ms: 10_000, text: '1 min' },
    { ms: 29.6 * 60_000, text: '30 min' },
    { ms: 60 * 60_000, text: '1 h' },
    { ms: 100 * 60_000, text: '2 h' },
    { ms: 47 * 3_600_000, text: '47 h' },
    { ms: 72 * 3_600_000, text: '3 days' },
    { ms: Number.NaN, text: '1 min' },
  ])('$ms ms reads $text', ({ ms, text }) => {
    expect(approxDuration(ms)).toBe(text);
  });
});
