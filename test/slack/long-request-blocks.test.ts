import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICING, estimateCopyCost } from '../../src/domain/cost.js';
import { approvalCard } from '../../src/slack/blocks/approval-card.js';
import { money } from '../../src/slack/blocks/cost.js';
import { requestMessage } from '../../src/slack/blocks/request.js';
import { formatSize } from '../../src/slack/blocks/summary.js';
import type { CopyView, RequestView } from '../../src/slack/blocks/view-model.js';

const KEY = 'arn:aws:kms:us-east-1:111111111111:key/0f1e2d3c-4b5a-6978-8899-aabbccddeeff';
const DEST_KEY = 'arn:aws:kms:us-west-2:111111111111:key/11112222-3333-4444-5555-666677778888';
const REGIONS = ['us-west-2', 'eu-west-1'];

function copies(sources: number): CopyView[] {
  const out: CopyView[] = [];
  let id = 1;
  for (const region of REGIONS)
    for (let i = 0; i < sources; i++)
      out.push({
        copyId: id++,
        sourceSnapshotId: `snap-${String(i).padStart(17, '0')}`,
        volumeId: `vol-${String(i).padStart(17, '0')}`,
        sizeGiB: 100 + i,
        sourceEncrypted: true,
        sourceKeyId: KEY,
        destination: { alias: 'prod', id: '111111111111' },
        destinationRegion: region,
        state: 'waiting',
        progress: 0,
        encryption: { encrypted: true, keyId: DEST_KEY, because: 'specified-key' },
        transfer: { kind: 'full', reason: 'first copy to this Region', fullCopyGiB: 100 + i },
        cost: estimateCopyCost(DEFAULT_PRICING, {
          sourceRegion: 'us-east-1',
          destinationRegion: region,
          sizeGiB: 100 + i,
          kind: 'full',
          movesData: true,
          withinMinutes: 15,
        }),
      });
  return out;
}

function view(sources: number): RequestView {
  return {
    number: 7,
    state: 'pending_approval',
    requesterId: 'U0REQUESTER',
    source: { alias: 'prod', id: '111111111111' },
    sourceRegion: 'us-east-1',
    destination: { alias: 'prod', id: '111111111111' },
    crossAccount: false,
    encrypt: true,
    kmsKeyId: DEST_KEY,
    tags: [],
    createdAt: new Date('2026-12-01T00:00:00Z'),
    warnings: [],
    requiredApprovals: 1,
    decisions: [],
    copies: copies(sources),
  };
}

function texts(blocks: ReturnType<typeof approvalCard>['blocks']): string[] {
  return blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
}

function withinLimits(message: ReturnType<typeof approvalCard>) {
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  // Slack refuses messages whose blocks hold much more than ~12,000 characters (msg_blocks_too_long)
  expect(JSON.stringify(message.blocks).length).toBeLessThan(12_000);
  for (const t of texts(message.blocks)) {
    expect(t.length).toBeLessThanOrEqual(3000);
    expect(t.endsWith('…')).toBe(false);
  }
}

/** The sources of one Region counted in its `…and N more, S` line. */
function summarised(all: string, region: string): { more: number; size: string } {
  const m = new RegExp(`→ ${region}: …and (\\d+) more, ([\\d.]+ [GT]iB)`).exec(all);
  return { more: m ? Number(m[1]) : 0, size: m?.[2] ?? '' };
}

describe('a long request on the approval card (SPEC §5 step 1)', () => {
  it('30 encrypted sources over 2 destinations: every source accounted for, totals shown, within Slack limits', () => {
    const v = view(30);
    const card = approvalCard(v);
    withinLimits(card);
    const all = texts(card.blocks).join('\n');
    const total = v.copies.reduce((s, c) => s + c.sizeGiB, 0);
    let counted = 0;
    for (const region of REGIONS) {
      const group = v.copies.filter((c) => c.destinationRegion === region);
      const sum = group.reduce((s, c) => s + c.sizeGiB, 0);
      expect(all).toContain(`→ ${region}: 30 copies, ${formatSize(sum)}`);
      // a source line shows its destination on the line after it: count the arrows
      const shown = all.split('\n').filter((l) => l.startsWith(`   → ${region}:`)).length;
      const more = summarised(all, region);
      if (more.more) {
        const restSum = group.slice(shown).reduce((s, c) => s + c.sizeGiB, 0);
        expect(more.size).toBe(formatSize(restSum));
      }
      expect(shown + more.more).toBe(30);
      counted += shown + more.more;
    }
    expect(counted).toBe(60);
    expect(all).toContain(`Total: 60 copies, ${formatSize(total)}`);
    expect(all).toContain(`Full copies move *${formatSize(total)}* in total.`);
    expect(all).toMatch(/…and \d+ more, [\d.]+ [GT]iB \(est\. \$[\d,.]+ one-off \+ \$[\d,.]+\/month\)/);
    // The total counts every copy, listed or summarised: 0.02 transfer + 0.02 time-based, 0.05 storage a GiB.
    expect(all).toContain(
      `*Estimated cost* (estimate, USD): ${money(total * 0.02)} transfer + ${money(total * 0.02)} time-based = ${money(total * 0.04)} one-off, then ${money(total * 0.05)}/month storage`,
    );
  });

  it('never cuts a long reason, many long extra tags or the warnings: they go on in the next section', () => {
    const tags = Array.from({ length: 12 }, (_, i) => ({
      key: `team-tag-${i}`,
      value: `${'v'.repeat(240)}${i}`,
    }));
    const reason = `${'because the restore drill needs it '.repeat(14)}END-OF-REASON`;
    const warnings = Array.from({ length: 6 }, (_, i) => `${'w'.repeat(900)} warning ${i} ends here`);
    const card = approvalCard({ ...view(2), tags, reason, warnings });
    const all = texts(card.blocks).join('\n');
    for (const t of tags) expect(all).toContain(`${t.key}=${t.value}`);
    expect(all).toContain('END-OF-REASON');
    for (let i = 0; i < 6; i++) expect(all).toContain(`warning ${i} ends here`);
    for (const text of texts(card.blocks)) expect(text.length).toBeLessThanOrEqual(3_000);
  });

  it('a short request shows every source and no summary line', () => {
    const card = approvalCard(view(2));
    withinLimits(card);
    const all = texts(card.blocks).join('\n');
    expect(all).not.toContain('…and');
    expect(all.split('\n').filter((l) => l.startsWith('• ')).length).toBe(4);
  });

  it('formats sizes past 1 TiB in TiB', () => {
    expect(formatSize(1229)).toBe('1.2 TiB');
    expect(formatSize(512)).toBe('512 GiB');
    expect(formatSize(2048)).toBe('2 TiB');
  });
});

describe('a long request message', () => {
  it('30 sources over 2 destinations: whole lines, the rest counted per destination, within limits', () => {
    const v = view(30);
    v.copies.forEach((c, i) => {
      c.state = 'failed';
      c.failure = { code: 'copy-error', message: `a long failure message ${'x'.repeat(120)} ${i}` };
    });
    const msg = requestMessage(v);
    withinLimits(msg);
    const all = texts(msg.blocks).join('\n');
    let counted = 0;
    for (const region of REGIONS) {
      const shown = all.split('\n').filter((l) => l.includes('failed:') && l.includes(`→ ${region}`)).length;
      const m = new RegExp(`→ ${region}: …and (\\d+) more, ([\\d.]+ [GT]iB) \\(0 done\\)`).exec(all);
      counted += shown + (m ? Number(m[1]) : 0);
    }
    expect(counted).toBe(60);
  });
});
