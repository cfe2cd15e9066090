import { describe, expect, it } from 'vitest';
import type { AccountConfig, SourceSnapshot } from '../../src/domain/types.js';
import { type FileInput, type FilingDeps, sourceRefusal } from '../../src/requests/filing.js';

const prod = { alias: 'prod', id: '111111111111' } as AccountConfig;
const snap = (over: Partial<SourceSnapshot> = {}): SourceSnapshot => ({
  snapshotId: 'snap-0123456789abcdef0',
  ownerId: prod.id,
  volumeId: 'vol-0123456789abcdef0',
  volumeSizeGiB: 8,
  state: 'completed',
  encrypted: false,
  startTime: new Date(0),
  tags: [],
  ...over,
});
const input = {
  request: { sourceRegion: 'us-east-1' },
  source: prod,
  destination: prod,
  crossAccount: false,
} as unknown as FileInput;
const deps = {} as FilingDeps;
const refusal = (s: SourceSnapshot) => sourceRefusal(deps, input, s, 'session');

describe('source refusals at filing', () => {
  it('accepts a completed standard snapshot', async () => {
    expect(await refusal(snap())).toBeUndefined();
    expect(await refusal(snap({ storageTier: 'standard' }))).toBeUndefined();
  });

  it('refuses an archived snapshot, telling how to restore it first', async () => {
    const reason = await refusal(snap({ storageTier: 'archive' }));
    expect(reason).toBe(
      'snap-0123456789abcdef0 is in the archive tier (StorageTier: archive), and CopySnapshot does not accept archived snapshots. Restore it to the standard tier first with RestoreSnapshotTier (`aws ec2 restore-snapshot-tier --snapshot-id snap-0123456789abcdef0`), then ask again once it is restored.',
    );
  });

  it('refuses a snapshot that is not completed, in plain words', async () => {
    expect(await refusal(snap({ state: 'pending' }))).toBe(
      'snap-0123456789abcdef0 is pending: only completed snapshots can be copied; try again when it completes',
    );
  });
});

describe('a failed snapshot', () => {
  it('is refused with advice to take a new one', async () => {
    expect(await refusal(snap({ state: 'error' }))).toContain(
      'failed (state error): only completed snapshots can be copied',
    );
  });
});
