import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roleSessionName } from '../../src/domain/session-name.js';
import { escapeSlack, formatDuration, formatGiB, progressBar } from '../../src/domain/text.js';

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

describe('formatGiB', () => {
  it.each([
    { gib: 8, text: '8 GiB' },
    { gib: 0.5, text: '0.5 GiB' },
    { gib: 1536, text: '1,536 GiB' },
    { gib: 16384.25, text: '16,384.3 GiB' },
  ])('$gib reads $text', ({ gib, text }) => {
    expect(formatGiB(gib)).toBe(text);
  });
});

describe('roleSessionName', () => {
  it.each([
    {
      name: 'names the request and requester',
      input: { request: 12, requester: 'U0ABC123', purpose: 'copy' },
      session: 'R-12-U0ABC123',
    },
    {
      name: 'names the request alone without a requester',
      input: { request: 7, purpose: 'copy' },
      session: 'R-7',
    },
    {
      name: "names the bot's own work by purpose",
      input: { purpose: 'poller' },
      session: 'snapshot-copy-poller',
    },
    {
      name: 'names the requester of work before the request has a number',
      input: { requester: 'U0ABC123', purpose: 'filing' },
      session: 'snapshot-copy-filing-U0ABC123',
    },
    {
      name: 'replaces characters STS does not allow',
      input: { purpose: 'dr policy/1' },
      session: 'snapshot-copy-dr-policy-1',
    },
    {
      name: 'cuts names to 64 characters',
      input: { purpose: 'p'.repeat(80) },
      session: `snapshot-copy-${'p'.repeat(50)}`,
    },
  ])('$name', ({ input, session }) => {
    expect(roleSessionName(input)).toBe(session);
  });

  it('is always valid for STS', () => {
    fc.assert(
      fc.property(
        fc.option(fc.nat(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        fc.string(),
        (request, requester, purpose) => {
          const name = roleSessionName({
            purpose,
            ...(request === undefined ? {} : { request }),
            ...(requester === undefined ? {} : { requester }),
          });
          expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
        },
      ),
    );
  });
});
