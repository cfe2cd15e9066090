import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSlackText, helpText, KNOWN_REGIONS, parseCommand, USAGE } from '../../src/domain/command.js';
import type { CopyRequestSpec } from '../../src/domain/types.js';

const SNAP = 'snap-0123456789abcdef0';
const SNAP2 = 'snap-0123abcd';
const KEY_UUID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';

const base: CopyRequestSpec = {
  sources: { kind: 'ids', ids: [SNAP] },
  destinationRegions: ['us-west-2'],
  encrypt: false,
  tags: [],
};

describe('parseCommand: subcommands', () => {
  it.each([
    { name: 'empty text opens the form', text: '', expected: { kind: 'open-modal' } },
    { name: 'blank text opens the form', text: '   \t ', expected: { kind: 'open-modal' } },
    { name: 'help shows usage', text: 'help', expected: { kind: 'help' } },
    { name: 'HELP is case-insensitive', text: 'HELP', expected: { kind: 'help' } },
    { name: 'status alone lists your requests', text: 'status', expected: { kind: 'status' } },
    {
      name: 'status with a request shows that one',
      text: 'status R-12',
      expected: { kind: 'status', request: 12 },
    },
    {
      name: 'a lowercase request label is accepted',
      text: 'status r-7',
      expected: { kind: 'status', request: 7 },
    },
    { name: 'cancel names the request', text: 'cancel R-3', expected: { kind: 'cancel', request: 3 } },
    { name: 'report asks for the DR report', text: 'report', expected: { kind: 'report' } },
  ])('$name', ({ text, expected }) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    { name: 'cancel without a request is refused', text: 'cancel', problem: '`cancel` needs a request' },
    {
      name: 'cancel with a malformed label is refused',
      text: 'cancel 12',
      problem: '`12` is not a request number',
    },
    { name: 'R-0 is not a request', text: 'status R-0', problem: '`R-0` is not a request number' },
    { name: 'status takes one request at most', text: 'status R-1 R-2', problem: 'at most one request' },
    { name: 'report takes no arguments', text: 'report now', problem: '`report` takes no arguments' },
    {
      name: 'an unknown word is neither command nor snapshot',
      text: 'stats',
      problem: '`stats` is neither a command',
    },
  ])('$name', ({ text, problem }) => {
    const parsed = parseCommand(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problems.join('\n')).toContain(problem);
  });
});

