/**
 * The store side of the bench's workloads: accounts, configuration, and filing requests straight
 * into the store. Kept free of the simulator and the Slack stand-in, so a bot child process that
 * imports it holds nothing but the bot (its memory is measured).
 */
import type { ResolvedRequest } from '../src/domain/types.js';
import type { NewCopy, Store } from '../src/store/port.js';

export const ROLE_NAME = 'snapshot-copy-bot';

export interface BenchAccount {
  alias: string;
  id: string;
  /** The first is the source Region. */
  regions: string[];
}

/** Accounts `bench0…` with IDs 1000000000NN, each with the bot's role trusting the sandbox user. */
export function benchAccounts(count: number, regions: string[]): BenchAccount[] {
  return Array.from({ length: count }, (_, i) => ({
    alias: `bench${i}`,
    id: String(100_000_000_000 + i + 1),
    regions,
  }));
}

export interface BenchConfigOptions {
  accounts: BenchAccount[];
  concurrentCopies: number;
  overrides?: Array<{ account: string; region: string; concurrentCopies: number }>;
  approvers?: string[];
  pollSeconds?: number;
}

/** A SPEC §3 configuration for the bench accounts. */
export function benchConfigYaml(o: BenchConfigOptions): string {
  const accounts = o.accounts
    .map(
      (a, i) => `  - alias: ${a.alias}
    id: "${a.id}"
    roleArn: arn:aws:iam::${a.id}:role/${ROLE_NAME}
    regions: [${a.regions.join(', ')}]${i === 0 ? '\n    default: true' : ''}`,
    )
    .join('\n');
  const overrides = (o.overrides ?? [])
    .map(
      (x) => `    - { account: ${x.account}, region: ${x.region}, concurrentCopies: ${x.concurrentCopies} }`,
    )
    .join('\n');
  return `slack:
  approvalsChannel: C0APPROVALS
accounts:
${accounts}
approvals:
  approvers: [${(o.approvers ?? ['U0APPROVER1']).join(', ')}]
  required: 1
  allowSelfApproval: false
  expireAfterHours: 24
limits:
  concurrentCopies: ${o.concurrentCopies}
${overrides ? `  overrides:\n${overrides}\n` : ''}polling:
  intervalSeconds: ${o.pollSeconds ?? 30}
`;
}

// ---------------------------------------------------------------------------------------------
// Filing straight into the store (the Slack path is measured elsewhere)

export interface DirectCopy {
  snapshotId: string;
  volumeId: string;
  sizeGiB: number;
  destinationRegion: string;
}

/**
 * Files one approved same-account request through the store port, as filing would after the
 * AWS look-ups: the copies then take the real dispatcher → AWS SDK → simulator path.
 */
export async function fileApproved(
  store: Store,
  o: {
    account: BenchAccount;
    sourceRegion: string;
    copies: DirectCopy[];
    requesterId?: string;
    channel?: string;
    at: Date;
    approve?: boolean;
  },
): Promise<number> {
  const resolved: ResolvedRequest = {
    sources: { kind: 'ids', ids: [...new Set(o.copies.map((c) => c.snapshotId))] },
    sourceAccount: o.account.alias,
    sourceRegion: o.sourceRegion,
    destinationAccount: o.account.alias,
    destinationRegions: [...new Set(o.copies.map((c) => c.destinationRegion))],
    encrypt: false,
    tags: [],
  };
  const copies: NewCopy[] = o.copies.map((c) => ({
    source: {
      snapshotId: c.snapshotId,
      accountId: o.account.id,
      region: o.sourceRegion,
      volumeId: c.volumeId,
      sizeGiB: c.sizeGiB,
      encrypted: false,
    },
    destination: { account: o.account.alias, accountId: o.account.id, region: c.destinationRegion },
    transfer: { kind: 'full', reason: `first copy of ${c.volumeId} to ${c.destinationRegion}` },
  }));
  const { request } = await store.fileRequest({
    request: {
      requesterId: o.requesterId ?? 'U0REQUESTER',
      originChannel: o.channel ?? 'C0OPS',
      state: 'pending_approval',
      resolved,
      crossAccount: false,
      requiredApprovals: 1,
      expiresAt: new Date(o.at.getTime() + 365 * 24 * 3_600_000),
      details: { warnings: [], encryption: {} },
      at: o.at,
    },
    copies,
    audit: { actor: o.requesterId ?? 'U0REQUESTER', action: 'request.filed', detail: { bench: true } },
  });
  if (o.approve !== false) {
    await store.recordDecision({
      requestNumber: request.n,
      userId: 'U0APPROVER1',
      decision: 'approve',
      at: o.at,
    });
    await store.approveRequest(request.n, o.at);
  }
  return request.n;
}

