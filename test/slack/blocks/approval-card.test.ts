import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CopyCost } from '../../../src/domain/cost.js';
import {
  APPROVE_ACTION_ID,
  approvalCard,
  approvalsTally,
  REJECT_ACTION_ID,
} from '../../../src/slack/blocks/approval-card.js';
import type { KnownBlock } from '../../../src/slack/blocks/request.js';
import { allText, copyView, HOSTILE, HOSTILE_ESCAPED, requestView } from './views.js';

const at = new Date('2026-12-01T10:00:00Z');
const approve = (userId: string) => ({ userId, decision: 'approve' as const, at });

function buttons(blocks: KnownBlock[]) {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
}

describe('the approval card of a request that waits for approval', () => {
  const card = approvalCard(requestView());

  it('offers Approve (approve_copy) and Reject (reject_copy), each carrying the request label', () => {
    const actions = card.blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ block_id: 'decision:7' });
    expect(buttons(card.blocks)).toEqual([
      expect.objectContaining({
        type: 'button',
        action_id: 'approve_copy',
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value: 'R-7',
      }),
      expect.objectContaining({
        type: 'button',
        action_id: 'reject_copy',
        text: { type: 'plain_text', text: 'Reject' },
        style: 'danger',
        value: 'R-7',
      }),
    ]);
  });

  it('exports the action IDs SPEC §5.3 names', () => {
    expect(APPROVE_ACTION_ID).toBe('approve_copy');
    expect(REJECT_ACTION_ID).toBe('reject_copy');
  });

  it('says in its notification text that the request needs approval', () => {
    expect(card.text).toBe('R-7: snapshot copy prod us-east-1 → us-west-2 needs approval');
  });

  it('shows the requester, the accounts and the Regions', () => {
    const text = allText(card.blocks);
    expect(text).toContain('*R-7* · from <@U0REQUESTER>');
    expect(text).toContain('prod (111111111111) us-east-1 → prod (111111111111) us-west-2');
    expect(text).not.toContain('cross-account');
  });

  it('shows each source with its volume, size and encryption', () => {
    const card = approvalCard(
      requestView({
        copies: [
          copyView({
            sourceEncrypted: true,
            sourceKeyId: 'alias/src',
            encryption: { encrypted: true, keyId: 'alias/dr', because: 'specified-key' },
            transfer: { kind: 'full', reason: 'first copy to this Region', fullCopyGiB: 8 },
          }),
          copyView({
            copyId: 2,
            sourceSnapshotId: 'snap-0bbbbbbbbbbbbbbbb',
            volumeId: 'vol-0bbbbbbbbbbbbbbbb',
            sizeGiB: 20,
            encryption: { encrypted: false },
            transfer: { kind: 'incremental', reason: 'same volume as the last copy', fullCopyGiB: 0 },
          }),
        ],
      }),
    );
    const text = allText(card.blocks);
    expect(text).toContain(
      '• `snap-0123456789abcdef0` · `vol-0123456789abcdef0` · 8 GiB · encrypted (`alias/src`)\n   → us-west-2: encrypted with `alias/dr` (specified key); *full copy* (first copy to this Region), moves 8 GiB',
    );
    expect(text).toContain(
      '• `snap-0bbbbbbbbbbbbbbbb` · `vol-0bbbbbbbbbbbbbbbb` · 20 GiB · unencrypted\n   → us-west-2: unencrypted; incremental (same volume as the last copy)',
    );
    expect(text).toContain('Full copies move *8 GiB* in total.');
  });

  it.each([
    [
      { encrypted: true, because: 'default-key' as const },
      "encrypted with the default key (destination's default key)",
    ],
    [
      { encrypted: true, keyId: 'alias/src', because: 'same-key' as const },
      'encrypted with `alias/src` (same key as the source)',
    ],
    [undefined, 'unknown'],
  ])('words the predicted encryption %j as "%s"', (encryption, words) => {
    const text = allText(
      approvalCard(requestView({ copies: [copyView(encryption ? { encryption } : {})] })).blocks,
    );
    expect(text).toContain(`→ us-west-2: ${words}`);
  });

  it('marks a cross-account request and leaves the intermediate hop out of the Regions', () => {
    const card = approvalCard(
      requestView({
        crossAccount: true,
        destination: { alias: 'audit', id: '222222222222' },
        copies: [
          copyView({ hop: 'intermediate', destinationRegion: 'us-east-1' }),
          copyView({ copyId: 2, hop: 'final', destination: { alias: 'audit', id: '222222222222' } }),
        ],
      }),
    );
    const text = allText(card.blocks);
    expect(text).toContain(
      'prod (111111111111) us-east-1 → audit (222222222222) us-west-2 · *cross-account*',
    );
    expect(text).toContain('• hop 1/2 (re-key in prod) `snap-0123456789abcdef0`');
    expect(text).toContain('• hop 2/2 `snap-0123456789abcdef0`');
    expect(card.text).toBe('R-7: snapshot copy prod us-east-1 → audit us-west-2 needs approval');
  });

  it('shows the reason, the time-based window, the note, the lock and the extra tags', () => {
    const text = allText(
      approvalCard(
        requestView({
          reason: 'DR drill',
          withinMinutes: 120,
          note: 'before migration',
          lock: { mode: 'governance', days: 30 },
          tags: [
            { key: 'team', value: 'db' },
            { key: 'env', value: 'prod' },
          ],
        }),
      ).blocks,
    );
    expect(text).toContain('Reason: DR drill');
    expect(text).toContain('Time-based copy: within 120 minutes');
    expect(text).toContain('Note: before migration');
    expect(text).toContain(':lock: Lock: governance, 30 days once copied (until 2026-12-31 09:00 UTC');
    expect(text).toContain('Extra tags: `team=db` `env=prod`');
  });

  it('leaves out the lines of what was not asked for', () => {
    const text = allText(card.blocks);
    for (const absent of [
      'Reason:',
      'Time-based copy',
      'Note:',
      ':lock:',
      'Extra tags',
      ':warning:',
      'Estimated cost',
    ])
      expect(text).not.toContain(absent);
  });

  it('shows every pre-flight warning', () => {
    const text = allText(
      approvalCard(requestView({ warnings: ['the key is not readable', 'the role may not copy'] })).blocks,
    );
    expect(text).toContain(':warning: the key is not readable');
    expect(text).toContain(':warning: the role may not copy');
  });
});

