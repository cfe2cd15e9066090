import { describe, expect, it } from 'vitest';
import { type ModalValues, parseModalSubmission } from '../../src/domain/modal.js';
import { type ModalInput, modalValues } from '../support/slack-modal.js';

const SNAP = 'snap-0123456789abcdef0';
const SNAP2 = 'snap-0123abcd';

type Fields = ModalInput;

/** The `view.state.values` Slack sends for these field values (the shared builder, typed for the parser). */
const state = (fields: Fields): ModalValues => modalValues(fields) as ModalValues;

const minimal: Fields = { sources: SNAP, destination_regions: ['us-west-2'] };

describe('parseModalSubmission', () => {
  it('reads the minimal form into a spec with defaults left open', () => {
    expect(parseModalSubmission(state(minimal))).toEqual({
      ok: true,
      spec: {
        sources: { kind: 'ids', ids: [SNAP] },
        destinationRegions: ['us-west-2'],
        encrypt: false,
        tags: [],
      },
    });
  });

  it('reads every field of a full form', () => {
    const result = parseModalSubmission(
      state({
        sources: `${SNAP},\n${SNAP2}`,
        source_account: 'prod',
        source_region: 'us-east-1',
        destination_regions: ['us-west-2', 'eu-west-1'],
        destination_account: 'audit',
        kms_key: ' alias/dr ',
        within: '2h',
        note: '  before migration ',
        tags: 'Env=prod\n\n Team = sre \r\n',
      }),
    );
    expect(result).toEqual({
      ok: true,
      spec: {
        sources: { kind: 'ids', ids: [SNAP, SNAP2] },
        sourceAccount: 'prod',
        sourceRegion: 'us-east-1',
        destinationRegions: ['us-west-2', 'eu-west-1'],
        destinationAccount: 'audit',
        kmsKeyId: 'alias/dr',
        encrypt: true,
        withinMinutes: 120,
        note: 'before migration',
        tags: [
          { key: 'Env', value: 'prod' },
          { key: 'Team', value: 'sre' },
        ],
      },
    });
  });

  it.each([
    { name: 'the encrypt checkbox sets encryption', fields: { ...minimal, encrypt: true }, encrypt: true },
    {
      name: 'an unticked encrypt checkbox leaves encryption off',
      fields: { ...minimal, encrypt: false },
      encrypt: false,
    },
    { name: 'a KMS key implies encryption', fields: { ...minimal, kms_key: 'alias/dr' }, encrypt: true },
  ])('$name', ({ fields, encrypt }) => {
    const result = parseModalSubmission(state(fields));
    expect(result.ok && result.spec.encrypt).toBe(encrypt);
  });

  it('reads a quoted tag selector with spaces as one source', () => {
    const result = parseModalSubmission(state({ ...minimal, sources: 'tag:"Backup Set"=daily' }));
    expect(result.ok && result.spec.sources).toEqual({ kind: 'tag', key: 'Backup Set', value: 'daily' });
  });

  it.each<{ name: string; fields: Fields; errors: Record<string, string> }>([
    {
      name: 'empty sources are shown on the sources field',
      fields: { ...minimal, sources: '' },
      errors: { sources: 'no source snapshots: give snapshot IDs (snap-…) or one tag:<Key>=<Value>' },
    },
    {
      name: 'a malformed snapshot ID is shown without backticks',
      fields: { ...minimal, sources: 'snap-12' },
      errors: { sources: '"snap-12" is not a snapshot ID (snap- followed by 8 or 17 hex digits)' },
    },
    {
      name: 'no destination Region is shown on its field',
      fields: { sources: SNAP },
      errors: { destination_regions: 'choose at least one destination Region' },
    },
    {
      name: 'a bad key is shown on the key field',
      fields: { ...minimal, kms_key: 'dr' },
      errors: {
        kms_key:
          '"dr" is not a KMS key: use a key ID, mrk-… multi-Region key ID, alias/…, key ARN or alias ARN',
      },
    },
    {
      name: 'a key ARN of another Region is shown on the key field',
      fields: { ...minimal, kms_key: 'arn:aws:kms:eu-west-1:222222222222:alias/dr' },
      errors: {
        kms_key:
          'the KMS key "arn:aws:kms:eu-west-1:222222222222:alias/dr" is in eu-west-1 but copies go to us-west-2: a key encrypts only in its own Region (use alias/… or a key ID to pick the key in each Region)',
      },
    },
    {
      name: 'within out of range is shown on its field',
      fields: { ...minimal, within: '72h' },
      errors: { within: 'within "72h" is out of range: 15m … 48h' },
    },
    {
      name: 'a long note is shown on its field',
      fields: { ...minimal, note: 'n'.repeat(300) },
      errors: { note: 'the note is 300 characters long; at most 255 are allowed' },
    },
    {
      name: 'several tag problems are joined on the tags field',
      fields: { ...minimal, tags: 'aws:x=1\nEnv=a\nEnv=b\nnoequals' },
      errors: {
        tags: 'the tag key "aws:x" starts with aws:, which AWS reserves; the tag key "Env" is given twice; "noequals" is not a tag: write <Key>=<Value>',
      },
    },
    {
      name: 'problems in several fields are all reported',
      fields: {
        sources: 'snap-zz',
        destination_regions: ['us-west-2'],
        within: '7m',
        source_region: 'atlantis-1',
      },
      errors: {
        sources: '"snap-zz" is not a snapshot ID (snap- followed by 8 or 17 hex digits)',
        source_region: '"atlantis-1" is not an AWS Region',
        within: 'within "7m" is out of range: 15m … 48h',
      },
    },
  ])('$name', ({ fields, errors }) => {
    expect(parseModalSubmission(state(fields))).toEqual({ ok: false, errors });
  });

  it('treats missing blocks as empty fields', () => {
    expect(parseModalSubmission({})).toEqual({
      ok: false,
      errors: {
        sources: 'no source snapshots: give snapshot IDs (snap-…) or one tag:<Key>=<Value>',
        destination_regions: 'choose at least one destination Region',
      },
    });
  });
});
