import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { APPROVER, APPROVER2, eventually, type Harness, testConfigYaml } from './harness.js';
import {
  fileRequest,
  requestMessage,
  responsesSince,
  settle,
  shown,
  startRequestsHarness,
} from './requests-support.js';
import { approvalCard, click } from './slack-actions.js';

/** 20 GiB, unencrypted, prod us-east-1. */
const SNAP = DEMO_SNAPSHOTS.unencrypted;

/**
 * Prices none of the defaults share, so every figure on the card proves the config was read:
 * 20 GiB moves for $2.00 (to us-west-2), is stored for $4.00/month, and costs $10.00 within 15
 * minutes or $5.00 within longer. A request over $5 one-off needs two approvals.
 */
const pricedConfig = () =>
  testConfigYaml(
    (y) =>
      `${y.replace(/(rules:\n)/, '$1    - when: { estimatedCostOverUsd: 5 }\n      required: 2\n')}pricing:
  transferPerGiB: 0.1
  transferOverrides:
    - { from: us-east-1, to: eu-west-1, perGiB: 0.04 }
  snapshotStoragePerGiBMonth: 0.2
  timeBasedCopyPerGiB:
    - { upToMinutes: 15, perGiB: 0.5 }
    - { upToMinutes: 2880, perGiB: 0.25 }
`,
  );

describe('the estimated cost on the approval card', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('shows transfer, time-based fee and storage at the configured prices, per copy and in total', async () => {
    h = await startRequestsHarness({ configYaml: pricedConfig() });

    // A full cross-Region copy: the whole volume leaves us-east-1.
    const full = await fileRequest(h, `${SNAP} to us-west-2`);
    const fullCard = shown((await approvalCard(h.slack, full)).call);
    expect(fullCard).toContain('Est. cost: $2.00 transfer, then $4.00/month storage');
    expect(fullCard).toContain('*Estimated cost* (estimate, USD): $2.00 transfer, then $4.00/month storage');
    expect(fullCard).toContain('Approvals 0/1');
    expect(shown(await requestMessage(h, full))).toContain(
      '*Estimated cost* (estimate, USD): $2.00 transfer, then $4.00/month storage',
    );

    // A pair with a price of its own (transferOverrides): 20 GiB × $0.04.
    const override = await fileRequest(h, `${SNAP} to eu-west-1 to-account audit`);
    expect(shown((await approvalCard(h.slack, override)).call)).toContain(
      'Est. cost: $0.80 transfer, then $4.00/month storage',
    );

    // A time-based copy: the fee of the tier of 120 minutes, on top of the transfer.
    const within = await fileRequest(h, `${SNAP} to us-west-2 within 2h`);
    expect(shown((await approvalCard(h.slack, within)).call)).toContain(
      '*Estimated cost* (estimate, USD): $2.00 transfer + $5.00 time-based = $7.00 one-off, then $4.00/month storage',
    );

    // A copy within one Region (re-encrypted, so full): nothing leaves the Region.
    const sameRegion = await fileRequest(h, `${SNAP} to us-east-1 encrypt`);
    const sameRegionCard = shown((await approvalCard(h.slack, sameRegion)).call);
    expect(sameRegionCard).toContain('*full copy*');
    expect(sameRegionCard).toContain('Est. cost: $0 transfer, then $4.00/month storage');

    // Once the volume has a copy in us-west-2, the next one is incremental: its figures depend on
    // the blocks changed since, which nobody knows before AWS copies them.
    await click(h.send, await approvalCard(h.slack, full), APPROVER, 'approve_copy', `R-${full}`);
    await eventually(
      async () => (await h.bot.store.getRequest(full))?.state === 'completed',
      'first copy done',
    );
    const incremental = await fileRequest(h, `${SNAP} to us-west-2`);
    const incrementalCard = shown((await approvalCard(h.slack, incremental)).call);
    expect(incrementalCard).toContain('incremental (only data changed since the previous copy)');
    expect(incrementalCard).toContain('Est. cost: transfer and storage depend on the changed blocks');
    expect(incrementalCard).toContain(
      '*Estimated cost* (estimate, USD): $0 transfer, then $0/month storage · plus the changed blocks of 1 incremental copy',
    );
  }, 30_000);

  it('raises the approvals needed when the one-off estimate is over a rule’s amount', async () => {
    h = await startRequestsHarness({ configYaml: pricedConfig() });

    // Within 15 minutes: $2.00 transfer + $10.00 fee = $12.00, over the rule's $5 (storage not counted).
    const before = h.slack.callsTo('response_url').length;
    const n = await fileRequest(h, `${SNAP} to us-west-2 within 15m`);
    expect(responsesSince(h, before).join('\n')).toContain('waiting for 2 approvals');
    const card = await approvalCard(h.slack, n);
    expect(shown(card.call)).toContain('$2.00 transfer + $10.00 time-based = $12.00 one-off');
    expect(shown(card.call)).toContain('Approvals 0/2');
    expect((await h.bot.store.getRequest(n))?.requiredApprovals).toBe(2);
    const filed = (await h.bot.store.listAudit({ requestNumber: n })).find(
      (a) => a.action === 'request.filed',
    );
    expect(filed?.detail).toMatchObject({ estimatedCostUsd: 12 });

    await click(h.send, card, APPROVER, 'approve_copy', `R-${n}`);
    await eventually(
      async () => (await h.bot.store.listDecisions(n)).length === 1,
      'first approval recorded',
    );
    await settle();
    expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
    expect(h.sim.calls.filter((c) => c.action === 'CopySnapshot' && !c.dryRun)).toEqual([]);

    await click(h.send, card, APPROVER2, 'approve_copy', `R-${n}`);
    await eventually(
      async () => (await h.bot.store.getRequest(n))?.state !== 'pending_approval',
      'approved by the second approver',
    );

    // The same copy without `within` is $2.00 one-off: the base requirement holds.
    const cheap = await fileRequest(h, `${SNAP} to us-west-2`);
    expect((await h.bot.store.getRequest(cheap))?.requiredApprovals).toBe(1);
  }, 30_000);

  it('refuses at filing a costly request without the reason a cost rule requires', async () => {
    h = await startRequestsHarness({
      configYaml: pricedConfig().replace(
        '- when: { estimatedCostOverUsd: 5 }\n      required: 2\n',
        '- when: { estimatedCostOverUsd: 5 }\n      required: 2\n      requireReason: true\n',
      ),
    });
    const before = h.slack.callsTo('response_url').length;
    await h.send.command(`${SNAP} to us-west-2 within 15m`, 'U0REQUESTER', 'C0OPS');
    const answer = await eventually(
      () => responsesSince(h, before).find((t) => t.includes('requires a reason')),
      'the refusal',
    );
    expect(answer).toContain('approvals.rules[0] (estimatedCostOverUsd: 5) requires a reason');
    expect(await h.bot.store.getRequest(1)).toBeUndefined();

    // Under the amount no reason is needed.
    const cheap = await fileRequest(h, `${SNAP} to us-west-2`);
    expect((await h.bot.store.getRequest(cheap))?.requiredApprovals).toBe(1);
  }, 30_000);
});
