import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CopyCost } from '../../../src/domain/cost.js';
import {
  completionLine,
  copyLine,
  decidedLine,
  requestMessage,
  route,
} from '../../../src/slack/blocks/request.js';
import { allText, copyView, HOSTILE, HOSTILE_ESCAPED, requestView } from './views.js';

const at = new Date('2026-12-01T10:00:00Z');
const SLACK_AT = '<!date^1796119200^{date_short_pretty} {time}|2026-12-01T10:00:00.000Z>';

describe('route', () => {
  it('names the source account and Region and the destination Regions, each once', () => {
    const view = requestView({
      copies: [
        copyView({ destinationRegion: 'us-west-2' }),
        copyView({ copyId: 2, destinationRegion: 'eu-west-1' }),
        copyView({ copyId: 3, destinationRegion: 'us-west-2' }),
      ],
    });
    expect(route(view)).toBe('prod us-east-1 → us-west-2, eu-west-1');
  });

  it('names the destination account of a cross-account request, not the intermediate hop', () => {
    const view = requestView({
      crossAccount: true,
      destination: { alias: 'audit', id: '222222222222' },
      copies: [copyView({ hop: 'intermediate', destinationRegion: 'us-east-1' }), copyView({ hop: 'final' })],
    });
    expect(route(view)).toBe('prod us-east-1 → audit us-west-2');
  });

  it('escapes the account aliases', () => {
    const text = route(
      requestView({
        crossAccount: true,
        source: { alias: '<!here>', id: '1' },
        destination: { alias: '<!channel>', id: '2' },
      }),
    );
    expect(text).toBe('&lt;!here&gt; us-east-1 → &lt;!channel&gt; us-west-2');
  });
});

describe('copyLine', () => {
  const snap = '`snap-0123456789abcdef0` → us-west-2';
  it.each([
    ['waiting', {}, `:hourglass: ${snap} · waiting for approval`],
    ['queued without a position', { state: 'queued' }, `:double_vertical_bar: ${snap} · queued`],
    [
      'queued with a position and an estimate',
      { state: 'queued', queuePosition: 3, estimateStartMs: 185_000 },
      `:double_vertical_bar: ${snap} · #3 in queue (starts in ~3m 05s)`,
    ],
    ['starting', { state: 'starting' }, `:arrow_forward: ${snap} · starting`],
    [
      'copying',
      { state: 'copying', progress: 40, newSnapshotId: 'snap-0new' },
      `:arrows_counterclockwise: ${snap} · ████░░░░░░ 40% · \`snap-0new\``,
    ],
    [
      'completed',
      { state: 'completed', newSnapshotId: 'snap-0new' },
      `:white_check_mark: ${snap} · done · \`snap-0new\``,
    ],
    [
      'failed',
      { state: 'failed', failure: { code: 'copy-error', message: 'AWS said no' } },
      `:x: ${snap} · failed: AWS said no`,
    ],
    ['failed without a message', { state: 'failed' }, `:x: ${snap} · failed: unknown error`],
    ['cancelled', { state: 'cancelled' }, `:no_entry_sign: ${snap} · cancelled`],
    ['the second hop', { state: 'starting', hop: 'final' }, `:arrow_forward: hop 2/2 ${snap} · starting`],
  ] as const)('shows a copy %s', (_name, over, line) => {
    expect(copyLine(copyView(over))).toBe(line);
  });

  it('escapes the failure message', () => {
    const line = copyLine(copyView({ state: 'failed', failure: { code: 'unknown', message: HOSTILE } }));
    expect(line).toContain(`failed: ${HOSTILE_ESCAPED}`);
    expect(line).not.toContain('<!channel>');
  });
});

