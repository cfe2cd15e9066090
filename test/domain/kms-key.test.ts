import { describe, expect, it } from 'vitest';
import { kmsKeySchema } from '../../src/config/schema.js';
import { isKmsKeyReference, kmsKeyRegion } from '../../src/domain/fields.js';

/** The one shape check of a KMS key reference: commands, the modal and the config all use it. */
describe('a KMS key reference', () => {
  it.each([
    ['a key ID', '1234abcd-12ab-34cd-56ef-1234567890ab', true],
    ['a multi-Region key ID', `mrk-${'a'.repeat(32)}`, true],
    ['an alias', 'alias/dr-backups', true],
    ['a key ARN', 'arn:aws:kms:us-west-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab', true],
    ['a key ARN whose key AWS is left to judge', 'arn:aws:kms:us-west-2:222222222222:key/custom', true],
    ['an alias ARN in GovCloud', 'arn:aws-us-gov:kms:us-gov-west-1:222222222222:alias/dr', true],
    ['a bare word', 'dr-key', false],
    ['an ARN with a short account', 'arn:aws:kms:us-west-2:1234:key/custom', false],
    ['an ARN of another service', 'arn:aws:iam::222222222222:role/x', false],
  ])('%s: %s', (_what, key, valid) => {
    expect(isKmsKeyReference(key)).toBe(valid);
  });

  it('names its Region only when it is an ARN', () => {
    expect(kmsKeyRegion('arn:aws-us-gov:kms:us-gov-west-1:222222222222:alias/dr')).toBe('us-gov-west-1');
    expect(kmsKeyRegion('alias/dr')).toBeUndefined();
  });

  it('is judged alike in the config', () => {
    const keys = ['alias/dr', 'arn:aws:kms:us-west-2:222222222222:key/custom', 'dr-key'];
    const accepted = keys.map((key) => kmsKeySchema.safeParse(key).success);
    expect(accepted).toEqual(keys.map(isKmsKeyReference));
  });
});
