import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { buildDrReport, type PolicyCopies } from '../../src/reports/model.js';
import { MAX_BLOCKS, MAX_SECTION_CHARS, reportMessage } from '../../src/slack/blocks/report.js';
import { AUDIT_ID, completedAgo, copy, hoursAgo, NOW, policy, queue } from '../reports/fixtures.js';

function texts(blocks: types.KnownBlock[]): string[] {
  return blocks.flatMap((b) => {
    if (b.type === 'section') return [b.text?.text ?? ''];
    if (b.type === 'header') return [b.text.text];
    if (b.type === 'context') return b.elements.map((e) => ('text' in e ? e.text : ''));
    return [];
  });
}

function expectWithinSlackLimits(blocks: types.KnownBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
  for (const b of blocks) {
    if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(MAX_SECTION_CHARS);
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
  }
}

const manyFailures = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    copy({
      state: 'failed',
      completedAt: null,
      updatedAt: hoursAgo(1),
      requestNumber: 100 + i,
      failure: { code: i % 2 ? 'key-not-accessible' : 'unknown', message: 'x'.repeat(900) },
    }),
  );

function policies(n: number): PolicyCopies[] {
  return Array.from({ length: n }, (_, i) => ({
    policy: policy({ name: `policy-${String(i).padStart(3, '0')}`, rpoHours: 24 }),
    destinationAccountId: AUDIT_ID,
    // Every 10th missed, every 7th at risk, the rest met; each with failures to list.
    copies: [completedAgo(i % 10 === 0 ? 30 : i % 7 === 0 ? 20 : 1), ...manyFailures(5)],
  }));
}

describe('reportMessage', () => {
  it.each([0, 1, 40, 41, 200])('stays within Slack limits with %i policies', (n) => {
    const report = buildDrReport({
      policies: policies(n),
      recent: manyFailures(50),
      queues: Array.from({ length: 40 }, (_, i) => queue({ region: `r-${i}`, queued: i + 1 })),
      now: NOW,
    });
    const { text, blocks } = reportMessage(report);
    expectWithinSlackLimits(blocks);
    expect(text.length).toBeGreaterThan(0);
    expect(blocks[0]).toMatchObject({ type: 'header' });
  });

  it('says when no DR policies are configured', () => {
    const { text, blocks } = reportMessage(buildDrReport({ policies: [], recent: [], queues: [], now: NOW }));
    expect(text).toBe('DR status report: no DR policies are configured.');
    expect(texts(blocks).join('\n')).toContain('No DR policies are configured');
    expect(texts(blocks).join('\n')).toContain('*Queues:* all empty.');
  });

  it('shows one policy with its verdict emoji, route, RPO, freshness and last 24 h', () => {
    const report = buildDrReport({
      policies: [
        {
          policy: policy(),
          destinationAccountId: AUDIT_ID,
          copies: [completedAgo(2, 'vol-0000000000000000a'), completedAgo(20, 'vol-0000000000000000b')],
        },
      ],
      recent: [],
      queues: [queue({ queued: 3, inFlight: 2, oldestQueuedAt: hoursAgo(2) })],
      now: NOW,
    });
    const { text, blocks } = reportMessage(report);
    expect(text).toBe('DR status report: 0 missed, 1 at risk, 0 met');
    const section = texts(blocks)[2]!;
    expect(section).toContain(':large_yellow_circle: *prod-db-to-oregon*');
    expect(section).toContain('prod us-east-1 (tag `Backup=daily`) → audit us-west-2 · RPO 24 h · *at risk*');
    expect(section).toContain('Newest copy 2h 00m ago · stalest volume `vol-0000000000000000b` 20h 00m ago');
    expect(section).toContain('Last 24 h: 2 completed · 0 failed · 0 in flight · 0 queued');
    expect(texts(blocks).join('\n')).toContain(
      'audit us-west-2: 3 queued · 2 in flight · oldest waiting 2h 00m',
    );
  });

  it.each([
    ['met', 1, ':large_green_circle:'],
    ['at risk', 20, ':large_yellow_circle:'],
    ['missed', 30, ':red_circle:'],
  ])('marks a policy whose verdict is %s (newest copy %i h old) with %s', (_, hours, emoji) => {
    const report = buildDrReport({
      policies: [{ policy: policy(), destinationAccountId: AUDIT_ID, copies: [completedAgo(hours)] }],
      recent: [],
      queues: [],
      now: NOW,
    });
    expect(texts(reportMessage(report).blocks)[2]).toMatch(new RegExp(`^${emoji} `));
  });

  it('with 200 policies lists the worst first and sums up the rest as "…and N more"', () => {
    const report = buildDrReport({ policies: policies(200), recent: [], queues: [], now: NOW });
    const { blocks } = reportMessage(report);
    const all = texts(blocks);
    // 20 missed (every 10th) lead the list.
    expect(all[2]).toMatch(/^:red_circle: \*policy-000\*/);
    const more = all.find((t) => t.startsWith('*…and '));
    expect(more).toBeDefined();
    const shown = all.filter((t) => /^:(red|large_yellow|large_green)_circle: \*policy-/.test(t)).length;
    expect(more).toContain(`*…and ${200 - shown} more policies*`);
    expect(more).toContain(':large_green_circle:');
  });

  it('lists at most three failures, then counts the rest by code', () => {
    const report = buildDrReport({ policies: [], recent: manyFailures(5), queues: [], now: NOW });
    const activity = texts(reportMessage(report).blocks).find((t) => t.startsWith('*Last 24 h'))!;
    expect(activity.match(/:x: /g)).toHaveLength(3);
    expect(activity).toContain('…and 2 more failures (unknown ×3, key-not-accessible ×2)');
  });

  it('escapes config-derived and AWS-reported text', () => {
    const report = buildDrReport({
      policies: [
        {
          policy: policy({
            source: { account: 'prod', region: 'us-east-1', tag: { key: 'Backup', value: '<!channel>' } },
          }),
          destinationAccountId: AUDIT_ID,
          copies: [],
        },
      ],
      recent: [
        copy({
          state: 'failed',
          completedAt: null,
          failure: { code: 'unknown', message: 'see <http://evil|here> & <@U123>' },
        }),
      ],
      queues: [],
      now: NOW,
    });
    const all = texts(reportMessage(report).blocks).join('\n');
    expect(all).toContain('`Backup=&lt;!channel&gt;`');
    expect(all).toContain('see &lt;http://evil|here&gt; &amp; &lt;@U123&gt;');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U123>');
  });
});
