import { WorldBuilder } from './builder.js';
import type { IdentitySpec, KeySpec, SnapshotSpec, WorldSpec } from './spec.js';

/*
 * ## The sandbox world (`SNAPSHOT_COPY_AWS=simulated`)
 *
 * Identities
 * - The bot's own base identity: IAM user `arn:aws:iam::999999999999:user/snapshot-copy-bot`
 *   in a separate "tools" account 999999999999, static sandbox credentials
 *   AWS_ACCESS_KEY_ID=AKIASIMULATORBOT0001 AWS_SECRET_ACCESS_KEY=sandbox+secret+not+a+real+aws+key+0001
 *   (valid only against the simulator).
 * - Role `snapshot-copy-bot` in each account below, trusting that user
 *   (prod's requires ExternalId `prod-ext-id`).
 *
 * Accounts and Regions
 * - prod    111111111111  us-east-1, us-west-2 (default source account)
 * - audit   222222222222  us-west-2, eu-west-1; encryption by default ON in us-west-2 with
 *                         customer key alias/audit-ebs as the default EBS key
 * - staging 333333333333  us-east-1, eu-west-1
 *
 * KMS keys
 * - prod us-east-1    alias/prod-ebs         customer key; the key policy grants audit and staging
 * - prod us-east-1    alias/prod-restricted  customer key; NOT granted to audit → copies of snapshots
 *                                            under it into audit fail with "Given key ID is not accessible"
 * - audit us-west-2   alias/audit-ebs        customer key owned by audit
 * - staging us-east-1 alias/staging-ebs      customer key; granted to prod
 * - every account+Region: alias/aws/ebs (AWS managed; unusable by other accounts)
 *
 * Snapshots (prod, us-east-1 unless noted)
 * - snap-0db0c1a5e0000000{1,2,3}  db-cluster-1, volumes vol-0db0c1a5e0000000{1,2,3}, 100/100/50 GiB,
 *                                tags Group=db-cluster-1, Backup=daily — the multi-volume group,
 *                                unencrypted
 * - snap-0a0000000000000a1  app-logs, 20 GiB, unencrypted, tag Backup=weekly
 * - snap-0c0000000000000c1  payments, 40 GiB, encrypted with alias/prod-ebs, tag Backup=daily
 * - snap-0e0000000000000e1  legacy, 30 GiB, encrypted with aws/ebs (cannot be shared usefully)
 * - snap-0f0000000000000f1  secrets, 10 GiB, encrypted with alias/prod-restricted
 * - snap-0d0000000000000d1  still pending (45%), 200 GiB
 * - snap-05000000000000051  owned by staging, shared with prod: 16 GiB, encrypted with alias/staging-ebs
 * - prod us-west-2: snap-0b0000000000000b1, 8 GiB unencrypted
 */

export const SANDBOX_IDENTITY: IdentitySpec = {
  accessKeyId: 'AKIASIMULATORBOT0001',
  secretAccessKey: 'sandbox+secret+not+a+real+aws+key+0001',
  accountId: '999999999999',
  arn: 'arn:aws:iam::999999999999:user/snapshot-copy-bot',
};

export const DEMO_ACCOUNTS = {
  prod: '111111111111',
  audit: '222222222222',
  staging: '333333333333',
} as const;
export const DEMO_ROLE_NAME = 'snapshot-copy-bot';
export const DEMO_PROD_EXTERNAL_ID = 'prod-ext-id';

export const DEMO_SNAPSHOTS = {
  dbCluster1: ['snap-0db0c1a5e00000001', 'snap-0db0c1a5e00000002', 'snap-0db0c1a5e00000003'],
  unencrypted: 'snap-0a0000000000000a1',
  customerKey: 'snap-0c0000000000000c1',
  awsManagedKey: 'snap-0e0000000000000e1',
  restrictedKey: 'snap-0f0000000000000f1',
  pending: 'snap-0d0000000000000d1',
  sharedFromStaging: 'snap-05000000000000051',
  prodWest: 'snap-0b0000000000000b1',
} as const;

