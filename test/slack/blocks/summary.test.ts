import { describe, expect, it } from 'vitest';
import {
  formatSize,
  packLines,
  restLines,
  SECTION_TEXT_MAX,
  section,
  sectionsOf,
  totalsLines,
} from '../../../src/slack/blocks/summary.js';
import { copyView } from './views.js';

const copies = (n: number, region = 'us-west-2', sizeGiB = 100) =>
  Array.from({ length: n }, (_, i) => copyView({ copyId: i + 1, destinationRegion: region, sizeGiB }));

const sectionText = (b: ReturnType<typeof section>) => (b.type === 'section' ? b.text?.text : undefined);

describe('formatSize', () => {
  it.each([
    [8, '8 GiB'],
    [1.25, '1.3 GiB'],
    [1023, '1023 GiB'],
    [1024, '1 TiB'],
    [1229, '1.2 TiB'],
    [10_240, '10 TiB'],
  ])('shows %f GiB as %s', (gib, text) => {
    expect(formatSize(gib)).toBe(text);
  });
});

describe('packLines', () => {
  const line = (c: { copyId: number }) => `copy ${c.copyId}`;

  it('puts short lines together in one section', () => {
    expect(packLines(copies(3), line, { maxSections: 3, maxLines: 40 })).toEqual({
      sections: ['copy 1\ncopy 2\ncopy 3'],
      rest: [],
    });
  });

  it('hands back the copies past maxLines', () => {
    const all = copies(5);
    const packed = packLines(all, line, { maxSections: 3, maxLines: 2 });
    expect(packed.sections).toEqual(['copy 1\ncopy 2']);
    expect(packed.rest).toEqual(all.slice(2));
  });

  it('starts a new section rather than cut a line, up to maxSections', () => {
    const long = (c: { copyId: number }) => `${c.copyId}`.padEnd(1000, '.');
    const all = copies(10);
    const packed = packLines(all, long, { maxSections: 2, maxLines: 40 });
    expect(packed.sections).toHaveLength(2);
    for (const s of packed.sections) {
      expect(s.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
      for (const l of s.split('\n')) expect(l).toHaveLength(1000);
    }
    // two lines of 1,000 characters fit a section of 2,900, a third does not
    expect(packed.rest).toEqual(all.slice(4));
  });

  it('keeps to maxChars in all', () => {
    const packed = packLines(copies(10), (c) => `${c.copyId}`.padEnd(99, '.'), {
      maxSections: 3,
      maxLines: 40,
      maxChars: 500,
    });
    expect(packed.sections.join('\n').length).toBeLessThanOrEqual(500);
    expect(packed.rest).toHaveLength(5);
  });

  it('shows no line longer than a section and hands its copy back', () => {
    const packed = packLines(copies(1), () => 'x'.repeat(SECTION_TEXT_MAX + 1), {
      maxSections: 3,
      maxLines: 40,
    });
    expect(packed.sections).toEqual([]);
    expect(packed.rest).toHaveLength(1);
  });
});

describe('restLines', () => {
  it('summarises the copies not shown per destination Region, in order, with their sizes', () => {
    const rest = [...copies(14, 'us-west-2', 90), ...copies(2, 'eu-west-1', 8)];
    expect(restLines(rest)).toEqual([
      '→ us-west-2: …and 14 more, 1.2 TiB',
      '→ eu-west-1: …and 2 more, 16 GiB',
    ]);
  });

  it('adds what the caller says of each group', () => {
    expect(restLines(copies(2), (group) => `(${group.length} here)`)).toEqual([
      '→ us-west-2: …and 2 more, 200 GiB (2 here)',
    ]);
  });

  it('says nothing when every copy was shown', () => {
    expect(restLines([])).toEqual([]);
  });
});

describe('totalsLines', () => {
  it('counts one Region’s copies without a grand total', () => {
    expect(totalsLines(copies(1))).toEqual(['→ us-west-2: 1 copy, 100 GiB']);
  });

  it('counts each Region’s copies and the whole request', () => {
    expect(totalsLines([...copies(2), ...copies(3, 'eu-west-1', 8)])).toEqual([
      '→ us-west-2: 2 copies, 200 GiB',
      '→ eu-west-1: 3 copies, 24 GiB',
      'Total: 5 copies, 224 GiB',
    ]);
  });
});

describe('sectionsOf', () => {
  it('joins short lines into one mrkdwn section', () => {
    expect(sectionsOf(['a', 'b'])).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'a\nb' } }]);
    expect(section('a')).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'a' } });
  });

  it('makes no section of no lines', () => {
    expect(sectionsOf([])).toEqual([]);
  });

  it('splits long lists between whole lines', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(1000, '.'));
    const texts = sectionsOf(lines).map(sectionText);
    expect(texts).toHaveLength(5);
    expect(texts.join('\n')).toBe(lines.join('\n'));
  });

  it('wraps a line longer than a section at a space and loses no word', () => {
    // Words of six characters and a space: a hard cut at 2,900 would fall inside one.
    const words = Array.from({ length: 1000 }, (_, i) => `w${String(i).padStart(5, '0')}`);
    const texts = sectionsOf([words.join(' ')]).map(sectionText);
    expect(texts.length).toBeGreaterThan(1);
    for (const t of texts) expect(t?.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    expect(texts.join(' ').split(/\s+/)).toEqual(words);
  });

  it('cuts hard rather than leave a section nearly empty at an early space', () => {
    const texts = sectionsOf([`a ${'x'.repeat(6000)}`]).map(sectionText);
    expect(texts.map((t) => t?.length)).toEqual([2900, 2900, 202]);
  });

  it('cuts a line without spaces hard, keeping every character', () => {
    const texts = sectionsOf(['x'.repeat(6000)]).map(sectionText);
    expect(texts.map((t) => t?.length)).toEqual([2900, 2900, 200]);
  });
});