describe('parseCommand: copies', () => {
  it.each<{ name: string; text: string; spec: Partial<CopyRequestSpec> }>([
    { name: 'one snapshot to one Region', text: `${SNAP} to us-west-2`, spec: {} },
    {
      name: 'the SPEC example parses fully',
      text: `${SNAP} from us-east-1 to us-west-2 kms alias/dr note "before migration"`,
      spec: { sourceRegion: 'us-east-1', kmsKeyId: 'alias/dr', encrypt: true, note: 'before migration' },
    },
    {
      name: 'sources may be comma separated',
      text: `${SNAP},${SNAP2} to us-west-2`,
      spec: { sources: { kind: 'ids', ids: [SNAP, SNAP2] } },
    },
    {
      name: 'sources may be space separated',
      text: `${SNAP} ${SNAP2} to us-west-2`,
      spec: { sources: { kind: 'ids', ids: [SNAP, SNAP2] } },
    },
    {
      name: 'sources may be comma-and-space separated',
      text: `${SNAP}, ${SNAP2} to us-west-2`,
      spec: { sources: { kind: 'ids', ids: [SNAP, SNAP2] } },
    },
    {
      name: 'an 8-digit snapshot ID is valid',
      text: `${SNAP2} to us-west-2`,
      spec: { sources: { kind: 'ids', ids: [SNAP2] } },
    },
    {
      name: 'uppercase snapshot IDs are read in lowercase',
      text: 'SNAP-0123ABCD to us-west-2',
      spec: { sources: { kind: 'ids', ids: [SNAP2] } },
    },
    {
      name: 'a tag selector picks a multi-volume group',
      text: 'tag:Backup=daily to us-west-2',
      spec: { sources: { kind: 'tag', key: 'Backup', value: 'daily' } },
    },
    {
      name: 'a quoted tag selector may hold spaces',
      text: 'tag:"Backup Set"="daily run" to us-west-2',
      spec: { sources: { kind: 'tag', key: 'Backup Set', value: 'daily run' } },
    },
    {
      name: 'to takes a comma list of Regions',
      text: `${SNAP} to us-west-2,eu-west-1`,
      spec: { destinationRegions: ['us-west-2', 'eu-west-1'] },
    },
    {
      name: 'to takes a comma list with spaces after the commas',
      text: `${SNAP} to us-west-2, eu-west-1 , ap-south-1`,
      spec: { destinationRegions: ['us-west-2', 'eu-west-1', 'ap-south-1'] },
    },
    { name: 'options are case-insensitive', text: `${SNAP} TO US-WEST-2`, spec: {} },
    {
      name: 'account and to-account take aliases',
      text: `${SNAP} account prod to-account audit to us-west-2`,
      spec: { sourceAccount: 'prod', destinationAccount: 'audit' },
    },
    {
      name: 'account takes a 12-digit ID',
      text: `${SNAP} account 111111111111 to us-west-2`,
      spec: { sourceAccount: '111111111111' },
    },
    { name: 'encrypt sets encryption', text: `${SNAP} to us-west-2 encrypt`, spec: { encrypt: true } },
    {
      name: 'kms takes a key ID',
      text: `${SNAP} to us-west-2 kms ${KEY_UUID}`,
      spec: { kmsKeyId: KEY_UUID, encrypt: true },
    },
    {
      name: 'kms takes a multi-Region key ID',
      text: `${SNAP} to us-west-2 kms ${MRK}`,
      spec: { kmsKeyId: MRK, encrypt: true },
    },
    {
      name: 'kms takes a key ARN in the destination Region',
      text: `${SNAP} to us-west-2 kms arn:aws:kms:us-west-2:222222222222:key/${KEY_UUID}`,
      spec: { kmsKeyId: `arn:aws:kms:us-west-2:222222222222:key/${KEY_UUID}`, encrypt: true },
    },
    {
      name: 'kms takes an alias ARN in another partition',
      text: `${SNAP} to us-gov-west-1 kms arn:aws-us-gov:kms:us-gov-west-1:222222222222:alias/dr`,
      spec: {
        destinationRegions: ['us-gov-west-1'],
        kmsKeyId: 'arn:aws-us-gov:kms:us-gov-west-1:222222222222:alias/dr',
        encrypt: true,
      },
    },
    { name: 'within in minutes', text: `${SNAP} to us-west-2 within 90m`, spec: { withinMinutes: 90 } },
    { name: 'within in hours', text: `${SNAP} to us-west-2 within 2h`, spec: { withinMinutes: 120 } },
    {
      name: 'within at the lower bound',
      text: `${SNAP} to us-west-2 within 15m`,
      spec: { withinMinutes: 15 },
    },
    {
      name: 'within at the upper bound',
      text: `${SNAP} to us-west-2 within 48h`,
      spec: { withinMinutes: 2880 },
    },
    {
      name: 'smart quotes around a note are read as quotes',
      text: `${SNAP} to us-west-2 note “before migration”`,
      spec: { note: 'before migration' },
    },
    {
      name: 'smart single quotes around a note are read as quotes',
      text: `${SNAP} to us-west-2 note ‘before migration’`,
      spec: { note: 'before migration' },
    },
    {
      name: 'an apostrophe inside a double-quoted note stays',
      text: `${SNAP} to us-west-2 note “don’t delete”`,
      spec: { note: "don't delete" },
    },
    {
      name: 'HTML-escaped text from Slack is decoded',
      text: `${SNAP} to us-west-2 note "R&amp;D &lt;prod&gt;"`,
      spec: { note: 'R&D <prod>' },
    },
    {
      name: 'a quoted note may be a keyword',
      text: `${SNAP} to us-west-2 note "to"`,
      spec: { note: 'to' },
    },
    {
      name: 'tag is repeatable',
      text: `${SNAP} to us-west-2 tag Env=prod tag Team=sre`,
      spec: {
        tags: [
          { key: 'Env', value: 'prod' },
          { key: 'Team', value: 'sre' },
        ],
      },
    },
    {
      name: 'a tag value may contain = and be quoted',
      text: `${SNAP} to us-west-2 tag Query="a=b c"`,
      spec: { tags: [{ key: 'Query', value: 'a=b c' }] },
    },
    {
      name: 'a tag value may be empty',
      text: `${SNAP} to us-west-2 tag Flag=`,
      spec: { tags: [{ key: 'Flag', value: '' }] },
    },
  ])('$name', ({ text, spec }) => {
    expect(parseCommand(text)).toEqual({ kind: 'copy', spec: { ...base, ...spec } });
  });
});

