import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_KEYS, DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { AUDIT, copiesEnded, fileApproved, PROD, repliesMatching, simCopiesIn } from './engine-support.js';
import { eventually, type Harness, REQUESTER, startHarness } from './harness.js';

describe('copy failures and AWS trouble', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('explains a key-permission failure: the key, the account and role, the KMS actions, the key policy, the requester', async () => {
    h = await startHarness();
    const snap = DEMO_SNAPSHOTS.restrictedKey;
    const n = await fileApproved(h, `${snap} from us-east-1 to us-west-2 to-account audit`);
    const [copy] = await copiesEnded(h, n);
    expect(copy?.state).toBe('failed');
    expect(copy?.failure?.code).toBe('key-not-accessible');
    expect(copy?.failure?.message).toBe('Given key ID is not accessible');
    const made = simCopiesIn(h, AUDIT, 'us-west-2');
    expect(made[0]?.keyFailure).toBe('source-key');

    const reply = await eventually(
      () => repliesMatching(h!, /failed: the KMS key is not accessible/)[0],
      'the key-permission failure reply',
    );
    expect(reply).toContain(`<@${REQUESTER}>`);
    expect(reply).toContain(snap);
    expect(reply).toContain(DEMO_KEYS.prodRestricted);
    expect(reply).toContain('alias/audit-ebs');
    expect(reply).toContain(AUDIT);
    expect(reply).toContain(`arn:aws:iam::${AUDIT}:role/snapshot-copy-bot`);
    for (const action of [
      'kms:DescribeKey',
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:ReEncrypt*',
      'kms:GenerateDataKeyWithoutPlaintext',
    ])
      expect(reply).toContain(action);
    expect(reply).toMatch(/key policy/i);
    expect(reply).toContain(`account ${PROD}`);

    // The share existed only for the copy: it is removed after the failure too.
    await eventually(
      () => h!.sim.world.snapshot(snap)?.sharedWith.size === 0,
      'the share removed after the failure',
    );
    expect((await h.bot.store.getRequest(n))?.state).toBe('failed');
  });

  it('completes every copy when 30 % of AWS calls are throttled', async () => {
    h = await startHarness();
    h.sim.setThrottle({ rate: 0.3, seed: 7 });
    const n = await fileApproved(h, 'tag:Group=db-cluster-1 from us-east-1 to us-west-2');
    const copies = await copiesEnded(h, n, 60_000);
    expect(copies.map((c) => c.state)).toEqual(['completed', 'completed', 'completed']);
    expect((await h.bot.store.getRequest(n))?.state).toBe('completed');
    expect(h.sim.calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length).toBeGreaterThan(0);
    // Throttled CopySnapshot calls are retried (AWS did not act), yet each snapshot is copied once.
    expect(simCopiesIn(h, PROD, 'us-west-2')).toHaveLength(3);
    expect(repliesMatching(h, /^:x:|failed:/)).toEqual([]);
  }, 90_000);
});
