import { describe, expect, it } from 'vitest';
import { COPY_FAILURE_CODES } from '../../src/domain/types.js';
import { failedReply } from '../../src/slack/blocks/thread.js';
import type { CopyView } from '../../src/slack/blocks/view-model.js';

const copy = (code: (typeof COPY_FAILURE_CODES)[number]): CopyView => ({
  copyId: 1,
  sourceSnapshotId: 'snap-0123456789abcdef0',
  volumeId: 'vol-0123456789abcdef0',
  sizeGiB: 8,
  sourceEncrypted: false,
  destination: { alias: 'audit', id: '222222222222' },
  destinationRegion: 'us-west-2',
  state: 'failed',
  progress: 0,
  failure: { code, message: `AWS said ${code}` },
});

describe('a failed copy in the thread', () => {
  it.each(COPY_FAILURE_CODES)('explains %s in plain words, with the AWS message', (code) => {
    const text = failedReply(copy(code), 'U0REQUESTER');
    expect(text).toContain('`snap-0123456789abcdef0` → us-west-2 failed: ');
    expect(text).toContain(`> AWS said ${code}`);
    // Only a truly unknown error is called unexpected: every known code says what happened.
    expect(text.includes('an unexpected error')).toBe(code === 'unknown');
  });

  it('tells a copy deleted before it completed as such', () => {
    expect(failedReply(copy('copy-missing'), 'U0REQUESTER')).toContain('disappeared from audit us-west-2');
  });
});
