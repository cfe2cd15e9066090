import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadReportInput } from '../../src/reports/data.js';
import { buildDrReport } from '../../src/reports/model.js';
import type { NewCopy, Store } from '../../src/store/port.js';
import { AUDIT_ID, botConfig, policy } from './fixtures.js';
import { openSqliteStore } from './stores.js';

const T = (iso: string) => new Date(`2025-03-10T${iso}Z`);
const NOW = T('12:00:00.000');

const toAudit = (snapshotId: string, volumeId: string, region = 'us-west-2'): NewCopy => ({
  source: {
    snapshotId,
    accountId: '111111111111',
    region: 'us-east-1',
    volumeId,
    sizeGiB: 8,
    encrypted: false,
  },
  destination: { account: 'audit', accountId: AUDIT_ID, region },
  transfer: { kind: 'full', reason: 'first copy to this Region' },
});

async function file(store: Store, copies: NewCopy[], at: Date, policyName?: string) {
  const { request, copies: filed } = await store.fileRequest({
    request: {
      requesterId: policyName ? `policy:${policyName}` : 'U0REQUESTER',
      originChannel: 'C0OPS',
      state: 'approved',
      ...(policyName ? { policyName } : {}),
      resolved: {
        sources: { kind: 'ids', ids: copies.map((c) => c.source.snapshotId) },
        sourceAccount: 'prod',
        sourceRegion: 'us-east-1',
        destinationAccount: 'audit',
        destinationRegions: ['us-west-2'],
        encrypt: false,
        tags: [],
      },
      crossAccount: true,
      requiredApprovals: 0,
      expiresAt: null,
      details: {},
      at,
    },
    copies,
    audit: { actor: 'test', action: 'request.filed', detail: {} },
  });
  return { n: request.n, copies: filed };
}

async function run(store: Store, copyId: number, startAt: Date) {
  const claimed = await store.claimStartableCopies({
    limits: { default: 20, overrides: [] },
    now: startAt,
    owner: 'w',
  });
  expect(claimed.map((c) => c.id)).toContain(copyId);
  await store.markCopyStarted(copyId, {
    snapshotId: `snap-0new${String(copyId).padStart(13, '0')}`,
    at: startAt,
  });
}

describe('loadReportInput', () => {
  let store: Store;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ store, close } = await openSqliteStore());
  });
  afterEach(async () => {
    await close();
  });

  it("judges a policy by its own copies to its destination, and counts every request's in the last 24 h", async () => {
    // The policy's copies: volume a copied 3 h ago, volume b 20 h ago (at risk of a 24 h RPO).
    const old = await file(
      store,
      [toAudit('snap-0b00000000000000b', 'vol-0b00000000000000b')],
      new Date(NOW.getTime() - 22 * 3_600_000),
      'prod-db-to-oregon',
    );
    await run(store, old.copies[0]!.id, new Date(NOW.getTime() - 21 * 3_600_000));
    await store.completeCopy(old.copies[0]!.id, { at: new Date(NOW.getTime() - 20 * 3_600_000) });
    const fresh = await file(
      store,
      [toAudit('snap-0a00000000000000a', 'vol-0a00000000000000a')],
      T('08:00:00.000'),
      'prod-db-to-oregon',
    );
    await run(store, fresh.copies[0]!.id, T('08:30:00.000'));
    await store.completeCopy(fresh.copies[0]!.id, { at: T('09:00:00.000') });
    // A manual copy of a policy volume, and one to another Region: neither is the policy's.
    const manual = await file(
      store,
      [toAudit('snap-0c00000000000000c', 'vol-0b00000000000000b')],
      T('10:00:00.000'),
    );
    await run(store, manual.copies[0]!.id, T('10:01:00.000'));
    await store.failCopy(manual.copies[0]!.id, {
      code: 'key-not-accessible',
      message: 'Given key ID is not accessible',
      at: T('10:05:00.000'),
    });
    await file(
      store,
      [toAudit('snap-0d00000000000000d', 'vol-0d00000000000000d', 'eu-west-1')],
      T('11:00:00.000'),
      'prod-db-to-oregon',
    );

    const input = await loadReportInput({ store, config: botConfig({ drPolicies: [policy()] }) }, NOW);
    expect(input.truncated).toEqual([]);
    const report = buildDrReport(input);
    const [status] = report.policies;
    expect(status).toMatchObject({
      name: 'prod-db-to-oregon',
      verdict: 'at-risk',
      volumes: 2,
      worst: { volumeId: 'vol-0b00000000000000b', ageMs: 20 * 3_600_000 },
      newest: { volumeId: 'vol-0a00000000000000a', ageMs: 3 * 3_600_000 },
    });
    expect(status?.activity).toEqual({ completed: 2, failed: [], inFlight: 0, queued: 0 });
    expect(report.activity).toMatchObject({
      completed: 2,
      inFlight: 0,
      queued: 1,
      failed: [{ code: 'key-not-accessible', message: 'Given key ID is not accessible' }],
    });
    expect(report.queues.map((q) => [q.region, q.queued])).toEqual([['eu-west-1', 1]]);
  });

  it('reports a policy whose destination account is not configured as missed', async () => {
    const input = await loadReportInput(
      {
        store,
        config: botConfig({
          drPolicies: [policy({ destination: { account: 'gone', region: 'us-west-2' } })],
        }),
      },
      NOW,
    );
    expect(buildDrReport(input).policies[0]).toMatchObject({ verdict: 'missed', volumes: 0 });
  });
});
