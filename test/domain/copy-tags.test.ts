import { describe, expect, it } from 'vitest';
import { copyDescription, copyTags } from '../../src/domain/copy-tags.js';

const base = {
  requestNumber: 7,
  sourceSnapshotId: 'snap-0123456789abcdef0',
  sourceRegion: 'us-east-1',
  requesterId: 'U0REQUESTER',
  approvedBy: ['U0APPROVER1', 'U0APPROVER2'],
  sourceTags: [] as Array<{ key: string; value: string }>,
  requestTags: [] as Array<{ key: string; value: string }>,
};
const asMap = (tags: Array<{ key: string; value: string }>) =>
  Object.fromEntries(tags.map((t) => [t.key, t.value]));

describe('the tags of a copy (SPEC §5.5)', () => {
  it('carries the source’s user tags (AWS does not) but never aws: or the bot’s own from an earlier copy', () => {
    const tags = asMap(
      copyTags({
        ...base,
        sourceTags: [
          { key: 'Name', value: 'db-1' },
          { key: 'aws:backup:source-resource', value: 'x' },
          { key: 'snapshot-copy:request', value: 'R-1' },
        ],
      }),
    );
    expect(tags.Name).toBe('db-1');
    expect(tags['aws:backup:source-resource']).toBeUndefined();
    expect(tags['snapshot-copy:request']).toBe('R-7');
    expect(tags['snapshot-copy:approved-by']).toBe('U0APPROVER1 U0APPROVER2');
  });

  it('lets the request’s tags win over the source’s, and keeps within 50 tags', () => {
    const sourceTags = Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: 'source' }));
    const tags = copyTags({ ...base, sourceTags, requestTags: [{ key: 'k0', value: 'request' }] });
    expect(tags.length).toBe(50);
    expect(asMap(tags).k0).toBe('request');
    expect(asMap(tags)['snapshot-copy:source']).toBe(base.sourceSnapshotId);
  });

  it('tags the reason only when it fits a tag value, and marks a two-hop intermediate', () => {
    expect(asMap(copyTags({ ...base, reason: 'DR drill' }))['snapshot-copy:reason']).toBe('DR drill');
    expect(asMap(copyTags({ ...base, reason: 'x'.repeat(257) }))['snapshot-copy:reason']).toBeUndefined();
    expect(asMap(copyTags({ ...base, intermediate: true }))['snapshot-copy:hop']).toBe('intermediate');
    expect(asMap(copyTags(base))['snapshot-copy:hop']).toBeUndefined();
  });

  it('describes a copy by its note, else by where it came from, within 255 characters', () => {
    expect(copyDescription(undefined, base.sourceSnapshotId, 'us-east-1', 7)).toBe(
      'Copy of snap-0123456789abcdef0 from us-east-1 (R-7, snapshot-copy-bot)',
    );
    expect(copyDescription('n'.repeat(300), base.sourceSnapshotId, 'us-east-1', 7)).toHaveLength(255);
  });
});
