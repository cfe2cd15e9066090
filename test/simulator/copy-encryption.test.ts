import { CopySnapshotCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyEncryptionOutcome } from '../../src/simulator/encryption.js';
import {
  A,
  awsError,
  B,
  baseWorld,
  ec2,
  OTHER_REGION,
  REGION,
  startTestSim,
  type TestSim,
  USERS,
} from './helpers.js';

const KEY_A = '0000000a-0000-4000-8000-00000000000a'; // A's customer key (source key of A's encrypted snapshot)
const KEY_A2 = '0000000a-0000-4000-8000-0000000000a2'; // A's other customer key (the "specified" one)
const KEY_B = '0000000b-0000-4000-8000-00000000000b'; // B's key, granted to A
const arn = (account: string, id: string, region = REGION) => `arn:aws:kms:${region}:${account}:key/${id}`;

const SOURCES = {
  ownedUnencrypted: 'snap-0000000000000aa01',
  ownedEncrypted: 'snap-0000000000000aa02',
  sharedUnencrypted: 'snap-0000000000000bb01',
  sharedEncrypted: 'snap-0000000000000bb02',
} as const;
type Source = keyof typeof SOURCES;

function world() {
  return baseWorld({
    // Copies stay pending (the clock never moves here); the concurrency quota is tested elsewhere.
    copyLimit: 1000,
    keys: [
      { accountId: A, region: REGION, keyId: KEY_A, aliases: ['alias/a-ebs'] },
      { accountId: A, region: REGION, keyId: KEY_A2, aliases: ['alias/a-dr'] },
      { accountId: A, region: OTHER_REGION, keyId: KEY_A2, aliases: ['alias/a-dr'] },
      { accountId: B, region: REGION, keyId: KEY_B, allowedAccounts: [A] },
    ],
    snapshots: [
      { id: SOURCES.ownedUnencrypted, ownerId: A, region: REGION, sizeGiB: 8 },
      { id: SOURCES.ownedEncrypted, ownerId: A, region: REGION, sizeGiB: 8, kmsKeyId: 'alias/a-ebs' },
      { id: SOURCES.sharedUnencrypted, ownerId: B, region: REGION, sizeGiB: 8, sharedWith: [A] },
      {
        id: SOURCES.sharedEncrypted,
        ownerId: B,
        region: REGION,
        sizeGiB: 8,
        kmsKeyId: KEY_B,
        sharedWith: [A],
      },
    ],
  });
}

type Expected = 'unencrypted' | 'same key' | 'default key' | 'specified key';

/** The seed's table "Encryption outcomes: Copying a snapshot", one row per line (plus the custom-key column). */
const TABLE: Array<{
  encrypted: boolean;
  byDefault: boolean;
  source: Source;
  none: Expected;
  custom: Expected;
}> = [
  {
    encrypted: false,
    byDefault: false,
    source: 'ownedUnencrypted',
    none: 'unencrypted',
    custom: 'specified key',
  },
  { encrypted: false, byDefault: false, source: 'ownedEncrypted', none: 'same key', custom: 'specified key' },
  {
    encrypted: false,
    byDefault: false,
    source: 'sharedUnencrypted',
    none: 'unencrypted',
    custom: 'specified key',
  },
  {
    encrypted: false,
    byDefault: false,
    source: 'sharedEncrypted',
    none: 'default key',
    custom: 'specified key',
  },
  {
    encrypted: true,
    byDefault: false,
    source: 'ownedUnencrypted',
    none: 'default key',
    custom: 'specified key',
  },
  { encrypted: true, byDefault: false, source: 'ownedEncrypted', none: 'same key', custom: 'specified key' },
  {
    encrypted: true,
    byDefault: false,
    source: 'sharedUnencrypted',
    none: 'default key',
    custom: 'specified key',
  },
  {
    encrypted: true,
    byDefault: false,
    source: 'sharedEncrypted',
    none: 'default key',
    custom: 'specified key',
  },
  {
    encrypted: false,
    byDefault: true,
    source: 'ownedUnencrypted',
    none: 'default key',
    custom: 'specified key',
  },
  { encrypted: false, byDefault: true, source: 'ownedEncrypted', none: 'same key', custom: 'specified key' },
  {
    encrypted: false,
    byDefault: true,
    source: 'sharedUnencrypted',
    none: 'default key',
    custom: 'specified key',
  },
  {
    encrypted: false,
    byDefault: true,
    source: 'sharedEncrypted',
    none: 'default key',
    custom: 'specified key',
  },
  {
    encrypted: true,
    byDefault: true,
    source: 'ownedUnencrypted',
    none: 'default key',
    custom: 'specified key',
  },
  { encrypted: true, byDefault: true, source: 'ownedEncrypted', none: 'same key', custom: 'specified key' },
  {
    encrypted: true,
    byDefault: true,
    source: 'sharedUnencrypted',
    none: 'default key',
    custom: 'specified key',
  },
  {
    encrypted: true,
    byDefault: true,
    source: 'sharedEncrypted',
    none: 'default key',
    custom: 'specified key',
  },
];