/** Demo KMS key IDs (fixed so that docs and tests can name them). */
export const DEMO_KEYS = {
  prodEbs: '1a2b3c4d-0000-4000-8000-000000000001',
  prodRestricted: '1a2b3c4d-0000-4000-8000-000000000002',
  auditEbs: '2a2b3c4d-0000-4000-8000-000000000001',
  stagingEbs: '3a2b3c4d-0000-4000-8000-000000000001',
} as const;

const roleFor = (externalId?: string) => ({
  name: DEMO_ROLE_NAME,
  trustedPrincipals: [SANDBOX_IDENTITY.arn],
  ...(externalId ? { externalId } : {}),
});

const { prod, audit, staging } = DEMO_ACCOUNTS;

const DEMO_KEY_SPECS: KeySpec[] = [
  {
    accountId: prod,
    region: 'us-east-1',
    keyId: DEMO_KEYS.prodEbs,
    aliases: ['alias/prod-ebs'],
    allowedAccounts: [audit, staging],
    description: 'prod EBS',
  },
  {
    accountId: prod,
    region: 'us-east-1',
    keyId: DEMO_KEYS.prodRestricted,
    aliases: ['alias/prod-restricted'],
    description: 'prod only',
  },
  {
    accountId: audit,
    region: 'us-west-2',
    keyId: DEMO_KEYS.auditEbs,
    aliases: ['alias/audit-ebs'],
    description: 'audit EBS',
  },
  {
    accountId: staging,
    region: 'us-east-1',
    keyId: DEMO_KEYS.stagingEbs,
    aliases: ['alias/staging-ebs'],
    allowedAccounts: [prod],
    description: 'staging EBS',
  },
];

/** A demo snapshot, its start time given as days before the world's `now`. */
type DemoSnapshot = Omit<SnapshotSpec, 'startTime'> & { startTime: { daysAgo: number } };

const daysAgo = (days: number) => ({ daysAgo: days });

/** The db-cluster-1 group: one snapshot per volume, started together. */
const DB_CLUSTER_SNAPSHOTS: DemoSnapshot[] = DEMO_SNAPSHOTS.dbCluster1.map((id, i) => ({
  id,
  ownerId: prod,
  region: 'us-east-1',
  volumeId: `vol-0db0c1a5e0000000${i + 1}`,
  sizeGiB: i === 2 ? 50 : 100,
  startTime: daysAgo(0.25),
  description: `db-cluster-1 volume ${i + 1}`,
  tags: { Group: 'db-cluster-1', Backup: 'daily', Name: `db-cluster-1-data-${i + 1}` },
}));

/** One snapshot per case the bot must handle: each key, a pending one, a shared one, another Region. */
const SINGLE_SNAPSHOTS: DemoSnapshot[] = [
  {
    id: DEMO_SNAPSHOTS.unencrypted,
    ownerId: prod,
    region: 'us-east-1',
    volumeId: 'vol-0a0000000000000a1',
    sizeGiB: 20,
    startTime: daysAgo(1),
    description: 'app-logs',
    tags: { Name: 'app-logs', Backup: 'weekly' },
  },
  {
    id: DEMO_SNAPSHOTS.customerKey,
    ownerId: prod,
    region: 'us-east-1',
    volumeId: 'vol-0c0000000000000c1',
    sizeGiB: 40,
    startTime: daysAgo(0.5),
    description: 'payments',
    kmsKeyId: 'alias/prod-ebs',
    tags: { Name: 'payments', Backup: 'daily' },
  },
  {
    id: DEMO_SNAPSHOTS.awsManagedKey,
    ownerId: prod,
    region: 'us-east-1',
    volumeId: 'vol-0e0000000000000e1',
    sizeGiB: 30,
    startTime: daysAgo(2),
    description: 'legacy (aws/ebs)',
    encrypted: true,
    tags: { Name: 'legacy' },
  },
  {
    id: DEMO_SNAPSHOTS.restrictedKey,
    ownerId: prod,
    region: 'us-east-1',
    volumeId: 'vol-0f0000000000000f1',
    sizeGiB: 10,
    startTime: daysAgo(1),
    description: 'secrets',
    kmsKeyId: 'alias/prod-restricted',
    tags: { Name: 'secrets' },
  },
  {
    id: DEMO_SNAPSHOTS.pending,
    ownerId: prod,
    region: 'us-east-1',
    volumeId: 'vol-0d0000000000000d1',
    sizeGiB: 200,
    state: 'pending',
    progress: 45,
    startTime: daysAgo(0.01),
    description: 'analytics (in progress)',
    tags: { Name: 'analytics' },
  },
  {
    id: DEMO_SNAPSHOTS.sharedFromStaging,
    ownerId: staging,
    region: 'us-east-1',
    volumeId: 'vol-05000000000000051',
    sizeGiB: 16,
    startTime: daysAgo(3),
    description: 'staging fixture data',
    kmsKeyId: 'alias/staging-ebs',
    sharedWith: [prod],
    tags: { Name: 'staging-fixtures' },
  },
  {
    id: DEMO_SNAPSHOTS.prodWest,
    ownerId: prod,
    region: 'us-west-2',
    volumeId: 'vol-0b0000000000000b1',
    sizeGiB: 8,
    startTime: daysAgo(1),
    description: 'west cache',
    tags: { Name: 'west-cache' },
  },
];

