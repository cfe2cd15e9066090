import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { configFromObject, loadConfig, parseConfigText } from '../../src/config/load.js';

const SPEC_EXAMPLE = fileURLToPath(new URL('./fixtures/spec-example.yml', import.meta.url));

/** The smallest valid configuration; each bad case below changes one thing. */
function minimal(): Record<string, unknown> {
  return {
    slack: { approvalsChannel: 'C0APPROVALS' },
    accounts: [
      {
        alias: 'prod',
        id: '111111111111',
        roleArn: 'arn:aws:iam::111111111111:role/snapshot-copy-bot',
        regions: ['us-east-1', 'us-west-2'],
        default: true,
      },
      { alias: 'audit', id: '222222222222', regions: ['us-west-2', 'eu-west-1'] },
    ],
    approvals: { approvers: ['U0APPROVER1', 'U0APPROVER2'] },
  };
}

function problemsOf(raw: unknown): string[] {
  try {
    configFromObject(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

// biome-ignore lint/suspicious/noExplicitAny: the rows mutate arbitrary paths of untyped, YAML-like data
type Loose = Record<string, any>;
type Mutate = (c: Loose) => void;

describe('loadConfig', () => {
  it('loads the SPEC §3 example verbatim', async () => {
    const config = await loadConfig(SPEC_EXAMPLE);
    expect(config.slack.approvalsChannel).toBe('C0APPROVALS');
    expect(config.accounts).toEqual([
      {
        alias: 'prod',
        id: '111111111111',
        roleArn: 'arn:aws:iam::111111111111:role/snapshot-copy-bot',
        externalId: 'prod-ext-id',
        regions: ['us-east-1', 'us-west-2'],
        default: true,
        kmsKeys: {},
      },
      {
        alias: 'audit',
        id: '222222222222',
        roleArn: 'arn:aws:iam::222222222222:role/snapshot-copy-bot',
        regions: ['us-west-2', 'eu-west-1'],
        default: false,
        kmsKeys: { 'us-west-2': 'alias/audit-ebs' },
      },
    ]);
    expect(config.approvals).toEqual({
      approvers: ['U0APPROVER1', 'S0DRTEAM'],
      required: 1,
      allowSelfApproval: false,
      expireAfterHours: 24,
      escalateTo: [],
      notify: ['channel'],
      rules: [{ when: { crossAccount: true }, required: 2 }],
    });
    expect(config.limits).toEqual({
      concurrentCopies: 20,
      overrides: [{ account: 'audit', region: 'us-west-2', concurrentCopies: 5 }],
    });
    expect(config.polling).toEqual({ intervalSeconds: 30 });
    expect(config.reports).toEqual([
      { channel: 'C0DRSTATUS', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
    ]);
    expect(config.drPolicies).toEqual([
      {
        name: 'prod-db-to-oregon',
        source: { account: 'prod', region: 'us-east-1', tag: { key: 'Backup', value: 'daily' } },
        destination: { account: 'audit', region: 'us-west-2' },
        cron: '0 */6 * * *',
        timezone: 'UTC',
        rpoHours: 24,
      },
    ]);
  });

  it('fills every default of an otherwise minimal file', () => {
    const config = configFromObject(minimal());
    expect(config.approvals).toEqual({
      approvers: ['U0APPROVER1', 'U0APPROVER2'],
      required: 1,
      allowSelfApproval: false,
      expireAfterHours: 24,
      escalateTo: [],
      notify: ['channel'],
      rules: [],
    });
    expect(config.limits).toEqual({ concurrentCopies: 20, overrides: [] });
    expect(config.polling).toEqual({ intervalSeconds: 30 });
    expect(config.reports).toEqual([]);
    expect(config.drPolicies).toEqual([]);
    expect(config.accounts[1]).toEqual({
      alias: 'audit',
      id: '222222222222',
      regions: ['us-west-2', 'eu-west-1'],
      default: false,
      kmsKeys: {},
    });
  });

  it('makes a lone account the default without it saying so', () => {
    const raw = minimal();
    raw.accounts = [{ alias: 'solo', id: '333333333333', regions: ['eu-central-1'] }];
    expect(configFromObject(raw).accounts[0]?.default).toBe(true);
  });

  it('accepts several accounts with no default: requests then name their source account', () => {
    const raw = minimal();
    delete (raw.accounts as Loose[])[0]!.default;
    expect(configFromObject(raw).accounts.map((a) => a.default)).toEqual([false, false]);
  });

  it('takes an unquoted 12-digit account id as the ID: YAML dropped no zeros', () => {
    const config = parseConfigText(
      [
        'slack: { approvalsChannel: C0APPROVALS }',
        'accounts:',
        '  - { alias: prod, id: 111111111111, regions: [us-east-1], default: true }',
        'approvals: { approvers: [U0APPROVER1] }',
      ].join('\n'),
      'unquoted.yml',
    );
    expect(config.accounts[0]?.id).toBe('111111111111');
  });

  it('accepts volume lists, 6-field crons, key ARNs and a policy channel', () => {
    const raw = minimal();
    (raw.accounts as Loose[])[1]!.kmsKeys = {
      'eu-west-1': 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'us-west-2': 'mrk-1234567890abcdef1234567890abcdef',
    };
    raw.drPolicies = [
      {
        name: 'vols',
        source: {
          account: 'prod',
          region: 'us-east-1',
          volumeIds: ['vol-0123456789abcdef0', 'vol-01234567'],
        },
        destination: { account: 'audit', region: 'eu-west-1' },
        cron: '30 0 */6 * * *',
        timezone: 'America/New_York',
        rpoHours: 12,
        channel: 'C0DR',
      },
    ];
    const policy = configFromObject(raw).drPolicies[0];
    expect(policy?.source).toEqual({
      account: 'prod',
      region: 'us-east-1',
      volumeIds: ['vol-0123456789abcdef0', 'vol-01234567'],
    });
    expect(policy?.channel).toBe('C0DR');
  });

  it('accepts share keys for two-hop copies of aws/ebs sources', () => {
    const raw: Loose = minimal();
    raw.accounts[0].shareKmsKeys = { 'us-east-1': 'alias/ebs-share' };
    expect(configFromObject(raw).accounts[0]?.shareKmsKeys).toEqual({ 'us-east-1': 'alias/ebs-share' });
  });

  it('accepts a reminder and an escalation in hours, fractions allowed', () => {
    const raw: Loose = minimal();
    Object.assign(raw.approvals, {
      remindAfterHours: 0.5,
      escalateAfterHours: 8,
      escalateTo: ['S0LEADS', 'U0LEAD'],
      notify: ['channel', 'dm'],
    });
    expect(configFromObject(raw).approvals).toMatchObject({
      notify: ['channel', 'dm'],
      remindAfterHours: 0.5,
      escalateAfterHours: 8,
      escalateTo: ['S0LEADS', 'U0LEAD'],
    });
  });

  // Each row: one change to a valid config → the exact problem line expected.
  const badCases: Array<[string, Mutate, string]> = [
    [
      'a share key for a Region the account does not use',
      (c) => {
        c.accounts[0].shareKmsKeys = { 'eu-west-1': 'alias/ebs-share' };
      },
      "accounts[0].shareKmsKeys.eu-west-1: eu-west-1 is not one of this account's regions (us-east-1, us-west-2)",
    ],
    [
      'a share key of another account',
      (c) => {
        c.accounts[0].shareKmsKeys = {
          'us-east-1': 'arn:aws:kms:us-east-1:222222222222:key/1a2b3c4d-0000-4000-8000-000000000001',
        };
      },
      'accounts[0].shareKmsKeys.us-east-1: the key ARN is in account 222222222222, not this account (111111111111)',
    ],
    [
      'approval cards by DM only',
      (c) => {
        c.approvals.notify = ['dm'];
      },
      'approvals.notify: must include channel: the card in the approvals channel carries the thread; add dm to also send it to each approver',
    ],
    [
      'approval cards by e-mail',
      (c) => {
        c.approvals.notify = ['channel', 'email'];
      },
      'approvals.notify[1]: must be channel or dm',
    ],
    [
      'a reminder after zero hours',
      (c) => {
        c.approvals.remindAfterHours = 0;
      },
      'approvals.remindAfterHours: must be a positive number of hours',
    ],
    [
      'a reminder after the request has expired',
      (c) => {
        c.approvals.remindAfterHours = 24;
      },
      'approvals.remindAfterHours: 24 hours is not before expireAfterHours (24): the request would expire first',
    ],
    [
      'an escalation to nobody',
      (c) => {
        c.approvals.escalateAfterHours = 8;
      },
      'approvals.escalateTo: name whom to escalate to (Slack user or user-group IDs) for escalateAfterHours',
    ],
    [
      'escalation approvers without a time',
      (c) => {
        c.approvals.escalateTo = ['S0LEADS'];
      },
      'approvals.escalateAfterHours: set how many hours after filing to escalate to escalateTo',
    ],
    [
      'an escalation approver given by name',
      (c) => {
        c.approvals.escalateAfterHours = 8;
        c.approvals.escalateTo = ['@leads'];
      },
      'approvals.escalateTo[0]: must be a Slack user ID (U…/W…) or user-group ID (S…), not a name',
    ],
    [
      'a short account id',
      (c) => {
        c.accounts[1].id = '12345';
      },
      'accounts[1].id: must be 12 digits',
    ],
    [
      'an unquoted account id that lost its leading zero (YAML number)',
      (c) => {
        c.accounts[1].id = 22222222222;
      },
      'accounts[1].id: must be 12 digits written as a quoted string (id: "022222222222"); YAML reads unquoted digits as a number and drops leading zeros',
    ],
    [
      'a missing account id',
      (c) => {
        delete c.accounts[0].id;
      },
      'accounts[0].id: required',
    ],
    [
      'a role ARN of another account',
      (c) => {
        c.accounts[0].roleArn = 'arn:aws:iam::999999999999:role/x';
      },
      "accounts[0].roleArn: names account 999999999999, but this account's id is 111111111111",
    ],
    [
      'a role ARN that is not a role',
      (c) => {
        c.accounts[0].roleArn = 'arn:aws:iam::111111111111:user/bob';
      },
      'accounts[0].roleArn: must be an IAM role ARN such as arn:aws:iam::111111111111:role/snapshot-copy-bot',
    ],
    [
      'an external ID without a role',
      (c) => {
        c.accounts[1].externalId = 'abc-123';
      },
      'accounts[1].externalId: is only used with roleArn (AssumeRole); add roleArn or remove it',
    ],
    [
      'an unknown Region',
      (c) => {
        c.accounts[0].regions = ['us-east-1', 'us-west-3'];
      },
      'accounts[0].regions[1]: unknown AWS Region "us-west-3"',
    ],
    [
      'no Regions',
      (c) => {
        c.accounts[0].regions = [];
      },
      'accounts[0].regions: must list at least one Region',
    ],
    [
      'a Region listed twice',
      (c) => {
        c.accounts[0].regions = ['us-east-1', 'us-east-1'];
      },
      'accounts[0].regions[1]: us-east-1 is listed twice',
    ],
    [
      'a duplicate alias',
      (c) => {
        c.accounts[1].alias = 'Prod';
      },
      'accounts[1].alias: "Prod" is already used by accounts[0]',
    ],
    [
      'a duplicate account id',
      (c) => {
        c.accounts[1].id = '111111111111';
      },
      'accounts[1].id: 111111111111 is already used by accounts[0]',
    ],
    [
      'an alias that looks like an ID',
      (c) => {
        c.accounts[1].alias = '123';
      },
      'accounts[1].alias: must start with a letter and contain only letters, digits, - and _ (at most 63 characters)',
    ],
    [
      'two default accounts',
      (c) => {
        c.accounts[1].default = true;
      },
      'accounts[1].default: only one account may be the default (accounts[0] is)',
    ],
    [
      'no accounts',
      (c) => {
        c.accounts = [];
      },
      'accounts: must list at least one entry',
    ],
    [
      'a misspelled account key',
      (c) => {
        c.accounts[0].regoins = ['us-east-1'];
      },
      'accounts[0].regoins: unknown key',
    ],
    [
      'a KMS key for a Region the account does not use',
      (c) => {
        c.accounts[1].kmsKeys = { 'us-east-1': 'alias/audit-ebs' };
      },
      "accounts[1].kmsKeys.us-east-1: us-east-1 is not one of this account's regions (us-west-2, eu-west-1)",
    ],
    [
      'a KMS key ARN from another Region',
      (c) => {
        c.accounts[1].kmsKeys = { 'us-west-2': 'arn:aws:kms:eu-west-1:222222222222:alias/x' };
      },
      'accounts[1].kmsKeys.us-west-2: the key ARN is in eu-west-1, not us-west-2',
    ],
    [
      'a malformed KMS key',
      (c) => {
        c.accounts[1].kmsKeys = { 'us-west-2': 'audit-ebs' };
      },
      'accounts[1].kmsKeys.us-west-2: "audit-ebs" is not a KMS key ID, alias/…, key ARN or alias ARN',
    ],
    [
      'a channel name instead of an ID',
      (c) => {
        c.slack.approvalsChannel = '#approvals';
      },
      'slack.approvalsChannel: must be a Slack channel ID such as C0123ABCD (not a #name)',
    ],
    [
      'no slack section',
      (c) => {
        delete c.slack;
      },
      'slack: required',
    ],
    [
      'an approver given by name',
      (c) => {
        c.approvals.approvers = ['@alice'];
      },
      'approvals.approvers[0]: must be a Slack user ID (U…/W…) or user-group ID (S…), not a name',
    ],
    [
      'no approvers',
      (c) => {
        c.approvals.approvers = [];
      },
      'approvals.approvers: name at least one approver',
    ],
    [
      'zero required approvals',
      (c) => {
        c.approvals.required = 0;
      },
      'approvals.required: must be a positive whole number',
    ],
    [
      'more approvals than approvers',
      (c) => {
        c.approvals.required = 3;
      },
      'approvals.required: 3 approvals can never be given: only 2 approvers are configured',
    ],
    [
      'a string for a boolean',
      (c) => {
        c.approvals.allowSelfApproval = 'yes';
      },
      'approvals.allowSelfApproval: must be true or false',
    ],
    [
      'a rule naming an unknown account',
      (c) => {
        c.approvals.rules = [{ when: { destinationAccount: 'dr' }, required: 2 }];
      },
      'approvals.rules[0].when.destinationAccount: unknown account "dr" (known: prod, audit)',
    ],
    [
      'a rule without a condition',
      (c) => {
        c.approvals.rules = [{ when: {}, required: 2 }];
      },
      'approvals.rules[0].when: name at least one condition: crossAccount, sourceAccount, destinationAccount, lock or estimatedCostOverUsd',
    ],
    [
      'a fractional copy limit',
      (c) => {
        c.limits = { concurrentCopies: 2.5 };
      },
      'limits.concurrentCopies: must be a positive whole number',
    ],
    [
      'an override for a Region the account does not use',
      (c) => {
        c.limits = { overrides: [{ account: 'audit', region: 'us-east-1', concurrentCopies: 5 }] };
      },
      "limits.overrides[0].region: us-east-1 is not one of account audit's regions (us-west-2, eu-west-1)",
    ],
    [
      'an override for an unknown account',
      (c) => {
        c.limits = { overrides: [{ account: 'dr', region: 'us-east-1', concurrentCopies: 5 }] };
      },
      'limits.overrides[0].account: unknown account "dr" (known: prod, audit)',
    ],
    [
      'a zero polling interval',
      (c) => {
        c.polling = { intervalSeconds: 0 };
      },
      'polling.intervalSeconds: must be a whole number of seconds from 1 to 3600',
    ],
    [
      'a polling interval over an hour',
      (c) => {
        c.polling = { intervalSeconds: 3601 };
      },
      'polling.intervalSeconds: must be a whole number of seconds from 1 to 3600',
    ],
    [
      'a 4-field cron',
      (c) => {
        c.reports = [{ channel: 'C0DR', cron: '0 9 * *' }];
      },
      'reports[0].cron: "0 9 * *" is not a valid cron expression (5 fields, or 6 with seconds first; node-cron syntax)',
    ],
    [
      'an unknown time zone',
      (c) => {
        c.reports = [{ channel: 'C0DR', cron: '0 9 * * *', timezone: 'Mars/Olympus' }];
      },
      'reports[0].timezone: unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Berlin)',
    ],
    [
      'reports that are not a list',
      (c) => {
        c.reports = { channel: 'C0DR' };
      },
      'reports: must be a list (entries starting with "- ")',
    ],
    [
      'an unknown top-level key',
      (c) => {
        c.limit = {};
      },
      'limit: unknown key (expected one of slack, accounts, approvals, limits, polling, reports, drPolicies, pricing)',
    ],
  ];

  const policy = () => ({
    name: 'p',
    source: { account: 'prod', region: 'us-east-1', tag: { key: 'Backup', value: 'daily' } },
    destination: { account: 'audit', region: 'us-west-2' },
    cron: '0 */6 * * *',
    rpoHours: 24,
  });
  const policyCases: Array<[string, Mutate, string]> = [
    [
      'a zero RPO',
      (p) => {
        p.rpoHours = 0;
      },
      'drPolicies[0].rpoHours: must be a positive whole number',
    ],
    [
      'a missing RPO',
      (p) => {
        delete p.rpoHours;
      },
      'drPolicies[0].rpoHours: required',
    ],
    [
      'both a tag and volumes',
      (p) => {
        p.source.volumeIds = ['vol-01234567'];
      },
      'drPolicies[0].source: give exactly one of tag: { key, value } or volumeIds: [...]',
    ],
    [
      'neither a tag nor volumes',
      (p) => {
        delete p.source.tag;
      },
      'drPolicies[0].source: give exactly one of tag: { key, value } or volumeIds: [...]',
    ],
    [
      'a destination Region the account may not use',
      (p) => {
        p.destination.region = 'us-east-1';
      },
      "drPolicies[0].destination.region: us-east-1 is not one of account audit's regions (us-west-2, eu-west-1)",
    ],
    [
      'an unknown source account',
      (p) => {
        p.source.account = 'staging';
      },
      'drPolicies[0].source.account: unknown account "staging" (known: prod, audit)',
    ],
    [
      'the same source and destination',
      (p) => {
        p.destination = { account: 'prod', region: 'us-east-1' };
      },
      'drPolicies[0].destination: is the same account and Region as the source; a DR copy must go elsewhere',
    ],
    [
      'a bad cron',
      (p) => {
        p.cron = '* * * * * * *';
      },
      'drPolicies[0].cron: "* * * * * * *" is not a valid cron expression (5 fields, or 6 with seconds first; node-cron syntax)',
    ],
    [
      'a bad volume ID',
      (p) => {
        p.source = { account: 'prod', region: 'us-east-1', volumeIds: ['v-1'] };
      },
      'drPolicies[0].source.volumeIds[0]: must be a volume ID (vol-…)',
    ],
    [
      'both retain count and days',
      (p) => {
        p.retain = { count: 2, days: 3 };
      },
      'drPolicies[0].retain: give exactly one of count or days',
    ],
    [
      'an unknown lock mode',
      (p) => {
        p.lock = { mode: 'forever', days: 3 };
      },
      'drPolicies[0].lock.mode: must be governance or compliance',
    ],
    [
      'a lock of 0 days',
      (p) => {
        p.lock = { mode: 'governance', days: 0 };
      },
      'drPolicies[0].lock.days: must be a whole number of days from 1 to 36500',
    ],
    [
      'a cooling-off period on a governance lock',
      (p) => {
        p.lock = { mode: 'governance', days: 3, coolOffHours: 2 };
      },
      'drPolicies[0].lock.coolOffHours: only a compliance lock has a cooling-off period',
    ],
    [
      'a drill zone outside the destination Region',
      (p) => {
        p.drill = { cron: '0 3 * * 0', availabilityZone: 'eu-west-1a' };
      },
      'drPolicies[0].drill.availabilityZone: must be a zone of the destination Region us-west-2 (e.g. us-west-2a)',
    ],
  ];

  it.each(badCases)('rejects %s', (_name, mutate, expected) => {
    const raw = minimal();
    mutate(raw);
    expect(problemsOf(raw)).toEqual([expected]);
  });

  it.each(policyCases)('rejects a DR policy with %s', (_name, mutate, expected) => {
    const raw = minimal();
    const p: Loose = policy();
    mutate(p);
    raw.drPolicies = [p];
    expect(problemsOf(raw)).toEqual([expected]);
  });

  it('accepts lock, retain and drill on a DR policy', () => {
    const raw = minimal();
    raw.drPolicies = [
      {
        ...policy(),
        lock: { mode: 'compliance', days: 30, coolOffHours: 24 },
        retain: { days: 14 },
        drill: { cron: '0 3 * * 0', availabilityZone: 'us-west-2a' },
      },
    ];
    const config = configFromObject(raw);
    expect(config.drPolicies[0]).toMatchObject({
      lock: { mode: 'compliance', days: 30, coolOffHours: 24 },
      retain: { days: 14 },
      drill: { cron: '0 3 * * 0', availabilityZone: 'us-west-2a' },
    });
  });

  it('rejects duplicate DR policy names', () => {
    const raw = minimal();
    raw.drPolicies = [policy(), policy()];
    expect(problemsOf(raw)).toEqual(['drPolicies[1].name: "p" is already used by drPolicies[0]']);
  });

  it('lists every problem of a file at once, with lines, in file order', () => {
    const text = [
      'slack: { approvalsChannel: C0APPROVALS }',
      'accounts:',
      '  - alias: prod',
      '    id: "111111111111"',
      '    regions: [us-east-1]',
      '    default: true',
      '  - alias: audit',
      '    id: 2222',
      '    regions: [eu-west-9]',
      'approvals:',
      '  approvers: [U0A]',
      'polling: { intervalSeconds: 0 }',
    ].join('\n');
    let caught: unknown;
    try {
      parseConfigText(text, 'bad.yml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.problems).toEqual([
      'accounts[1].id: must be 12 digits written as a quoted string (id: "000000002222"); YAML reads unquoted digits as a number and drops leading zeros',
      'accounts[1].regions[0]: unknown AWS Region "eu-west-9"',
      'polling.intervalSeconds: must be a whole number of seconds from 1 to 3600',
    ]);
    expect(error.details.map((d) => d.line)).toEqual([8, 9, 12]);
    expect(error.message).toContain('The configuration in bad.yml is invalid (3 problems):');
    expect(error.message).toContain('  - accounts[1].regions[0]: unknown AWS Region "eu-west-9"  (line 9)');
    expect(error.message).toContain('README → Configuration');
  });

  it('does not report references to an account whose own entry is broken', () => {
    const raw = minimal();
    (raw.accounts as Loose[])[1]!.id = 'x';
    raw.drPolicies = [policy()];
    expect(problemsOf(raw)).toEqual(['accounts[1].id: must be 12 digits']);
  });

  it('reports a YAML syntax error with the file and line', () => {
    expect(() => parseConfigText('slack:\n  approvalsChannel: [C0A\naccounts: []\n', 'broken.yml')).toThrow(
      /broken\.yml is not valid YAML:\n {2}- line 3, column 1: /,
    );
  });

  it('reports a duplicate YAML key as a syntax error', () => {
    expect(() => parseConfigText('slack: {}\nslack: {}\n', 'dup.yml')).toThrow(
      /line 2, column 1: Map keys must be unique/,
    );
  });

  it('reports an empty file', () => {
    expect(() => parseConfigText('# nothing yet\n', 'empty.yml')).toThrow(
      'is empty; it needs at least slack, accounts and approvals',
    );
  });

  describe('with files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'snapshot-copy-config-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('names a missing file and the variable that points at it', async () => {
      const path = join(dir, 'nope.yml');
      await expect(loadConfig(path)).rejects.toThrow(
        `Cannot read the configuration file ${path}: no such file.\nSet SNAPSHOT_COPY_CONFIG`,
      );
    });

    it('names a directory given as the file', async () => {
      await expect(loadConfig(dir)).rejects.toThrow('it is a directory, not a file');
    });

    it('loads a file written to disk', async () => {
      const path = join(dir, 'ok.yml');
      await writeFile(
        path,
        'slack: { approvalsChannel: C0A }\naccounts: [{ alias: a, id: "123456789012", regions: [us-east-1] }]\napprovals: { approvers: [S0TEAM] }\n',
      );
      const config = await loadConfig(path);
      expect(config.accounts[0]?.default).toBe(true);
    });
  });
});