describe('user text on the approval card', () => {
  const card = approvalCard(
    requestView({
      reason: HOSTILE,
      note: HOSTILE,
      policyName: HOSTILE,
      tags: [{ key: 'who', value: HOSTILE }],
      warnings: [HOSTILE],
      source: { alias: HOSTILE, id: '111111111111' },
      copies: [copyView({ transfer: { kind: 'full', reason: HOSTILE, fullCopyGiB: 8 } })],
    }),
  );
  const text = allText(card.blocks);

  it('cannot ping or link: no <!channel>, <@…> or <http…> survives', () => {
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U0EVIL>');
    expect(text).not.toContain('<http');
    expect(card.text).not.toContain('<!channel>');
  });

  it('is shown escaped where it was put', () => {
    expect(text).toContain(`Reason: ${HOSTILE_ESCAPED}`);
    expect(text).toContain(`Note: ${HOSTILE_ESCAPED}`);
    expect(text).toContain(`DR policy *${HOSTILE_ESCAPED}*`);
    expect(text).toContain(`:warning: ${HOSTILE_ESCAPED}`);
    expect(text).toContain(`*full copy* (${HOSTILE_ESCAPED})`);
  });

  it('never lets a < or > through, whatever the user typed', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (reason, note, key, value) => {
        const card = approvalCard(requestView({ reason, note, tags: [{ key, value }] }));
        const text = allText(card.blocks).replaceAll('<@U0REQUESTER>', '');
        expect(text).not.toMatch(/[<>]/);
      }),
    );
  });

  it('turns a backtick in a tag into a quote so it cannot end the code span', () => {
    const text = allText(approvalCard(requestView({ tags: [{ key: 'k', value: 'a`b' }] })).blocks);
    expect(text).toContain("Extra tags: `k=a'b`");
  });
});

