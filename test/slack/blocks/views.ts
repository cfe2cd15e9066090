import type { KnownBlock } from '../../../src/slack/blocks/request.js';
import type { CopyView, RequestView } from '../../../src/slack/blocks/view-model.js';

/** Views for the builders' tests: one plain copy and request, changed per test with `over`. */
export const FILED_AT = new Date('2026-12-01T09:00:00Z');

export function copyView(over: Partial<CopyView> = {}): CopyView {
  return {
    copyId: 1,
    sourceSnapshotId: 'snap-0123456789abcdef0',
    volumeId: 'vol-0123456789abcdef0',
    sizeGiB: 8,
    sourceEncrypted: false,
    destination: { alias: 'prod', id: '111111111111' },
    destinationRegion: 'us-west-2',
    state: 'waiting',
    progress: 0,
    ...over,
  };
}

export function requestView(over: Partial<RequestView> = {}): RequestView {
  return {
    number: 7,
    state: 'pending_approval',
    requesterId: 'U0REQUESTER',
    source: { alias: 'prod', id: '111111111111' },
    sourceRegion: 'us-east-1',
    destination: { alias: 'prod', id: '111111111111' },
    crossAccount: false,
    encrypt: false,
    tags: [],
    createdAt: FILED_AT,
    warnings: [],
    requiredApprovals: 2,
    decisions: [],
    copies: [copyView()],
    ...over,
  };
}

/** Every mrkdwn or plain text a person reads in these blocks, in order. */
export function textsOf(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b): string[] => {
    if (b.type === 'section') return b.text ? [b.text.text] : [];
    if (b.type === 'header') return [b.text.text];
    if (b.type === 'context') return b.elements.flatMap((e) => ('text' in e ? [e.text] : []));
    return [];
  });
}

export function allText(blocks: KnownBlock[]): string {
  return textsOf(blocks).join('\n');
}

/** Text that would ping or link if Slack rendered it unescaped. */
export const HOSTILE = '<!channel> <@U0EVIL> <http://evil.example|click> & co';
export const HOSTILE_ESCAPED = '&lt;!channel&gt; &lt;@U0EVIL&gt; &lt;http://evil.example|click&gt; &amp; co';