describe('parseCommand: problems', () => {
  it.each([
    {
      name: 'a short snapshot ID is named precisely',
      text: 'snap-12 to us-west-2',
      problems: ['`snap-12` is not a snapshot ID (snap- followed by 8 or 17 hex digits)'],
    },
    {
      name: 'a non-hex snapshot ID is refused',
      text: 'snap-0123456789abcdefg to us-west-2',
      problems: ['`snap-0123456789abcdefg` is not a snapshot ID (snap- followed by 8 or 17 hex digits)'],
    },
    {
      name: 'a duplicate source is reported',
      text: `${SNAP},${SNAP} to us-west-2`,
      problems: [`\`${SNAP}\` is listed twice`],
    },
    {
      name: 'mixing IDs and a tag selector is refused',
      text: `${SNAP} tag:Backup=daily to us-west-2`,
      problems: ['give either snapshot IDs or one tag:<Key>=<Value>, not both'],
    },
    {
      name: 'two tag selectors are refused',
      text: 'tag:A=1 tag:B=2 to us-west-2',
      problems: ['give one tag:<Key>=<Value> selector per request, not several'],
    },
    {
      name: 'a tag selector needs =',
      text: 'tag:Backup to us-west-2',
      problems: ['`tag:Backup` needs a value: tag:<Key>=<Value>'],
    },
    {
      name: 'no sources is reported',
      text: 'to us-west-2',
      problems: ['no source snapshots: give snapshot IDs (snap-…) or one tag:<Key>=<Value>'],
    },
    {
      name: 'a copy needs to',
      text: SNAP,
      problems: ['missing `to <region>`: name the destination Region(s)'],
    },
    {
      name: 'to needs a value',
      text: `${SNAP} to`,
      problems: ['`to` needs a Region (or a comma list of Regions)'],
    },
    {
      name: 'to followed by an option has no value',
      text: `${SNAP} to encrypt`,
      problems: ['`to` needs a Region (or a comma list of Regions)'],
    },
    {
      name: 'an unknown Region is named with a suggestion',
      text: `${SNAP} to us-west2`,
      problems: ['`us-west2` is not an AWS Region (did you mean `us-west-2`?)'],
    },
    {
      name: 'a Region far from any is named without a suggestion',
      text: `${SNAP} to mars-1`,
      problems: ['`mars-1` is not an AWS Region'],
    },
    {
      name: 'a duplicate destination Region is reported',
      text: `${SNAP} to us-west-2,us-west-2`,
      problems: ['`us-west-2` is listed twice'],
    },
    {
      name: 'an unknown source Region is reported',
      text: `${SNAP} from nowhere to us-west-2`,
      problems: ['`nowhere` is not an AWS Region'],
    },
    {
      name: 'an unknown option is reported',
      text: `${SNAP} to us-west-2 fast`,
      problems: [
        '`fast` is not an option (options: to, from, account, to-account, kms, encrypt, within, note, tag, reason, lock)',
      ],
    },
    {
      name: 'sources after options are reported',
      text: `to us-west-2 ${SNAP}`,
      problems: [
        `\`${SNAP}\`: sources come first, before the options`,
        'no source snapshots: give snapshot IDs (snap-…) or one tag:<Key>=<Value>',
      ],
    },
    {
      name: 'a repeated single option is reported',
      text: `${SNAP} to us-west-2 from us-east-1 from us-east-2`,
      problems: ['`from` is given more than once'],
    },
    {
      name: 'a repeated to is reported',
      text: `${SNAP} to us-west-2 to eu-west-1`,
      problems: ['`to` is given more than once'],
    },
    {
      name: 'a repeated encrypt is reported',
      text: `${SNAP} to us-west-2 encrypt encrypt`,
      problems: ['`encrypt` is given more than once'],
    },
    {
      name: 'an 11-digit account ID is refused',
      text: `${SNAP} to us-west-2 account 11111111111`,
      problems: ['`11111111111` is not an account ID (12 digits)'],
    },
    {
      name: 'a malformed account alias is refused',
      text: `${SNAP} to us-west-2 to-account a/b`,
      problems: ['`a/b` is not an account alias or a 12-digit account ID'],
    },
    {
      name: 'a malformed key is refused',
      text: `${SNAP} to us-west-2 kms dr-key`,
      problems: [
        '`dr-key` is not a KMS key: use a key ID, mrk-… multi-Region key ID, alias/…, key ARN or alias ARN',
      ],
    },
    {
      name: 'a key ARN with a short account is refused',
      text: `${SNAP} to us-west-2 kms arn:aws:kms:us-west-2:1234:key/${KEY_UUID}`,
      problems: [
        '`arn:aws:kms:us-west-2:1234:key/1234abcd-12ab-34cd-56ef-12…` is not a KMS key: use a key ID, mrk-… multi-Region key ID, alias/…, key ARN or alias ARN',
      ],
    },
    {
      name: 'a key ARN in another Region than the destination is refused',
      text: `${SNAP} to us-west-2,eu-west-1 kms arn:aws:kms:us-west-2:222222222222:alias/dr`,
      problems: [
        'the KMS key `arn:aws:kms:us-west-2:222222222222:alias/dr` is in us-west-2 but copies go to eu-west-1: a key encrypts only in its own Region (use alias/… or a key ID to pick the key in each Region)',
      ],
    },
    {
      name: 'kms needs a value',
      text: `${SNAP} to us-west-2 kms`,
      problems: ['`kms` needs a KMS key ID, alias/…, key ARN or alias ARN'],
    },
    {
      name: 'within below 15 minutes is refused',
      text: `${SNAP} to us-west-2 within 10m`,
      problems: ['within `10m` is out of range: 15m … 48h'],
    },
    {
      name: 'within above 48 hours is refused',
      text: `${SNAP} to us-west-2 within 49h`,
      problems: ['within `49h` is out of range: 15m … 48h'],
    },
    {
      name: 'within off the 15-minute step is refused',
      text: `${SNAP} to us-west-2 within 20m`,
      problems: ['within `20m` must be a multiple of 15 minutes'],
    },
    {
      name: 'within without a unit is refused',
      text: `${SNAP} to us-west-2 within 90`,
      problems: ['`90` is not a duration: write <N>m or <N>h, e.g. 90m or 2h'],
    },
    {
      name: 'a note over 255 characters is refused',
      text: `${SNAP} to us-west-2 note "${'x'.repeat(256)}"`,
      problems: ['the note is 256 characters long; at most 255 are allowed'],
    },
    {
      name: "an unknown option's value is reported with it, not as a second unknown option",
      text: `${SNAP} to us-west-2 colour blue sky encrypt`,
      problems: [
        '`colour` is not an option (options: to, from, account, to-account, kms, encrypt, within, note, tag, reason, lock)',
      ],
    },
    {
      name: 'an unquoted multi-word note leaves an unknown option',
      text: `${SNAP} to us-west-2 note before migration`,
      problems: [
        '`migration` is not an option (options: to, from, account, to-account, kms, encrypt, within, note, tag, reason, lock)',
      ],
    },
    {
      name: 'an unclosed quote is reported',
      text: `${SNAP} to us-west-2 note "before`,
      problems: ['a quote is not closed: `"before`'],
    },
    {
      name: 'a tag without = is refused',
      text: `${SNAP} to us-west-2 tag Env`,
      problems: ['`Env` is not a tag: write <Key>=<Value>'],
    },
    {
      name: 'an aws: tag key is refused',
      text: `${SNAP} to us-west-2 tag aws:x=1`,
      problems: ['the tag key `aws:x` starts with aws:, which AWS reserves'],
    },
    {
      name: 'an AWS: tag key is refused whatever its case',
      text: `${SNAP} to us-west-2 tag AWS:x=1`,
      problems: ['the tag key `AWS:x` starts with aws:, which AWS reserves'],
    },
    {
      name: "the bot's provenance tag keys are refused",
      text: `${SNAP} to us-west-2 tag snapshot-copy:request=R-1`,
      problems: [
        'the tag key `snapshot-copy:request` starts with snapshot-copy:, which the bot writes itself',
      ],
    },
    {
      name: 'a duplicate tag key is refused',
      text: `${SNAP} to us-west-2 tag Env=a tag Env=b`,
      problems: ['the tag key `Env` is given twice'],
    },
    {
      name: 'a tag key over 128 characters is refused',
      text: `${SNAP} to us-west-2 tag ${'k'.repeat(129)}=v`,
      problems: [`the tag key \`${'k'.repeat(57)}…\` is longer than 128 characters`],
    },
    {
      name: 'a tag value over 256 characters is refused',
      text: `${SNAP} to us-west-2 tag K=${'v'.repeat(257)}`,
      problems: ['the value of tag `K` is longer than 256 characters'],
    },
    {
      name: 'every problem is collected, not only the first',
      text: 'snap-12 from mars-1 to us-west2 within 5m bogus',
      problems: [
        '`bogus` is not an option (options: to, from, account, to-account, kms, encrypt, within, note, tag, reason, lock)',
        '`snap-12` is not a snapshot ID (snap- followed by 8 or 17 hex digits)',
        '`us-west2` is not an AWS Region (did you mean `us-west-2`?)',
        '`mars-1` is not an AWS Region',
        'within `5m` is out of range: 15m … 48h',
      ],
    },
  ])('$name', ({ text, problems }) => {
    expect(parseCommand(text)).toEqual({ kind: 'invalid', problems });
  });
});