/** The snapshot ID and volume ID the WorldBuilder gives its `i`-th (1-based) volume snapshot. */
export function builderIds(i: number): { snapshotId: string; volumeId: string } {
  const hex = i.toString(16).padStart(12, '0');
  return { snapshotId: `snap-0b${hex}aaa`, volumeId: `vol-0b${hex}aaa` };
}

export const FLEET_SOURCE_REGION = 'us-east-1';
export const FLEET_DEST_REGIONS = ['us-west-2', 'eu-west-1'];
export const FLEET_ACCOUNTS = 5;
/** Long enough that nothing completes while it is measured. */
export const FLEET_COPY_MS = 48 * 3_600_000;

export function fleetAccounts(): BenchAccount[] {
  return benchAccounts(FLEET_ACCOUNTS, [FLEET_SOURCE_REGION, ...FLEET_DEST_REGIONS]);
}

export function fleetConfigYaml(perPair: number): string {
  return benchConfigYaml({ accounts: fleetAccounts(), concurrentCopies: perPair });
}

/** Files the fleet's copies, approved: requests of `perRequest` snapshots × every destination Region. */
export async function fileFleet(
  store: Store,
  o: { snapshotsPerAccount: number; perRequest: number; at: Date },
): Promise<{ requests: number; copies: number }> {
  let requests = 0;
  let copies = 0;
  for (const [k, account] of fleetAccounts().entries()) {
    for (let first = 0; first < o.snapshotsPerAccount; first += o.perRequest) {
      const batch: DirectCopy[] = [];
      for (let j = first; j < Math.min(first + o.perRequest, o.snapshotsPerAccount); j++) {
        const ids = builderIds(k * o.snapshotsPerAccount + j + 1);
        for (const region of FLEET_DEST_REGIONS)
          batch.push({ ...ids, sizeGiB: 64, destinationRegion: region });
      }
      await fileApproved(store, { account, sourceRegion: FLEET_SOURCE_REGION, copies: batch, at: o.at });
      requests++;
      copies += batch.length;
    }
  }
  return { requests, copies };
}

/**
 * Request history: `count` completed one-copy requests, moved through the store's own transitions
 * (filed, approved, claimed, started, completed) without AWS, as months of use would leave them.
 */
export async function fileHistory(store: Store, count: number, at: Date): Promise<void> {
  const account = fleetAccounts()[0]!;
  const batch = 500;
  for (let first = 0; first < count; first += batch) {
    for (let i = first; i < Math.min(count, first + batch); i++) {
      const hex = (0x100000 + i).toString(16).padStart(12, '0');
      await fileApproved(store, {
        account,
        sourceRegion: FLEET_SOURCE_REGION,
        copies: [
          {
            snapshotId: `snap-0c${hex}ccc`,
            volumeId: `vol-0c${hex}ccc`,
            sizeGiB: 8,
            destinationRegion: 'us-west-2',
          },
        ],
        at,
      });
    }
    for (;;) {
      const claimed = await store.claimStartableCopies({
        limits: { default: 1_000_000, overrides: [] },
        now: at,
        owner: 'bench-history',
        max: 1_000,
      });
      if (claimed.length === 0) break;
      for (const c of claimed) {
        await store.markCopyStarted(c.id, {
          snapshotId: `snap-0d${c.id.toString(16).padStart(12, '0')}ddd`,
          at,
        });
        await store.completeCopy(c.id, { at });
      }
    }
  }
}
