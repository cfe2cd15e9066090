import { describe, expect, it } from 'vitest';
import {
  type CopyProtection,
  describeIncremental,
  type IncrementalInputs,
  type PreviousCopy,
  predictIncremental,
} from '../../src/domain/incremental.js';

const KEY_A = 'arn:aws:kms:us-west-2:111111111111:key/a';
const KEY_B = 'arn:aws:kms:us-west-2:111111111111:key/b';
const SOURCE_KEY = 'arn:aws:kms:us-east-1:111111111111:key/s';

const unencryptedSource = {
  accountId: '111111111111',
  region: 'us-east-1',
  volumeId: 'vol-1',
  volumeSizeGiB: 100,
  encrypted: false,
};
const encryptedSource = { ...unencryptedSource, encrypted: true, kmsKeyId: SOURCE_KEY };
const oregon = { accountId: '111111111111', region: 'us-west-2' };
const plain: CopyProtection = { encrypted: false };
const underA: CopyProtection = { encrypted: true, keyId: KEY_A };

const at = (day: number) => new Date(Date.UTC(2024, 0, day));
const prev = (copy: Partial<PreviousCopy> & { copiedAt: Date }): PreviousCopy => ({
  encrypted: false,
  exists: true,
  ...copy,
});

describe('predictIncremental', () => {
  it.each<{ name: string; inputs: IncrementalInputs; kind: string; reason: string; movesData?: boolean }>([
    {
      name: 'the first copy of a volume to a Region is full',
      inputs: { source: unencryptedSource, destination: oregon, copy: plain, previousCopies: [] },
      kind: 'full',
      reason: 'first-copy',
    },
    {
      name: 'an unencrypted copy after an unencrypted one is incremental',
      inputs: {
        source: unencryptedSource,
        destination: oregon,
        copy: plain,
        previousCopies: [prev({ copiedAt: at(1) })],
      },
      kind: 'incremental',
      reason: 'same-protection-as-previous',
    },
    {
      name: 'an encrypted copy to the same key as before is incremental',
      inputs: {
        source: encryptedSource,
        destination: oregon,
        copy: underA,
        previousCopies: [prev({ encrypted: true, kmsKeyId: KEY_A, copiedAt: at(1) })],
      },
      kind: 'incremental',
      reason: 'same-protection-as-previous',
    },
    {
      name: 'an encrypted copy to a different key than before is full',
      inputs: {
        source: encryptedSource,
        destination: oregon,
        copy: { encrypted: true, keyId: KEY_B },
        previousCopies: [prev({ encrypted: true, kmsKeyId: KEY_A, copiedAt: at(1) })],
      },
      kind: 'full',
      reason: 'different-key',
    },
    {
      name: 'encrypting an unencrypted source is full, whatever was copied before',
      inputs: {
        source: unencryptedSource,
        destination: oregon,
        copy: underA,
        previousCopies: [prev({ encrypted: true, kmsKeyId: KEY_A, copiedAt: at(1) })],
      },
      kind: 'full',
      reason: 'encryption-changed',
    },
    {
      name: 'a copy whose encryption differs from the previous copy is full',
      inputs: {
        source: encryptedSource,
        destination: oregon,
        copy: underA,
        previousCopies: [prev({ encrypted: false, copiedAt: at(1) })],
      },
      kind: 'full',
      reason: 'encryption-changed',
    },
    {
      name: 'a copy is full when the most recent previous copy is gone',
      inputs: {
        source: unencryptedSource,
        destination: oregon,
        copy: plain,
        previousCopies: [prev({ copiedAt: at(1) }), prev({ copiedAt: at(2), exists: false })],
      },
      kind: 'full',
      reason: 'previous-copy-gone',
    },
    {
      name: 'an older deleted copy does not matter when the most recent exists',
      inputs: {
        source: unencryptedSource,
        destination: oregon,
        copy: plain,
        previousCopies: [prev({ copiedAt: at(2) }), prev({ copiedAt: at(1), exists: false })],
      },
      kind: 'incremental',
      reason: 'same-protection-as-previous',
    },
    {
      name: 'a copy is full when any remaining copy there is under another key',
      inputs: {
        source: encryptedSource,
        destination: oregon,
        copy: underA,
        previousCopies: [
          prev({ encrypted: true, kmsKeyId: KEY_B, copiedAt: at(1) }),
          prev({ encrypted: true, kmsKeyId: KEY_A, copiedAt: at(2) }),
        ],
      },
      kind: 'full',
      reason: 'different-key',
    },
    {
      name: 'a copy in the same account and Region without encryption change moves no data',
      inputs: {
        source: unencryptedSource,
        destination: { accountId: '111111111111', region: 'us-east-1' },
        copy: plain,
        previousCopies: [],
      },
      kind: 'incremental',
      reason: 'same-region-no-data',
      movesData: false,
    },
    {
      name: 'an encrypted copy under the same key in the same account and Region moves no data',
      inputs: {
        source: encryptedSource,
        destination: { accountId: '111111111111', region: 'us-east-1' },
        copy: { encrypted: true, keyId: SOURCE_KEY },
        previousCopies: [],
      },
      kind: 'incremental',
      reason: 'same-region-no-data',
      movesData: false,
    },
    {
      name: 'encrypting in the same account and Region is a full copy',
      inputs: {
        source: unencryptedSource,
        destination: { accountId: '111111111111', region: 'us-east-1' },
        copy: underA,
        previousCopies: [],
      },
      kind: 'full',
      reason: 'first-copy',
    },
    {
      name: 'a copy to the same Region of another account moves data',
      inputs: {
        source: unencryptedSource,
        destination: { accountId: '222222222222', region: 'us-east-1' },
        copy: plain,
        previousCopies: [],
      },
      kind: 'full',
      reason: 'first-copy',
    },
  ])('$name', ({ inputs, kind, reason, movesData = true }) => {
    expect(predictIncremental(inputs)).toEqual({ kind, reason, movesData, fullCopyGiB: 100 });
  });
});

describe('describeIncremental', () => {
  it.each([
    { reason: 'first-copy', kind: 'full', text: 'full: first copy of this volume to us-west-2' },
    { reason: 'different-key', kind: 'full', text: 'full: a different key than the previous copy' },
    { reason: 'encryption-changed', kind: 'full', text: 'full: the encryption status changes' },
    { reason: 'previous-copy-gone', kind: 'full', text: 'full: the previous copy no longer exists' },
    {
      reason: 'same-protection-as-previous',
      kind: 'incremental',
      text: 'incremental: only data changed since the previous copy',
    },
    {
      reason: 'same-region-no-data',
      kind: 'incremental',
      text: 'no data moves: same account and Region, encryption unchanged',
    },
  ] as const)('$reason reads "$text"', ({ reason, kind, text }) => {
    expect(describeIncremental({ kind, reason, fullCopyGiB: 1, movesData: true }, 'us-west-2')).toBe(text);
  });
});