describe('decodeSlackText', () => {
  it.each([
    { name: 'decodes the three entities Slack escapes', text: 'a &amp; b &lt;c&gt;', expected: 'a & b <c>' },
    { name: 'decodes in one pass, so an escaped entity stays an entity', text: '&amp;lt;', expected: '&lt;' },
    { name: 'leaves other entities alone', text: '&quot;', expected: '&quot;' },
  ])('$name', ({ text, expected }) => {
    expect(decodeSlackText(text)).toBe(expected);
  });
});

describe('usage and regions', () => {
  it('the usage line names every option', () => {
    for (const option of ['to', 'from', 'account', 'to-account', 'kms', 'encrypt', 'within', 'note', 'tag']) {
      expect(USAGE).toMatch(new RegExp(`[\\s[|]${option}[\\s\\]]`));
    }
    expect(helpText()).toContain('/snapshot-copy cancel R-<n>');
  });

  it('known Regions are lowercase AWS Region codes without duplicates', () => {
    expect(new Set(KNOWN_REGIONS).size).toBe(KNOWN_REGIONS.length);
    for (const region of KNOWN_REGIONS) expect(region).toMatch(/^[a-z]+(-[a-z]+)+-\d$/);
    expect(KNOWN_REGIONS).toEqual(
      expect.arrayContaining(['us-east-1', 'eu-west-1', 'us-gov-west-1', 'cn-north-1']),
    );
  });
});

