import { describe, expect, it } from 'vitest';
import { buildDrReport, type Verdict, verdictFor } from '../../src/reports/model.js';
import type { CopyRecord } from '../../src/store/port.js';
import { AUDIT_ID, completedAgo, copy, hoursAgo, NOW, policy, queue } from './fixtures.js';

const H = 3_600_000;

describe('verdictFor', () => {
  it.each<[string, number | null, Verdict]>([
    ['never copied', null, 'missed'],
    ['copied just now', 0, 'met'],
    ['exactly 75 % of the RPO', 18 * H, 'met'],
    ['just past 75 % of the RPO', 18 * H + 1, 'at-risk'],
    ['exactly the RPO', 24 * H, 'at-risk'],
    ['just past the RPO', 24 * H + 1, 'missed'],
    ['two days old', 48 * H, 'missed'],
  ])('%s → %s', (_, ageMs, verdict) => {
    expect(verdictFor(ageMs, 24)).toBe(verdict);
  });
});

describe('buildDrReport: freshness per policy', () => {
  it.each<{
    name: string;
    copies: CopyRecord[];
    verdict: Verdict;
    worstVolume: string | null;
    worstAgeH: number | null;
    newestAgeH: number | null;
  }>([
    {
      name: 'fresh: one volume copied 2 h ago',
      copies: [completedAgo(2)],
      verdict: 'met',
      worstVolume: 'vol-00000000000000001',
      worstAgeH: 2,
      newestAgeH: 2,
    },
    {
      name: 'stale: the newest copy is 30 h old',
      copies: [completedAgo(30), completedAgo(40)],
      verdict: 'missed',
      worstVolume: 'vol-00000000000000001',
      worstAgeH: 30,
      newestAgeH: 30,
    },
    {
      name: 'never copied: no copies at all',
      copies: [],
      verdict: 'missed',
      worstVolume: null,
      worstAgeH: null,
      newestAgeH: null,
    },
    {
      name: 'never copied: the only copy failed',
      copies: [copy({ state: 'failed', completedAt: null, updatedAt: hoursAgo(3) })],
      verdict: 'missed',
      worstVolume: 'vol-00000000000000001',
      worstAgeH: null,
      newestAgeH: null,
    },
    {
      name: 'at risk: 20 h of a 24 h RPO',
      copies: [completedAgo(20)],
      verdict: 'at-risk',
      worstVolume: 'vol-00000000000000001',
      worstAgeH: 20,
      newestAgeH: 20,
    },
    {
      name: 'the stalest volume decides, not the newest copy',
      copies: [completedAgo(1, 'vol-0000000000000000a'), completedAgo(26, 'vol-0000000000000000b')],
      verdict: 'missed',
      worstVolume: 'vol-0000000000000000b',
      worstAgeH: 26,
      newestAgeH: 1,
    },
    {
      name: "each volume's newest copy counts, not its older ones",
      copies: [completedAgo(50, 'vol-0000000000000000a'), completedAgo(3, 'vol-0000000000000000a')],
      verdict: 'met',
      worstVolume: 'vol-0000000000000000a',
      worstAgeH: 3,
      newestAgeH: 3,
    },
    {
      name: 'a volume never copied beside fresh ones is missed',
      copies: [
        completedAgo(1, 'vol-0000000000000000a'),
        copy({
          volumeId: 'vol-0000000000000000b',
          state: 'queued',
          completedAt: null,
          updatedAt: hoursAgo(1),
        }),
      ],
      verdict: 'missed',
      worstVolume: 'vol-0000000000000000b',
      worstAgeH: null,
      newestAgeH: 1,
    },
    {
      name: 'a fresh copy into another Region does not count',
      copies: [
        copy({
          completedAt: hoursAgo(1),
          destination: { account: 'audit', accountId: AUDIT_ID, region: 'eu-west-1' },
        }),
      ],
      verdict: 'missed',
      worstVolume: null,
      worstAgeH: null,
      newestAgeH: null,
    },
  ])('$name', ({ copies, verdict, worstVolume, worstAgeH, newestAgeH }) => {
    const report = buildDrReport({
      policies: [{ policy: policy(), destinationAccountId: AUDIT_ID, copies }],
      recent: [],
      queues: [],
      now: NOW,
    });
    const [status] = report.policies;
    expect(status?.verdict).toBe(verdict);
    expect(status?.worst?.volumeId ?? null).toBe(worstVolume);
    expect(status?.worst?.ageMs ?? null).toBe(worstAgeH === null ? null : worstAgeH * H);
    expect(status?.newest?.ageMs ?? null).toBe(newestAgeH === null ? null : newestAgeH * H);
    expect(report.totals[verdict]).toBe(1);
  });

  it('puts missed policies first, then at risk, then met, each by name', () => {
    const report = buildDrReport({
      policies: [
        { policy: policy({ name: 'b-met' }), destinationAccountId: AUDIT_ID, copies: [completedAgo(1)] },
        { policy: policy({ name: 'a-met' }), destinationAccountId: AUDIT_ID, copies: [completedAgo(1)] },
        { policy: policy({ name: 'c-risk' }), destinationAccountId: AUDIT_ID, copies: [completedAgo(20)] },
        { policy: policy({ name: 'd-missed' }), destinationAccountId: AUDIT_ID, copies: [] },
      ],
      recent: [],
      queues: [],
      now: NOW,
    });
    expect(report.policies.map((p) => p.name)).toEqual(['d-missed', 'c-risk', 'a-met', 'b-met']);
    expect(report.totals).toEqual({ met: 2, 'at-risk': 1, missed: 1 });
  });

  it('judges a policy against its own RPO', () => {
    const report = buildDrReport({
      policies: [
        { policy: policy({ rpoHours: 4 }), destinationAccountId: AUDIT_ID, copies: [completedAgo(5)] },
      ],
      recent: [],
      queues: [],
      now: NOW,
    });
    expect(report.policies[0]?.verdict).toBe('missed');
  });
});

