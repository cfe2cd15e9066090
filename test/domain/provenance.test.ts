import { describe, expect, it } from 'vitest';
import { provenanceKey, provenanceVolume } from '../../src/domain/provenance.js';

describe('provenanceVolume', () => {
  it.each([
    ['a snapshot of a volume', 'vol-0a1', [], 'vol-0a1'],
    [
      'a copy tagged by the bot',
      'vol-ffffffff',
      [{ key: 'snapshot-copy:source-volume', value: 'vol-0b1' }],
      'vol-0b1',
    ],
    ['a copy made by someone else', 'vol-ffffffff', [], undefined],
    [
      'a copy whose tag names vol-ffffffff',
      'vol-ffffffff',
      [{ key: 'snapshot-copy:source-volume', value: 'vol-ffffffff' }],
      undefined,
    ],
  ])('%s', (_what, volumeId, tags, expected) => {
    expect(provenanceVolume({ snapshotId: 'snap-1', volumeId, tags })).toBe(expected);
  });

  it('keys a copy of unknown lineage by its own snapshot ID', () => {
    expect(provenanceKey({ snapshotId: 'snap-1', volumeId: 'vol-ffffffff', tags: [] })).toBe('snap-1');
  });
});
