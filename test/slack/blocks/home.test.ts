import { describe, expect, it } from 'vitest';
import { MAX_EXTRA_TAGS, TAG_KEY_MAX_LENGTH, TAG_VALUE_MAX_LENGTH } from '../../../src/domain/fields.js';
import { homeView } from '../../../src/slack/blocks/home.js';
import type { KnownBlock } from '../../../src/slack/blocks/request.js';
import type { DestinationQueue } from '../../../src/store/port.js';
import { allText, copyView, FILED_AT, HOSTILE, HOSTILE_ESCAPED, requestView } from './views.js';

const now = new Date(FILED_AT.getTime() + 7_620_000);

function queue(over: Partial<DestinationQueue> = {}): DestinationQueue {
  return {
    accountId: '222222222222',
    region: 'us-west-2',
    account: 'audit',
    queued: 0,
    inFlight: 0,
    oldestQueuedAt: null,
    held: null,
    positions: [],
    ...over,
  };
}

/** The builder puts only known blocks in the tab; Bolt types a home view's blocks more loosely. */
function home(over: Partial<Parameters<typeof homeView>[0]> = {}) {
  const view = homeView({ mine: [], waiting: [], queues: [], now, ...over });
  return { type: view.type, blocks: view.blocks as KnownBlock[] };
}

function actionIds(view: { blocks: KnownBlock[] }): string[] {
  return view.blocks.flatMap((b) =>
    b.type === 'actions'
      ? b.elements.map((e) => `${'action_id' in e ? e.action_id : ''}:${'value' in e ? e.value : ''}`)
      : [],
  );
}

describe('the App Home of someone with nothing going on', () => {
  const view = home();
  const text = allText(view.blocks);

  it('is a home tab headed Snapshot copies', () => {
    expect(view.type).toBe('home');
    expect(view.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Snapshot copies' } });
  });

  it('says there is nothing yet, and how to file a request', () => {
    expect(text).toContain('*Your recent requests*');
    expect(text).toContain('_None yet. Type `/snapshot-copy` to file one._');
    expect(text).toContain('*Waiting for your approval*');
    expect(text).toContain('_Nothing waits for you._');
    expect(text).toContain('*Queues*');
    expect(text).toContain('_All queues are empty._');
    expect(actionIds(view)).toEqual([]);
  });
});

describe('the App Home’s own requests', () => {
  it('lists each with its route, state and how many copies are done', () => {
    const text = allText(
      home({
        mine: [
          requestView({
            number: 9,
            state: 'copying',
            copies: [
              copyView({ state: 'completed' }),
              copyView({ copyId: 2, state: 'copying', destinationRegion: 'eu-west-1' }),
            ],
          }),
          requestView({ number: 8 }),
        ],
      }).blocks,
    );
    expect(text).toContain(
      '*R-9* · prod us-east-1 → us-west-2, eu-west-1 · copying · 1/2 copied\n*R-8* · prod us-east-1 → us-west-2 · pending approval · 0/1 copied',
    );
    expect(text).not.toContain('None yet');
  });
});

describe('the App Home’s requests waiting for approval', () => {
  it('shows each with how long it waited and why, then its card with live buttons', () => {
    const view = home({ waiting: [requestView({ reason: 'DR drill' })] });
    const text = allText(view.blocks);
    expect(text).toContain(
      ':hourglass_flowing_sand: *R-7* waiting for 2h 07m (filed <!date^1796115600^{date_short_pretty} {time}|2026-12-01T09:00:00.000Z>) · Reason: DR drill',
    );
    expect(text).toContain('*R-7* · from <@U0REQUESTER>');
    expect(actionIds(view)).toEqual(['approve_copy:R-7', 'reject_copy:R-7']);
    expect(text).not.toContain('Nothing waits for you');
  });

  it('says when no reason was given', () => {
    expect(allText(home({ waiting: [requestView()] }).blocks)).toContain('· _No reason given_');
  });

  it('escapes the reason', () => {
    const text = allText(home({ waiting: [requestView({ reason: HOSTILE })] }).blocks);
    expect(text).toContain(`· Reason: ${HOSTILE_ESCAPED}`);
    expect(text).not.toContain('<!channel>');
  });

  it('shows five cards and counts the rest', () => {
    const waiting = Array.from({ length: 7 }, (_, i) => requestView({ number: i + 1 }));
    const view = home({ waiting });
    expect(actionIds(view).filter((id) => id.startsWith('approve_copy'))).toEqual([
      'approve_copy:R-1',
      'approve_copy:R-2',
      'approve_copy:R-3',
      'approve_copy:R-4',
      'approve_copy:R-5',
    ]);
    expect(allText(view.blocks)).toContain('…and 2 more in the approvals channel.');
  });

  it('stays within the 100 blocks of a Home tab with the longest requests waiting', () => {
    const regions = ['us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'];
    const copies = regions.flatMap((destinationRegion, r) =>
      Array.from({ length: 20 }, (_, i) =>
        copyView({
          copyId: r * 20 + i + 1,
          destinationRegion,
          sourceSnapshotId: `snap-${String(i).padStart(17, '0')}`,
          transfer: { kind: 'full', reason: 'first copy to this Region', fullCopyGiB: 8 },
          cost: { transfer: 0.16, storagePerMonth: 0.4, oneOffUsd: 0.16 },
        }),
      ),
    );
    // As long as the pre-flight warnings get: one per destination Region, with the IAM statement to grant.
    const warnings = regions.map(
      (r) =>
        `the destination role may not copy snapshots into audit (222222222222) ${r}: CopySnapshot with DryRun answered UnauthorizedOperation. ${'Grant it ec2:CopySnapshot. '.repeat(16)}`,
    );
    const longest = (number: number) =>
      requestView({
        number,
        copies,
        warnings,
        reason: 'why '.repeat(125),
        note: 'n'.repeat(255),
        lock: { mode: 'compliance', days: 30, coolOffHours: 24 },
        withinMinutes: 120,
        tags: Array.from({ length: MAX_EXTRA_TAGS }, (_, i) => ({
          key: `k${i}`.padEnd(TAG_KEY_MAX_LENGTH, 'k'),
          value: 'v'.repeat(TAG_VALUE_MAX_LENGTH),
        })),
      });
    const waiting = Array.from({ length: 8 }, (_, i) => longest(i + 1));
    const mine = Array.from({ length: 20 }, (_, i) => longest(i + 1));
    expect(home({ mine, waiting }).blocks.length).toBeLessThanOrEqual(100);
  });
});

describe('the App Home’s queues', () => {
  it('lists the destinations with copies in flight or queued, and which are held back', () => {
    const text = allText(
      home({
        queues: [
          queue({ inFlight: 20, queued: 3 }),
          queue({ region: 'eu-west-1', queued: 1, held: { since: now, reason: 'ResourceLimitExceeded' } }),
          queue({ account: 'prod', region: 'us-east-2' }),
        ],
      }).blocks,
    );
    expect(text).toContain(
      'audit us-west-2: 20 copying, 3 queued\naudit eu-west-1: 0 copying, 1 queued · held back (AWS copy limit reached by other tools)',
    );
    expect(text).not.toContain('us-east-2');
    expect(text).not.toContain('All queues are empty');
  });

  it('escapes the account alias', () => {
    const text = allText(home({ queues: [queue({ account: HOSTILE, queued: 1 })] }).blocks);
    expect(text).toContain(`${HOSTILE_ESCAPED} us-west-2: 0 copying, 1 queued`);
    expect(text).not.toContain('<!channel>');
  });
});