/** The sandbox world described above. `now` anchors the snapshots' start times. */
export function demoWorld(now: number = Date.now()): WorldSpec {
  const day = 24 * 3600 * 1000;
  const b = new WorldBuilder().identity(SANDBOX_IDENTITY);
  addDemoAccounts(b);
  for (const key of DEMO_KEY_SPECS) b.key(key);
  for (const s of [...DB_CLUSTER_SNAPSHOTS, ...SINGLE_SNAPSHOTS]) {
    b.snapshot({ ...s, startTime: new Date(now - s.startTime.daysAgo * day) });
  }
  return b.build();
}

function addDemoAccounts(b: WorldBuilder): void {
  b.account('999999999999', { alias: 'tools' })
    .account(prod, { alias: 'prod', role: roleFor(DEMO_PROD_EXTERNAL_ID) })
    .account(audit, {
      alias: 'audit',
      role: roleFor(),
      regions: { 'us-west-2': { encryptionByDefault: true, defaultKmsKeyId: 'alias/audit-ebs' } },
    })
    .account(staging, { alias: 'staging', role: roleFor() });
}

/**
 * A configuration file (SPEC §3 format) that matches `demoWorld()`. The playground passes its own
 * people: an approver group, no self-approval, and faster polling so progress can be watched.
 */
export function demoConfigYaml(
  o: { approvers?: string[]; allowSelfApproval?: boolean; pollSeconds?: number } = {},
): string {
  return `# Sandbox configuration matching the simulator's demo world (SNAPSHOT_COPY_AWS=simulated).
slack:
  approvalsChannel: C0APPROVALS
accounts:
  - alias: prod
    id: "${prod}"
    roleArn: arn:aws:iam::${prod}:role/${DEMO_ROLE_NAME}
    externalId: ${DEMO_PROD_EXTERNAL_ID}
    regions: [us-east-1, us-west-2]
    default: true
  - alias: audit
    id: "${audit}"
    roleArn: arn:aws:iam::${audit}:role/${DEMO_ROLE_NAME}
    regions: [us-west-2, eu-west-1]
    kmsKeys: { us-west-2: alias/audit-ebs }
  - alias: staging
    id: "${staging}"
    roleArn: arn:aws:iam::${staging}:role/${DEMO_ROLE_NAME}
    regions: [us-east-1, eu-west-1]
approvals:
  approvers: [${(o.approvers ?? ['U0APPROVER1']).join(', ')}]
  required: 1
  allowSelfApproval: ${o.allowSelfApproval ?? true}
  expireAfterHours: 24
  rules:
    - when: { crossAccount: true }
      required: 1
limits:
  concurrentCopies: 20
  overrides:
    - { account: audit, region: us-west-2, concurrentCopies: 5 }
polling:
  intervalSeconds: ${o.pollSeconds ?? 5}
reports:
  - { channel: C0DRSTATUS, cron: "0 9 * * 1-5", timezone: Europe/Berlin }
drPolicies:
  - name: prod-db-to-oregon
    source: { account: prod, region: us-east-1, tag: { key: Backup, value: daily } }
    destination: { account: audit, region: us-west-2 }
    cron: "0 */6 * * *"
    rpoHours: 24
`;
}
