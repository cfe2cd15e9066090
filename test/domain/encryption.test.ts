import { describe, expect, it } from 'vitest';
import {
  copyEncryptionParams,
  describeEncryption,
  type EncryptionInputs,
  encryptionOutcome,
  predictedEncryption,
} from '../../src/domain/encryption.js';

const SOURCE_KEY = 'arn:aws:kms:us-east-1:111111111111:key/source';
const DEFAULT_KEY = 'arn:aws:kms:us-west-2:222222222222:key/default';
const CUSTOM_KEY = 'arn:aws:kms:us-west-2:222222222222:key/custom';

type Source = 'unencrypted-owned' | 'encrypted-owned' | 'unencrypted-shared' | 'encrypted-shared';
type Outcome = 'unencrypted' | 'same-key' | 'default-key' | 'specified-key' | 'n/a';

function inputs(
  encrypted: boolean,
  byDefault: boolean,
  source: Source,
  custom: boolean,
  crossRegion = false,
): EncryptionInputs {
  const sourceEncrypted = source.startsWith('encrypted');
  return {
    crossRegion,
    encryptedParam: encrypted,
    encryptionByDefault: byDefault,
    defaultKeyId: DEFAULT_KEY,
    ...(custom ? { kmsKeyIdParam: CUSTOM_KEY } : {}),
    source: {
      encrypted: sourceEncrypted,
      owned: source.endsWith('owned'),
      ...(sourceEncrypted ? { kmsKeyId: SOURCE_KEY } : {}),
    },
  };
}

const expected = {
  unencrypted: { encrypted: false },
  'same-key': { encrypted: true, because: 'same-key', keyId: SOURCE_KEY },
  'default-key': { encrypted: true, because: 'default-key', keyId: DEFAULT_KEY },
  'specified-key': { encrypted: true, because: 'specified-key', keyId: CUSTOM_KEY },
  'n/a': {
    error: 'kms-key-requires-encrypted',
    message: 'KmsKeyId is only valid with Encrypted=true, even when encryption by default is enabled',
  },
} as const;

// The seed's table "Encryption outcomes: Copying a snapshot", row by row:
// Encrypted parameter set? | encryption by default? | source | Default (no KmsKeyId) | Custom (KmsKeyId)
const TABLE: Array<[boolean, boolean, Source, Outcome, Outcome]> = [
  [false, false, 'unencrypted-owned', 'unencrypted', 'n/a'],
  [false, false, 'encrypted-owned', 'same-key', 'n/a'],
  [false, false, 'unencrypted-shared', 'unencrypted', 'n/a'],
  [false, false, 'encrypted-shared', 'default-key', 'n/a'],
  [true, false, 'unencrypted-owned', 'default-key', 'specified-key'],
  [true, false, 'encrypted-owned', 'same-key', 'specified-key'],
  [true, false, 'unencrypted-shared', 'default-key', 'specified-key'],
  [true, false, 'encrypted-shared', 'default-key', 'specified-key'],
  [false, true, 'unencrypted-owned', 'default-key', 'n/a'],
  [false, true, 'encrypted-owned', 'same-key', 'n/a'],
  [false, true, 'unencrypted-shared', 'default-key', 'n/a'],
  [false, true, 'encrypted-shared', 'default-key', 'n/a'],
  [true, true, 'unencrypted-owned', 'default-key', 'specified-key'],
  [true, true, 'encrypted-owned', 'same-key', 'specified-key'],
  [true, true, 'unencrypted-shared', 'default-key', 'specified-key'],
  [true, true, 'encrypted-shared', 'default-key', 'specified-key'],
];

const rows = TABLE.flatMap(([encrypted, byDefault, source, withoutKey, withKey]) => [
  { encrypted, byDefault, source, custom: false, outcome: withoutKey },
  { encrypted, byDefault, source, custom: true, outcome: withKey },
]);

