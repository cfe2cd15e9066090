/** Builders for the report's inputs; tests override only what they are about. */
import type { BotConfig, DrPolicyConfig } from '../../src/config/schema.js';
import { DEFAULT_PRICING } from '../../src/domain/cost.js';
import type { CopyRecord, DestinationQueue } from '../../src/store/port.js';

export const NOW = new Date('2025-03-10T09:00:00.000Z');
export const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * 3_600_000);

export const AUDIT_ID = '222222222222';

export function policy(overrides: Partial<DrPolicyConfig> = {}): DrPolicyConfig {
  return {
    name: 'prod-db-to-oregon',
    source: { account: 'prod', region: 'us-east-1', tag: { key: 'Backup', value: 'daily' } },
    destination: { account: 'audit', region: 'us-west-2' },
    cron: '0 */6 * * *',
    timezone: 'UTC',
    rpoHours: 24,
    ...overrides,
  };
}

let nextId = 1;

export function copy(overrides: Partial<CopyRecord> & { volumeId?: string } = {}): CopyRecord {
  const { volumeId, ...rest } = overrides;
  const id = nextId++;
  return {
    id,
    requestNumber: 1,
    source: {
      snapshotId: `snap-${String(id).padStart(17, '0')}`,
      accountId: '111111111111',
      region: 'us-east-1',
      volumeId: volumeId ?? 'vol-00000000000000001',
      sizeGiB: 8,
      encrypted: false,
    },
    destination: { account: 'audit', accountId: AUDIT_ID, region: 'us-west-2' },
    encrypted: null,
    kmsKeyId: null,
    transfer: { kind: 'full', reason: 'first copy to this Region' },
    state: 'completed',
    queuedAt: hoursAgo(30),
    claimedAt: null,
    claimOwner: null,
    startedAt: null,
    completedAt: hoursAgo(1),
    newSnapshotId: `snap-new${String(id).padStart(14, '0')}`,
    result: { encrypted: false, kmsKeyId: null },
    progress: 100,
    failure: null,
    attempts: 1,
    unansweredAt: null,
    hop: null,
    afterCopyId: null,
    originSnapshotId: null,
    updatedAt: overrides.completedAt ?? hoursAgo(1),
    ...rest,
  };
}

export function completedAgo(hours: number, volumeId?: string): CopyRecord {
  return copy({
    completedAt: hoursAgo(hours),
    updatedAt: hoursAgo(hours),
    ...(volumeId ? { volumeId } : {}),
  });
}

export function queue(overrides: Partial<DestinationQueue> = {}): DestinationQueue {
  return {
    account: 'audit',
    accountId: AUDIT_ID,
    region: 'us-west-2',
    queued: 0,
    inFlight: 0,
    oldestQueuedAt: null,
    held: null,
    positions: [],
    ...overrides,
  };
}

export function botConfig(overrides: Partial<BotConfig> = {}): BotConfig {
  return {
    slack: { approvalsChannel: 'C0APPROVALS' },
    accounts: [
      { alias: 'prod', id: '111111111111', regions: ['us-east-1', 'us-west-2'], default: true, kmsKeys: {} },
      { alias: 'audit', id: AUDIT_ID, regions: ['us-west-2', 'eu-west-1'], default: false, kmsKeys: {} },
    ],
    approvals: {
      approvers: ['U0APPROVER1'],
      required: 1,
      allowSelfApproval: false,
      expireAfterHours: 24,
      rules: [],
    },
    limits: { concurrentCopies: 20, overrides: [] },
    polling: { intervalSeconds: 30 },
    reports: [{ channel: 'C0DRSTATUS', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }],
    drPolicies: [policy()],
    pricing: DEFAULT_PRICING,
    ...overrides,
  };
}
