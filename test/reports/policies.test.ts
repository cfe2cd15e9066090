import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsAccess, createAwsAccess } from '../../src/aws/access.js';
import { Notifier } from '../../src/messages/notifier.js';
import { createLogger } from '../../src/observability/log.js';
import { runDrPolicy } from '../../src/reports/policies.js';
import { filingAws } from '../../src/requests/aws-reads.js';
import {
  SANDBOX_IDENTITY,
  type SimulatorHandle,
  startSimulator,
  WorldBuilder,
} from '../../src/simulator/index.js';
import { slackReportRenderer } from '../../src/slack/blocks/report.js';
import type { Store } from '../../src/store/port.js';
import { AUDIT_ID, botConfig, policy } from './fixtures.js';
import { openSqliteStore } from './stores.js';

const PROD_ID = '111111111111';
const role = { name: 'snapshot-copy-bot', trustedPrincipals: [SANDBOX_IDENTITY.arn] };
const NOW = new Date('2025-03-10T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

const VOL = {
  a: 'vol-0aaaaaaaaaaaaaaa1',
  b: 'vol-0bbbbbbbbbbbbbbb1',
  c: 'vol-0ccccccccccccccc1',
  d: 'vol-0ddddddddddddddd1',
  keyed: 'vol-0fffffffffffffff1',
  plain: 'vol-01111111111111111',
  legacy: 'vol-02222222222222222',
  warm: 'vol-03333333333333333',
  archived: 'vol-04444444444444444',
};
const SNAP = {
  aOld: 'snap-0aaaaaaaaaaaa0001',
  aNew: 'snap-0aaaaaaaaaaaa0002',
  aPending: 'snap-0aaaaaaaaaaaa0003',
  b: 'snap-0bbbbbbbbbbbb0001',
  bCopy: 'snap-0bbbbbbbbbbbbc001',
  c: 'snap-0cccccccccccc0001',
  d: 'snap-0dddddddddddd0001',
  keyed: 'snap-0ffffffffffff0001',
  plain: 'snap-01111111111110001',
  legacy: 'snap-02222222222220001',
  warm: 'snap-03333333333330001',
  archived: 'snap-04444444444440001',
};
const daily = { Backup: 'daily' };

function world() {
  return (
    new WorldBuilder()
      .identity(SANDBOX_IDENTITY)
      .account('999999999999')
      .account(PROD_ID, { role })
      .account(AUDIT_ID, { role })
      // Volume a: an older and a newer completed snapshot, and one still pending.
      .snapshot({
        id: SNAP.aOld,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.a,
        sizeGiB: 8,
        startTime: hoursAgo(30),
        tags: daily,
      })
      .snapshot({
        id: SNAP.aNew,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.a,
        sizeGiB: 8,
        startTime: hoursAgo(6),
        tags: daily,
      })
      .snapshot({
        id: SNAP.aPending,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.a,
        sizeGiB: 8,
        state: 'pending',
        startTime: hoursAgo(1),
        tags: daily,
      })
      // Volume b: its newest snapshot already has a copy in the destination, made before a restart.
      .snapshot({
        id: SNAP.b,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.b,
        sizeGiB: 16,
        startTime: hoursAgo(5),
        tags: daily,
      })
      .snapshot({
        id: SNAP.bCopy,
        ownerId: AUDIT_ID,
        region: 'us-west-2',
        volumeId: 'vol-ffffffff',
        sizeGiB: 16,
        startTime: hoursAgo(4),
        tags: { 'snapshot-copy:source': SNAP.b, 'snapshot-copy:request': 'R-1' },
      })
      // Volume c: the bot already has a copy of its snapshot queued.
      .snapshot({
        id: SNAP.c,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.c,
        sizeGiB: 4,
        startTime: hoursAgo(5),
        tags: daily,
      })
      // Volume d: not tagged for the policy.
      .snapshot({
        id: SNAP.d,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.d,
        sizeGiB: 4,
        startTime: hoursAgo(5),
        tags: { Backup: 'weekly' },
      })
      // Volume keyed: encrypted with a prod customer key that audit may use, selected by ID only.
      .key({
        accountId: PROD_ID,
        region: 'us-east-1',
        aliases: ['alias/prod-dr'],
        allowedAccounts: [AUDIT_ID],
      })
      .snapshot({
        id: SNAP.keyed,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.keyed,
        sizeGiB: 8,
        encrypted: true,
        kmsKeyId: 'alias/prod-dr',
        startTime: hoursAgo(3),
      })
      // Tagged DR=mixed: one plain snapshot, one under the AWS managed key (no KmsKeyId: aws/ebs).
      .snapshot({
        id: SNAP.plain,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.plain,
        sizeGiB: 2,
        startTime: hoursAgo(2),
        tags: { DR: 'mixed' },
      })
      .snapshot({
        id: SNAP.legacy,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.legacy,
        sizeGiB: 3,
        encrypted: true,
        startTime: hoursAgo(2),
        tags: { DR: 'mixed' },
      })
      // Tagged DR=tiers: one standard snapshot, one in the archive tier (CopySnapshot refuses it).
      .snapshot({
        id: SNAP.warm,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.warm,
        sizeGiB: 2,
        startTime: hoursAgo(2),
        tags: { DR: 'tiers' },
      })
      .snapshot({
        id: SNAP.archived,
        ownerId: PROD_ID,
        region: 'us-east-1',
        volumeId: VOL.archived,
        sizeGiB: 2,
        storageTier: 'archive',
        startTime: hoursAgo(2),
        tags: { DR: 'tiers' },
      })
      .build()
  );
}

const config = botConfig({
  accounts: [
    {
      alias: 'prod',
      id: PROD_ID,
      roleArn: `arn:aws:iam::${PROD_ID}:role/snapshot-copy-bot`,
      regions: ['us-east-1'],
      default: true,
      kmsKeys: {},
    },
    {
      alias: 'audit',
      id: AUDIT_ID,
      roleArn: `arn:aws:iam::${AUDIT_ID}:role/snapshot-copy-bot`,
      regions: ['us-west-2'],
      default: false,
      kmsKeys: {},
    },
  ],
});

describe('runDrPolicy against the AWS simulator', () => {
  let sim: SimulatorHandle;
  let access: AwsAccess;
  let store: Store;
  let closeStore: () => Promise<void>;
  const kicks: number[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ world: world(), now: () => NOW.getTime() });
    access = createAwsAccess({
      stsRegion: 'us-east-1',
      endpoint: sim.url,
      ownCredentials: async () => ({
        accessKeyId: SANDBOX_IDENTITY.accessKeyId,
        secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
      }),
      now: () => NOW,
      maxAttempts: 1,
    });
    ({ store, close: closeStore } = await openSqliteStore());
    // The bot's own earlier copy of volume c's snapshot, still queued.
    await store.fileRequest({
      request: {
        requesterId: 'U0REQUESTER',
        originChannel: 'C0OPS',
        state: 'approved',
        resolved: {
          sources: { kind: 'ids', ids: [SNAP.c] },
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
        at: hoursAgo(2),
      },
      copies: [
        {
          source: {
            snapshotId: SNAP.c,
            accountId: PROD_ID,
            region: 'us-east-1',
            volumeId: VOL.c,
            sizeGiB: 4,
            encrypted: false,
          },
          destination: { account: 'audit', accountId: AUDIT_ID, region: 'us-west-2' },
          transfer: { kind: 'full', reason: 'first copy to this Region' },
        },
      ],
      audit: { actor: 'U0REQUESTER', action: 'request.filed', detail: {} },
    });
  });

  afterAll(async () => {
    access.destroy();
    await sim.close();
    await closeStore();
  });

  const deps = () => ({
    store,
    gateway: access.gateway,
    aws: filingAws(access.gateway),
    accounts: config.accounts,
    approvals: config.approvals,
    notify: new Notifier(store, config.slack.approvalsChannel),
    words: slackReportRenderer,
    defaultChannel: 'C0DRSTATUS',
    kick: (n: number) => {
      kicks.push(n);
    },
    now: () => NOW,
    log: createLogger({ level: 'silent' }),
  });

  it('files one request, approved by the policy, for the newest completed snapshots not yet copied', async () => {
    const result = await runDrPolicy(deps(), policy());
    expect(result).toMatchObject({
      outcome: 'filed',
      snapshotIds: [SNAP.aNew],
      skipped: [
        { snapshotId: SNAP.b, volumeId: VOL.b, foundIn: 'destination', existing: SNAP.bCopy },
        { snapshotId: SNAP.c, volumeId: VOL.c, foundIn: 'store', existing: 'R-1' },
      ],
    });
    if (result.outcome !== 'filed') return;
    const n = result.requestNumber;

    const request = await store.getRequest(n);
    expect(request).toMatchObject({
      state: 'approved',
      policyName: 'prod-db-to-oregon',
      requesterId: 'policy:prod-db-to-oregon',
      originChannel: 'C0DRSTATUS',
      crossAccount: true,
    });
    const copies = await store.getCopies(n);
    expect(
      copies.map((c) => [c.source.snapshotId, c.destination.accountId, c.destination.region, c.state]),
    ).toEqual([[SNAP.aNew, AUDIT_ID, 'us-west-2', 'queued']]);

    const audit = await store.listAudit({ requestNumber: n });
    expect(audit.map((a) => [a.actor, a.action])).toEqual(
      expect.arrayContaining([
        ['policy:prod-db-to-oregon', 'request.filed-by-policy'],
        ['policy:prod-db-to-oregon', 'request.approved'],
      ]),
    );
    expect(audit.find((a) => a.action === 'request.approved')?.detail).toMatchObject({
      by: 'policy prod-db-to-oregon',
    });

    const messages = await store.claimNextMessages({ now: NOW, owner: 't', leaseMs: 60_000, limit: 10 });
    expect(messages.map((m) => [m.kind, m.channel]).sort()).toEqual([
      ['card.post', 'C0APPROVALS'],
      ['request.post', 'C0DRSTATUS'],
    ]);
    expect(kicks).toEqual([n]);
    await outbox();
  });

  it('files nothing on the next run: every snapshot now has its copy', async () => {
    const result = await runDrPolicy(deps(), policy());
    expect(result).toMatchObject({ outcome: 'up-to-date' });
    if (result.outcome !== 'up-to-date') return;
    expect(result.skipped.map((s) => [s.snapshotId, s.foundIn]).sort()).toEqual([
      [SNAP.aNew, 'store'],
      [SNAP.b, 'destination'],
      [SNAP.c, 'store'],
    ]);
    expect(kicks).toHaveLength(1);
  });

  it('selects volumes by ID and names those without a completed snapshot', async () => {
    const missing = 'vol-0eeeeeeeeeeeeeee1';
    const result = await runDrPolicy(
      deps(),
      policy({
        name: 'by-volume',
        source: { account: 'prod', region: 'us-east-1', volumeIds: [VOL.b, missing] },
      }),
    );
    expect(result).toEqual({
      outcome: 'up-to-date',
      skipped: [{ snapshotId: SNAP.b, volumeId: VOL.b, foundIn: 'destination', existing: SNAP.bCopy }],
      noSnapshot: [missing],
    });
  });

  /**
   * The messages enqueued since the last call, oldest first: the outbox is drained as a sender
   * would (each claim later than the last, so channel pacing and thread order let everything out).
   */
  const seen = new Set<number>();
  let clock = NOW.getTime();
  async function outbox() {
    const found: Array<{ kind: string; channel: string; payload: { text?: string } }> = [];
    for (;;) {
      clock += 120_000;
      const now = new Date(clock);
      const claimed = await store.claimNextMessages({ now, owner: 't', leaseMs: 60_000, limit: 100 });
      if (claimed.length === 0) return found;
      for (const m of claimed) {
        await store.markMessageSent(m.id, { at: now, result: {} });
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        found.push({ kind: m.kind, channel: m.channel, payload: m.payload as { text?: string } });
      }
    }
  }

  it("tells the pre-flight warnings in the request's thread, escaped", async () => {
    const result = await runDrPolicy(
      deps(),
      policy({ name: 'keyed', source: { account: 'prod', region: 'us-east-1', volumeIds: [VOL.keyed] } }),
    );
    expect(result).toMatchObject({ outcome: 'filed', snapshotIds: [SNAP.keyed], refused: [] });
    const replies = (await outbox())
      .filter((m) => m.kind === 'request.reply')
      .map((m) => m.payload.text ?? '');
    // The warning names the `kms <key>` option: the angle brackets reach Slack escaped.
    const warning = replies.find((t) => t.includes('is an encrypted snapshot shared with audit'));
    expect(warning).toContain('`kms &lt;key&gt;`');
    expect(warning).not.toContain('<key>');
  });

  /** Runs a policy over the prod snapshots tagged `DR=<value>`, named after the tag. */
  const runTagged = (value: string) =>
    runDrPolicy(
      deps(),
      policy({ name: value, source: { account: 'prod', region: 'us-east-1', tag: { key: 'DR', value } } }),
    );

  it('copies the other snapshots when one must be refused (aws/ebs across accounts), and says which', async () => {
    const result = await runTagged('mixed');
    expect(result).toMatchObject({
      outcome: 'filed',
      snapshotIds: [SNAP.plain],
      refused: [{ snapshotId: SNAP.legacy, reason: expect.stringContaining('AWS managed key aws/ebs') }],
    });
    if (result.outcome !== 'filed') return;
    const n = result.requestNumber;

    const copies = await store.getCopies(n);
    expect(copies.map((c) => [c.source.snapshotId, c.state])).toEqual([[SNAP.plain, 'queued']]);
    expect((await store.getRequest(n))?.resolved.sources).toEqual({ kind: 'ids', ids: [SNAP.plain] });

    const audit = await store.listAudit({ requestNumber: n });
    expect(audit.find((a) => a.action === 'policy.refused')?.detail).toMatchObject({
      policy: 'mixed',
      problems: [expect.stringContaining(SNAP.legacy)],
    });
    const messages = await outbox();
    const told = messages.find((m) => m.kind === 'channel.post' && m.channel === 'C0DRSTATUS');
    expect(told?.payload.text).toContain(
      `DR policy *mixed* filed *R-${n}*, but could not copy this snapshot`,
    );
    expect(told?.payload.text).toContain(`${SNAP.legacy} is encrypted with the AWS managed key aws/ebs`);
    expect(messages.map((m) => m.kind)).toEqual(expect.arrayContaining(['request.post', 'card.post']));
  });

  it('refuses the run, and says so, when every snapshot must be refused', async () => {
    const result = await runDrPolicy(
      deps(),
      policy({
        name: 'legacy-only',
        source: { account: 'prod', region: 'us-east-1', volumeIds: [VOL.legacy] },
      }),
    );
    expect(result).toMatchObject({ outcome: 'refused', problems: [expect.stringContaining(SNAP.legacy)] });
    const messages = await outbox();
    expect(messages.map((m) => [m.kind, m.channel])).toEqual([['channel.post', 'C0DRSTATUS']]);
    expect(messages[0]?.payload.text).toContain('DR policy *legacy-only* could not file its copies');
  });

  it('refuses an archived snapshot alone and files the others', async () => {
    const result = await runTagged('tiers');
    expect(result).toMatchObject({
      outcome: 'filed',
      snapshotIds: [SNAP.warm],
      refused: [{ snapshotId: SNAP.archived, reason: expect.stringContaining('restore-snapshot-tier') }],
    });
    if (result.outcome !== 'filed') return;
    const copies = await store.getCopies(result.requestNumber);
    expect(copies.map((c) => c.source.snapshotId)).toEqual([SNAP.warm]);
  });
});
