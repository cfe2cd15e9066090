import { describe, expect, it } from 'vitest';
import { resolveRequest } from '../../src/domain/resolve.js';
import type { AccountConfig, CopyRequestSpec } from '../../src/domain/types.js';

const prod: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  regions: ['us-east-1', 'us-west-2'],
  default: true,
  kmsKeys: {},
};
const audit: AccountConfig = {
  alias: 'audit',
  id: '222222222222',
  regions: ['us-west-2', 'eu-west-1'],
  default: false,
  kmsKeys: { 'us-west-2': 'alias/audit-ebs' },
};
const accounts = [prod, audit];

const spec = (overrides: Partial<CopyRequestSpec>): CopyRequestSpec => ({
  sources: { kind: 'ids', ids: ['snap-0123abcd'] },
  destinationRegions: ['us-west-2'],
  encrypt: false,
  tags: [],
  ...overrides,
});

describe('resolveRequest', () => {
  it.each([
    {
      name: 'defaults to the default account, its first Region, and the same account as destination',
      given: {},
      expected: {
        sourceAccount: 'prod',
        sourceRegion: 'us-east-1',
        destinationAccount: 'prod',
        crossAccount: false,
      },
    },
    {
      name: 'a to-account makes a cross-account copy',
      given: { destinationAccount: 'audit' },
      expected: {
        sourceAccount: 'prod',
        sourceRegion: 'us-east-1',
        destinationAccount: 'audit',
        crossAccount: true,
      },
    },
    {
      name: 'accounts may be named by ID and resolve to aliases',
      given: {
        sourceAccount: '222222222222',
        destinationAccount: '111111111111',
        destinationRegions: ['us-east-1'],
      },
      expected: {
        sourceAccount: 'audit',
        sourceRegion: 'us-west-2',
        destinationAccount: 'prod',
        crossAccount: true,
      },
    },
    {
      name: 'aliases match whatever their case',
      given: { sourceAccount: 'AUDIT', sourceRegion: 'eu-west-1', destinationAccount: 'Audit' },
      expected: {
        sourceAccount: 'audit',
        sourceRegion: 'eu-west-1',
        destinationAccount: 'audit',
        crossAccount: false,
      },
    },
  ])('$name', ({ given, expected }) => {
    const result = resolveRequest(spec(given), accounts);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { sourceAccount, sourceRegion, destinationAccount } = result.request;
    expect({ sourceAccount, sourceRegion, destinationAccount, crossAccount: result.crossAccount }).toEqual(
      expected,
    );
  });

  it('carries the rest of the spec over unchanged', () => {
    const given = spec({
      kmsKeyId: 'alias/dr',
      encrypt: true,
      withinMinutes: 60,
      note: 'n',
      tags: [{ key: 'a', value: 'b' }],
    });
    const result = resolveRequest(given, accounts);
    expect(result.ok && result.request).toEqual({
      sources: given.sources,
      sourceAccount: 'prod',
      sourceRegion: 'us-east-1',
      destinationAccount: 'prod',
      destinationRegions: ['us-west-2'],
      kmsKeyId: 'alias/dr',
      encrypt: true,
      withinMinutes: 60,
      note: 'n',
      tags: [{ key: 'a', value: 'b' }],
    });
  });

  it.each([
    {
      name: 'an unknown source account is refused',
      given: { sourceAccount: 'staging' },
      list: accounts,
      problems: [
        {
          field: 'source_account',
          message: '`staging` is not a configured account (configured: prod, audit)',
        },
      ],
    },
    {
      name: 'an unknown destination account ID is refused',
      given: { destinationAccount: '333333333333' },
      list: accounts,
      problems: [
        {
          field: 'destination_account',
          message: '`333333333333` is not a configured account (configured: prod, audit)',
        },
      ],
    },
    {
      name: 'a source Region the account may not use is refused',
      given: { sourceRegion: 'eu-west-1' },
      list: accounts,
      problems: [
        {
          field: 'source_region',
          message: 'account prod may not use eu-west-1 (its Regions: us-east-1, us-west-2)',
        },
      ],
    },
    {
      name: 'each destination Region the destination account may not use is refused',
      given: { destinationAccount: 'audit', destinationRegions: ['us-west-2', 'us-east-1', 'ap-south-1'] },
      list: accounts,
      problems: [
        {
          field: 'destination_regions',
          message: 'account audit may not use us-east-1 (its Regions: us-west-2, eu-west-1)',
        },
        {
          field: 'destination_regions',
          message: 'account audit may not use ap-south-1 (its Regions: us-west-2, eu-west-1)',
        },
      ],
    },
    {
      name: 'no default account and none named is refused',
      given: {},
      list: [audit],
      problems: [
        {
          field: 'source_account',
          message:
            'no source account given and no configured account is marked default: name one with `account`',
        },
      ],
    },
    {
      name: 'source and destination problems are reported together',
      given: { sourceAccount: 'nope', destinationAccount: 'audit', destinationRegions: ['us-east-1'] },
      list: accounts,
      problems: [
        { field: 'source_account', message: '`nope` is not a configured account (configured: prod, audit)' },
        {
          field: 'destination_regions',
          message: 'account audit may not use us-east-1 (its Regions: us-west-2, eu-west-1)',
        },
      ],
    },
  ])('$name', ({ given, list, problems }) => {
    expect(resolveRequest(spec(given), list)).toEqual({ ok: false, problems });
  });
});