describe('the request message', () => {
  it('sums the request up: label, copies, route, requester and state', () => {
    const message = requestMessage(requestView());
    expect(message.blocks[0]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*R-7* · 1 copy · prod us-east-1 → us-west-2 · requested by <@U0REQUESTER>\nState: *waiting for approval (0/2)*',
      },
    });
    expect(message.text).toMatch(/^R-7: /);
    expect(message.text).toContain('waiting for approval (0/2)');
  });

  it('says "1 snapshot copy" in its notification text for a single copy', () => {
    expect(requestMessage(requestView()).text).toBe('R-7: 1 snapshot copy, waiting for approval (0/2)');
  });

  it('counts the copies in its notification text', () => {
    const view = requestView({ copies: [copyView(), copyView({ copyId: 2 }), copyView({ copyId: 3 })] });
    expect(requestMessage(view).text).toBe('R-7: 3 snapshot copies, waiting for approval (0/2)');
  });

  it('has a line per copy, and no buttons', () => {
    const message = requestMessage(
      requestView({
        state: 'copying',
        copies: [
          copyView({ state: 'copying', progress: 50 }),
          copyView({ copyId: 2, state: 'queued', destinationRegion: 'eu-west-1', queuePosition: 2 }),
        ],
      }),
    );
    const text = allText(message.blocks);
    expect(text).toContain('*R-7* · 2 copies · prod us-east-1 → us-west-2, eu-west-1');
    expect(text).toContain('State: *copying*');
    expect(text).toContain('`snap-0123456789abcdef0` → us-west-2 · █████░░░░░ 50%');
    expect(text).toContain('`snap-0123456789abcdef0` → eu-west-1 · #2 in queue');
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('counts each approver once while it waits', () => {
    const approve = (userId: string) => ({ userId, decision: 'approve' as const, at });
    const text = allText(
      requestMessage(requestView({ decisions: [approve('U0ANN'), approve('U0ANN'), approve('U0BOB')] }))
        .blocks,
    );
    expect(text).toContain('State: *waiting for approval (2/2)*');
  });

  it.each([
    ['approved', 'approved'],
    ['queued', 'queued'],
    ['completed', 'completed'],
    ['rejected', 'rejected'],
    ['expired', 'expired without approval'],
    ['cancelled', 'cancelled'],
    ['failed', 'failed'],
  ] as const)('shows the state %s as "%s"', (state, label) => {
    const message = requestMessage(requestView({ state }));
    expect(allText(message.blocks)).toContain(`State: *${label}*`);
    expect(message.text).toMatch(new RegExp(`^R-7: 1 snapshot cop(y|ies), ${label}$`));
  });

  it('names the DR policy instead of a requester', () => {
    const text = allText(requestMessage(requestView({ policyName: 'nightly', requesterId: 'U0BOT' })).blocks);
    expect(text).toContain('· DR policy *nightly*');
    expect(text).not.toContain('requested by');
  });

  it('shows the cost, the reason and the note below the copies, escaped', () => {
    const cost: CopyCost = { transfer: 2, storagePerMonth: 5, oneOffUsd: 2 };
    const message = requestMessage(
      requestView({ reason: HOSTILE, note: HOSTILE, copies: [copyView({ cost })] }),
    );
    expect(message.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `*Estimated cost* (estimate, USD): $2.00 transfer, then $5.00/month storage\nReason: ${HOSTILE_ESCAPED}\nNote: ${HOSTILE_ESCAPED}`,
        },
      ],
    });
    expect(JSON.stringify(message)).not.toContain('<!channel>');
  });

  it('never lets a < or > through, whatever the user typed', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (reason, note, message) => {
        const copies = [copyView({ state: 'failed', failure: { code: 'unknown', message } })];
        const text = allText(requestMessage(requestView({ reason, note, copies })).blocks);
        expect(text.replaceAll('<@U0REQUESTER>', '')).not.toMatch(/[<>]/);
      }),
    );
  });

  it('has no context line when there is nothing to say there', () => {
    expect(requestMessage(requestView()).blocks.some((b) => b.type === 'context')).toBe(false);
  });

  it('escapes a DR policy name', () => {
    const text = allText(requestMessage(requestView({ policyName: HOSTILE })).blocks);
    expect(text).toContain(`DR policy *${HOSTILE_ESCAPED}*`);
    expect(text).not.toContain('<!channel>');
  });
});

describe('completionLine', () => {
  it('says where the copy went, how long it took, whether it was incremental, and the new snapshot', () => {
    const line = completionLine(
      copyView({
        state: 'completed',
        newSnapshotId: 'snap-0new',
        startedAt: at,
        completedAt: new Date(at.getTime() + 7_620_000),
        transfer: { kind: 'incremental', reason: 'same volume', fullCopyGiB: 0 },
      }),
    );
    expect(line).toBe(
      ':white_check_mark: `snap-0123456789abcdef0` copied to us-west-2 in 2h 07m (incremental): `snap-0new`',
    );
  });

  it('leaves out what it does not know', () => {
    expect(completionLine(copyView({ state: 'completed', hop: 'intermediate' }))).toBe(
      ':white_check_mark: hop 1/2 (re-key in prod) `snap-0123456789abcdef0` copied to us-west-2: ',
    );
  });
});

describe('decidedLine', () => {
  it.each([
    ['approved', ['U0ANN', 'U0BOB'], `Approved by <@U0ANN>, <@U0BOB> · ${SLACK_AT}`],
    ['rejected', ['U0ANN'], `Rejected by <@U0ANN> · ${SLACK_AT}`],
    ['expired', [], `Expired · ${SLACK_AT}`],
    ['cancelled', ['U0REQUESTER'], `Cancelled by <@U0REQUESTER> · ${SLACK_AT}`],
  ] as const)('says a request was %s, by whom and when', (decision, by, line) => {
    expect(decidedLine(decision, [...by], at)).toBe(line);
  });

  it('gives a rejection’s reason on its own line, escaped', () => {
    expect(decidedLine('rejected', ['U0ANN'], at, HOSTILE)).toBe(
      `Rejected by <@U0ANN> · ${SLACK_AT}\nReason: ${HOSTILE_ESCAPED}`,
    );
  });

  it('does not mention anything that is not a user ID', () => {
    expect(decidedLine('approved', ['<!channel>'], at)).toBe(`Approved by &lt;!channel&gt; · ${SLACK_AT}`);
  });
});