describe('buildDrReport: activity and queues', () => {
  it('counts the last 24 h: completions and failures inside the window, queued and in flight as they are', () => {
    const recent = [
      completedAgo(2),
      completedAgo(23),
      completedAgo(25), // outside the window
      copy({
        state: 'failed',
        completedAt: null,
        updatedAt: hoursAgo(1),
        requestNumber: 7,
        failure: { code: 'key-not-accessible', message: 'Given key ID is not accessible' },
      }),
      copy({
        state: 'failed',
        completedAt: null,
        updatedAt: hoursAgo(30),
        failure: { code: 'unknown', message: 'old' },
      }),
      copy({ state: 'copying', completedAt: null, updatedAt: hoursAgo(40) }),
      copy({ state: 'starting', completedAt: null }),
      copy({ state: 'queued', completedAt: null }),
      copy({ state: 'waiting', completedAt: null }),
      copy({ state: 'cancelled', completedAt: null }),
    ];
    const { activity } = buildDrReport({ policies: [], recent, queues: [], now: NOW });
    expect(activity.completed).toBe(2);
    expect(activity.inFlight).toBe(2);
    expect(activity.queued).toBe(1);
    expect(activity.failed).toEqual([
      expect.objectContaining({
        requestNumber: 7,
        code: 'key-not-accessible',
        message: 'Given key ID is not accessible',
        destinationRegion: 'us-west-2',
      }),
    ]);
  });

  it("counts only a policy's copies to its destination in its own activity", () => {
    const report = buildDrReport({
      policies: [
        {
          policy: policy(),
          destinationAccountId: AUDIT_ID,
          copies: [
            completedAgo(2),
            copy({
              state: 'queued',
              completedAt: null,
              destination: { account: 'audit', accountId: AUDIT_ID, region: 'eu-west-1' },
            }),
          ],
        },
      ],
      recent: [],
      queues: [],
      now: NOW,
    });
    expect(report.policies[0]?.activity).toEqual({ completed: 1, failed: [], inFlight: 0, queued: 0 });
  });

  it('reports queue depth and the oldest wait per destination, deepest first, empty ones left out', () => {
    const report = buildDrReport({
      policies: [],
      recent: [],
      queues: [
        queue({ region: 'us-west-2', queued: 2, inFlight: 5, oldestQueuedAt: hoursAgo(3) }),
        queue({ region: 'eu-west-1', queued: 7, inFlight: 20, oldestQueuedAt: hoursAgo(1) }),
        queue({ region: 'eu-central-1', queued: 0, inFlight: 0 }),
        queue({
          region: 'ap-south-1',
          queued: 0,
          inFlight: 0,
          held: { since: hoursAgo(1), reason: 'limit' },
        }),
      ],
      now: NOW,
    });
    expect(report.queues.map((q) => [q.region, q.queued, q.oldestWaitMs])).toEqual([
      ['eu-west-1', 7, 1 * H],
      ['us-west-2', 2, 3 * H],
      ['ap-south-1', 0, null],
    ]);
  });
});