describe('encryptionOutcome follows the seed table', () => {
  it.each(rows)(
    'Encrypted=$encrypted, by default=$byDefault, $source, KmsKeyId given=$custom → $outcome',
    ({ encrypted, byDefault, source, custom, outcome }) => {
      expect(encryptionOutcome(inputs(encrypted, byDefault, source, custom))).toEqual(expected[outcome]);
    },
  );

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])(
    'a cross-Region copy of an owned encrypted source without KmsKeyId gets the default key (Encrypted=%s, by default=%s)',
    (encrypted, byDefault) => {
      expect(encryptionOutcome(inputs(encrypted, byDefault, 'encrypted-owned', false, true))).toEqual(
        expected['default-key'],
      );
    },
  );

  it('a cross-Region copy with KmsKeyId uses the specified key', () => {
    expect(encryptionOutcome(inputs(true, false, 'encrypted-owned', true, true))).toEqual(
      expected['specified-key'],
    );
  });

  it('covers all 32 cells of the table', () => {
    expect(new Set(rows.map((r) => `${r.encrypted}|${r.byDefault}|${r.source}|${r.custom}`)).size).toBe(32);
  });
});

describe('describeEncryption', () => {
  it.each([
    { outcome: expected.unencrypted, text: 'unencrypted' },
    { outcome: expected['same-key'], text: `encrypted with the source's key ${SOURCE_KEY}` },
    {
      outcome: { encrypted: true, because: 'same-key', keyId: undefined } as const,
      text: "encrypted with the source's key",
    },
    { outcome: expected['default-key'], text: `encrypted with the destination's default key ${DEFAULT_KEY}` },
    { outcome: expected['specified-key'], text: `encrypted with ${CUSTOM_KEY}` },
  ])('says "$text"', ({ outcome, text }) => {
    expect(describeEncryption(outcome)).toBe(text);
  });
});

describe('copyEncryptionParams (SPEC §7)', () => {
  it.each([
    {
      name: "the request's key wins over the destination's configured key",
      given: { requestKms: 'alias/dr', encryptFlag: false, destinationAccountKmsKey: 'alias/audit-ebs' },
      params: { Encrypted: true, KmsKeyId: 'alias/dr' },
    },
    {
      name: "the destination's configured key is used when the request names none",
      given: { encryptFlag: false, destinationAccountKmsKey: 'alias/audit-ebs' },
      params: { Encrypted: true, KmsKeyId: 'alias/audit-ebs' },
    },
    {
      name: "a configured key wins over encrypt with the destination's default key",
      given: { encryptFlag: true, destinationAccountKmsKey: 'alias/audit-ebs' },
      params: { Encrypted: true, KmsKeyId: 'alias/audit-ebs' },
    },
    {
      name: 'encrypt alone sends Encrypted without a key',
      given: { encryptFlag: true },
      params: { Encrypted: true },
    },
    { name: 'nothing asked sends nothing', given: { encryptFlag: false }, params: {} },
  ])('$name', ({ given, params }) => {
    expect(copyEncryptionParams(given)).toEqual(params);
  });

  it('never sends KmsKeyId without Encrypted', () => {
    for (const requestKms of [undefined, 'alias/a']) {
      for (const destinationAccountKmsKey of [undefined, 'alias/b']) {
        for (const encryptFlag of [false, true]) {
          const params = copyEncryptionParams({
            encryptFlag,
            ...(requestKms ? { requestKms } : {}),
            ...(destinationAccountKmsKey ? { destinationAccountKmsKey } : {}),
          });
          if (params.KmsKeyId !== undefined) expect(params.Encrypted).toBe(true);
        }
      }
    }
  });
});

describe('the predicted encryption kept with a request', () => {
  it.each([
    { outcome: { encrypted: false as const }, kept: { encrypted: false } },
    {
      outcome: { encrypted: true as const, because: 'same-key' as const, keyId: undefined },
      kept: { encrypted: true, because: 'same-key' },
    },
    {
      outcome: { encrypted: true as const, because: 'default-key' as const, keyId: DEFAULT_KEY },
      kept: { encrypted: true, because: 'default-key', keyId: DEFAULT_KEY },
    },
  ])('keeps $kept', ({ outcome, kept }) => {
    expect(predictedEncryption(outcome)).toStrictEqual(kept);
  });
});