describe('a decided approval card', () => {
  const line = 'Approved by <@U0APPROVER> · today';

  it('has no buttons left, only who decided and when', () => {
    const card = approvalCard(requestView({ state: 'approved' }), { line });
    expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(buttons(card.blocks)).toEqual([]);
    expect(card.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: line }] });
  });

  it.each([
    ['approved', undefined, 'was approved'],
    ['queued', undefined, 'was approved'],
    ['completed', 'nightly', 'was approved by its DR policy'],
    ['rejected', undefined, 'was rejected'],
    ['expired', undefined, 'was expired'],
    ['cancelled', undefined, 'was cancelled'],
  ] as const)('in state %s (policy %s) notifies that it %s', (state, policyName, words) => {
    const card = approvalCard(requestView({ state, ...(policyName ? { policyName } : {}) }), { line });
    expect(card.text).toBe(`R-7: snapshot copy prod us-east-1 → us-west-2 ${words}`);
    expect(card.text).not.toContain('needs approval');
  });
});

describe('approvalsTally', () => {
  it.each([
    ['none given', [], 'Approvals 0/2'],
    ['one given', [approve('U0ANN')], 'Approvals 1/2: <@U0ANN>'],
    ['two given', [approve('U0ANN'), approve('U0BOB')], 'Approvals 2/2: <@U0ANN>, <@U0BOB>'],
    ['the same approver twice', [approve('U0ANN'), approve('U0ANN')], 'Approvals 1/2: <@U0ANN>'],
    ['a rejection', [{ userId: 'U0BOB', decision: 'reject' as const, at }], 'Approvals 0/2'],
  ])('counts %s as "%s"', (_name, decisions, tally) => {
    expect(approvalsTally(requestView({ decisions }))).toBe(tally);
  });

  it('is shown on the card', () => {
    const text = allText(approvalCard(requestView({ decisions: [approve('U0ANN')] })).blocks);
    expect(text).toContain('Approvals 1/2: <@U0ANN>');
  });

  it('says a DR policy approved its requests', () => {
    expect(approvalsTally(requestView({ policyName: 'nightly', requiredApprovals: 0 }))).toBe(
      'Approvals: by the DR policy',
    );
  });

  it('says when a request still waiting was escalated, and stops saying it once decided', () => {
    const escalatedAt = new Date('2026-12-01T17:00:00Z');
    expect(approvalsTally(requestView({ escalatedAt }))).toBe(
      'Approvals 0/2 · escalated <!date^1796144400^{date_short_pretty} {time}|2026-12-01T17:00:00.000Z> (see the thread)',
    );
    expect(approvalsTally(requestView({ escalatedAt, state: 'approved' }))).toBe('Approvals 0/2');
  });
});

describe('the cost on the approval card', () => {
  const cost: CopyCost = { transfer: 2, timeBased: 0.5, storagePerMonth: 5, oneOffUsd: 2.5 };

  it('shows each copy’s estimate and the request’s total', () => {
    const text = allText(
      approvalCard(requestView({ copies: [copyView({ cost }), copyView({ copyId: 2, cost })] })).blocks,
    );
    expect(text).toContain('   Est. cost: $2.00 transfer + $0.50 time-based, then $5.00/month storage');
    expect(text).toContain(
      '*Estimated cost* (estimate, USD): $4.00 transfer + $1.00 time-based = $5.00 one-off, then $10.00/month storage',
    );
  });

  it('says nothing of cost for copies filed before estimates existed', () => {
    const text = allText(approvalCard(requestView()).blocks);
    expect(text).not.toContain('Est. cost');
    expect(text).not.toContain('Estimated cost');
  });
});
