import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { APPROVER, eventually, type Harness, testConfigYaml } from './harness.js';
import {
  command,
  fileRequest,
  mutatingCalls,
  requestMessage,
  settle,
  shown,
  startRequestsHarness,
  submitModal,
} from './requests-support.js';
import { approvalCard, click, tagsOf } from './slack-actions.js';

const SNAP = DEMO_SNAPSHOTS.unencrypted;

/** Cross-account copies must say why (SPEC §3's `requireReason`). */
const reasonForCrossAccount = () =>
  testConfigYaml((y) =>
    y.replace(/(crossAccount: true \}\n\s+required: 1)/, '$1\n      requireReason: true'),
  );

describe('the reason of a request', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('is on the card, the request message, the audit log, the database and the copy’s tags', async () => {
    h = await startRequestsHarness();
    const n = await fileRequest(h, `${SNAP} to us-west-2 reason "DR drill <Q3> & audit"`);
    expect((await h.bot.store.getRequest(n))?.resolved.reason).toBe('DR drill <Q3> & audit');

    const card = await approvalCard(h.slack, n);
    expect(shown(card.call)).toContain('Reason: DR drill &lt;Q3&gt; &amp; audit');
    expect(shown(await requestMessage(h, n))).toContain('Reason: DR drill &lt;Q3&gt; &amp; audit');
    const filed = (await h.bot.store.listAudit({ requestNumber: n })).find(
      (a) => a.action === 'request.filed',
    );
    expect(filed?.detail).toMatchObject({ reason: 'DR drill <Q3> & audit' });

    await click(h.send, card, APPROVER, 'approve_copy', `R-${n}`);
    const copy = await eventually(
      () => h.sim.calls.find((c) => c.action === 'CopySnapshot' && c.outcome === 'ok'),
      'the copy starts',
    );
    expect(tagsOf(copy.params)['snapshot-copy:reason']).toBe('DR drill <Q3> & audit');
  });

  it('is not tagged when longer than a tag value (256 characters), and still shown on the card', async () => {
    h = await startRequestsHarness();
    const long = `${'because '.repeat(40)}end`;
    const n = await fileRequest(h, `${SNAP} to us-west-2 reason "${long}"`);
    const card = await approvalCard(h.slack, n);
    expect(shown(card.call)).toContain(long);
    await click(h.send, card, APPROVER, 'approve_copy', `R-${n}`);
    const copy = await eventually(
      () => h.sim.calls.find((c) => c.action === 'CopySnapshot' && c.outcome === 'ok'),
      'the copy starts',
    );
    expect(tagsOf(copy.params)).not.toHaveProperty('snapshot-copy:reason');
    expect(tagsOf(copy.params)).toHaveProperty('snapshot-copy:request', `R-${n}`);
  });

  it('comes from the form’s reason field', async () => {
    h = await startRequestsHarness();
    expect(
      await submitModal(h, { sources: SNAP, destination_regions: ['us-west-2'], reason: 'restore test' }),
    ).toEqual({});
    await eventually(
      async () => (await h.bot.store.getRequest(1))?.resolved.reason === 'restore test',
      'filed',
    );
  });

  it('longer than 500 characters is refused with the usage, nothing filed', async () => {
    h = await startRequestsHarness();
    const ack = await command(h, `${SNAP} to us-west-2 reason "${'x'.repeat(501)}"`);
    expect(ack.body.text).toContain('the reason is 501 characters long; at most 500 are allowed');
    await settle();
    expect(await h.bot.store.getRequest(1)).toBeUndefined();
  });

  it('missing where a rule requires one: refused at once, naming the rule; nothing filed, nothing done in AWS', async () => {
    h = await startRequestsHarness({ configYaml: reasonForCrossAccount() });
    const ack = await command(h, `${SNAP} to us-west-2 to-account audit`);
    expect(ack.body.response_type).toBe('ephemeral');
    expect(ack.body.text).toContain('approvals.rules[0] (crossAccount: true) requires a reason');
    expect(ack.body.text).toContain('Usage:');

    const form = await submitModal(h, {
      sources: SNAP,
      destination_regions: ['us-west-2'],
      destination_account: 'audit',
    });
    expect(form).toMatchObject({
      response_action: 'errors',
      errors: {
        reason: expect.stringContaining('approvals.rules[0] (crossAccount: true) requires a reason'),
      },
    });
    await settle();
    expect(await h.bot.store.getRequest(1)).toBeUndefined();
    expect(mutatingCalls(h)).toEqual([]);

    // Within one account the rule does not match; with a reason the cross-account copy is filed.
    await fileRequest(h, `${SNAP} to us-west-2`);
    const n = await fileRequest(h, `${SNAP} to us-west-2 to-account audit reason "audit evidence"`);
    expect((await h.bot.store.getRequest(n))?.resolved.reason).toBe('audit evidence');
  });
});