describe('CopySnapshot encryption outcomes (seed table), through the SDK', () => {
  let t: TestSim;
  let defaultKeyArn: string;
  beforeAll(async () => {
    t = await startTestSim(world());
    defaultKeyArn = t.sim.world.defaultEbsKey(A, REGION)!.arn;
  });
  afterAll(() => t.sim.close());
  beforeEach(() => {
    t.sim.world.setEncryptionByDefault(A, REGION, false);
  });

  const expectedKey = (e: Expected, source: Source): string | undefined =>
    e === 'unencrypted'
      ? undefined
      : e === 'specified key'
        ? arn(A, KEY_A2)
        : e === 'default key'
          ? defaultKeyArn
          : source === 'ownedEncrypted'
            ? arn(A, KEY_A)
            : arn(B, KEY_B);

  async function copyAndDescribe(row: (typeof TABLE)[number], kmsKeyId?: string) {
    t.sim.world.setEncryptionByDefault(A, REGION, row.byDefault);
    const client = ec2(t.sim, USERS[A]!);
    const out = await client.send(
      new CopySnapshotCommand({
        SourceRegion: REGION,
        SourceSnapshotId: SOURCES[row.source],
        ...(row.encrypted ? { Encrypted: true } : {}),
        ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
      }),
    );
    const d = await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [out.SnapshotId!] }));
    return d.Snapshots![0]!;
  }

  it.each(TABLE)('Encrypted=$encrypted, by default=$byDefault, $source, no KmsKeyId → $none', async (row) => {
    const copy = await copyAndDescribe(row);
    const key = expectedKey(row.none, row.source);
    expect(copy.Encrypted).toBe(key !== undefined);
    expect(copy.KmsKeyId).toBe(key);
    // The pure function agrees with what went over the wire.
    const outcome = copyEncryptionOutcome({
      sourceEncrypted: row.source.endsWith('Encrypted') && !row.source.endsWith('Unencrypted'),
      sourceOwned: row.source.startsWith('owned'),
      encryptedParam: row.encrypted,
      kmsKeyIdGiven: false,
      encryptionByDefault: row.byDefault,
    });
    expect(outcome.encrypted).toBe(key !== undefined);
  });

  it.each(TABLE.filter((r) => r.encrypted))(
    'Encrypted=true, by default=$byDefault, $source, KmsKeyId given → $custom',
    async (row) => {
      const copy = await copyAndDescribe(row, 'alias/a-dr');
      expect(copy).toMatchObject({ Encrypted: true, KmsKeyId: arn(A, KEY_A2) });
    },
  );

  it('accepts the key as key ID, key ARN, alias name and alias ARN', async () => {
    const row = TABLE[4]!;
    for (const ref of [KEY_A2, arn(A, KEY_A2), 'alias/a-dr', `arn:aws:kms:${REGION}:${A}:alias/a-dr`]) {
      const copy = await copyAndDescribe(row, ref);
      expect(copy.KmsKeyId).toBe(arn(A, KEY_A2));
    }
  });

  it('refuses KmsKeyId without Encrypted=true (InvalidParameterDependency)', async () => {
    for (const encrypted of [undefined, false]) {
      const err = await awsError(
        ec2(t.sim, USERS[A]!).send(
          new CopySnapshotCommand({
            SourceRegion: REGION,
            SourceSnapshotId: SOURCES.ownedUnencrypted,
            KmsKeyId: 'alias/a-dr',
            ...(encrypted === undefined ? {} : { Encrypted: encrypted }),
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameterDependency');
      expect(err.message).toBe('The parameter KmsKeyId requires the parameter Encrypted to be set.');
    }
  });

  it('never strips encryption: Encrypted=false on an encrypted source still yields an encrypted copy', async () => {
    const out = await ec2(t.sim, USERS[A]!).send(
      new CopySnapshotCommand({
        SourceRegion: REGION,
        SourceSnapshotId: SOURCES.ownedEncrypted,
        Encrypted: false,
      }),
    );
    expect(t.sim.world.snapshot(out.SnapshotId!)).toMatchObject({
      encrypted: true,
      kmsKeyArn: arn(A, KEY_A),
    });
  });

  it('gives an owned encrypted source crossing Regions without KmsKeyId the destination default key (keys are Regional)', async () => {
    const client = ec2(t.sim, USERS[A]!, { region: OTHER_REGION });
    const out = await client.send(
      new CopySnapshotCommand({ SourceRegion: REGION, SourceSnapshotId: SOURCES.ownedEncrypted }),
    );
    expect(t.sim.world.snapshot(out.SnapshotId!)?.kmsKeyArn).toBe(
      t.sim.world.defaultEbsKey(A, OTHER_REGION)!.arn,
    );
  });
});