describe('parseCommand: properties', () => {
  const words = fc.constantFrom(
    'to',
    'from',
    'account',
    'to-account',
    'kms',
    'encrypt',
    'within',
    'note',
    'tag',
    'status',
    'cancel',
    SNAP,
    SNAP2,
    'snap-12',
    'tag:A=b',
    'us-west-2',
    'eu-west-1,',
    ',',
    'mars',
    'R-1',
    '90m',
    '"',
    '“',
    '’',
    'Env=prod',
    'aws:x=1',
    'alias/dr',
    '&amp;',
    '&lt;',
    '',
  );
  const commandLike = fc
    .array(fc.oneof(words, fc.string()), { maxLength: 12 })
    .map((parts) => parts.join(' '));

  it('never throws, and yields a copy spec or at least one problem', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), commandLike), (text) => {
        const parsed = parseCommand(text);
        if (parsed.kind === 'invalid') expect(parsed.problems.length).toBeGreaterThan(0);
        if (parsed.kind === 'copy') {
          expect(parsed.spec.destinationRegions.length).toBeGreaterThan(0);
          expect(KNOWN_REGIONS).toEqual(expect.arrayContaining(parsed.spec.destinationRegions));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a valid copy line parses to the IDs and Regions it was built from', () => {
    const id = fc
      .oneof(fc.stringMatching(/^[0-9a-f]{8}$/), fc.stringMatching(/^[0-9a-f]{17}$/))
      .map((h) => `snap-${h}`);
    const region = fc.constantFrom(...KNOWN_REGIONS);
    fc.assert(
      fc.property(
        fc.uniqueArray(id, { minLength: 1, maxLength: 5 }),
        fc.uniqueArray(region, { minLength: 1, maxLength: 4 }),
        (ids, regions) => {
          expect(parseCommand(`${ids.join(', ')} to ${regions.join(',')}`)).toEqual({
            kind: 'copy',
            spec: { ...base, sources: { kind: 'ids', ids }, destinationRegions: regions },
          });
        },
      ),
    );
  });
});
