import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import type { Harness } from './harness.js';
import { command, settle, startRequestsHarness } from './requests-support.js';

const SNAP = DEMO_SNAPSHOTS.unencrypted;

/** Nothing in this file is ever filed, so one bot serves every case. */
describe('bad input to /snapshot-copy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startRequestsHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    h.sim.clearCalls();
  });

  it.each([
    ['a malformed snapshot ID', 'snap-12345 to us-west-2', '`snap-12345` is not a snapshot ID'],
    [
      'an unknown Region',
      `${SNAP} to us-wset-2`,
      '`us-wset-2` is not an AWS Region (did you mean `us-west-2`?)',
    ],
    ['an unknown source Region', `${SNAP} from mars-1 to us-west-2`, '`mars-1` is not an AWS Region'],
    [
      'an unknown account',
      `${SNAP} to us-west-2 to-account finance`,
      '`finance` is not a configured account (configured: prod, audit, staging)',
    ],
    [
      'an unknown account ID',
      `${SNAP} account 444444444444 to us-west-2`,
      '`444444444444` is not a configured account',
    ],
    [
      'a Region the destination account may not use',
      `${SNAP} to eu-west-1`,
      'account prod may not use eu-west-1 (its Regions: us-east-1, us-west-2)',
    ],
    [
      'a Region the source account may not use',
      `${SNAP} account audit from us-east-1 to us-west-2`,
      'account audit may not use us-east-1',
    ],
    ['a bad key format', `${SNAP} to us-west-2 kms not-a-key`, '`not-a-key` is not a KMS key'],
    [
      'a key ARN of another Region',
      `${SNAP} to us-west-2 kms arn:aws:kms:us-east-1:111111111111:alias/dr`,
      'is in us-east-1 but copies go to us-west-2',
    ],
    [
      '`within` below 15 minutes',
      `${SNAP} to us-west-2 within 10m`,
      'within `10m` is out of range: 15m … 48h',
    ],
    ['`within` above 48 hours', `${SNAP} to us-west-2 within 49h`, 'within `49h` is out of range: 15m … 48h'],
    [
      '`within` off the 15-minute steps',
      `${SNAP} to us-west-2 within 20m`,
      'must be a multiple of 15 minutes',
    ],
    ['an unknown option', `${SNAP} to us-west-2 colour blue`, '`colour` is not an option'],
    ['no destination', `${SNAP} from us-east-1`, 'missing `to <region>`'],
    ['a reserved tag key', `${SNAP} to us-west-2 tag aws:x=1`, 'starts with aws:, which AWS reserves'],
  ])(
    'refuses %s with an ephemeral error and the usage line, filing nothing',
    async (_what, text, problem) => {
      const slackBefore = h.slack.calls.length;
      const ack = await command(h, text);
      expect(ack.body.response_type).toBe('ephemeral');
      const answer = ack.body.text ?? '';
      expect(answer).toContain(problem.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
      expect(answer).toContain('nothing was filed');
      expect(answer).toContain('Usage: /snapshot-copy &lt;snap-…');

      await settle(250);
      expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
      expect(h.sim.calls).toEqual([]);
      // The ack carried the whole answer: no follow-up through response_url, no message anywhere.
      const after = h.slack.calls.slice(slackBefore).map((c) => c.method);
      expect(after.filter((m) => m === 'response_url' || /^(chat|views)\./.test(m))).toEqual([]);
    },
  );

  it('names every problem of a request at once', async () => {
    const ack = await command(h, 'snap-xyz to us-wset-2 within 5m colour blue');
    const answer = ack.body.text ?? '';
    expect(answer).toContain('That request has 4 problems; nothing was filed.');
    for (const p of ['`snap-xyz`', '`us-wset-2`', 'within `5m`', '`colour`']) expect(answer).toContain(p);
  });

  it('escapes what the user typed when echoing it back', async () => {
    const ack = await command(h, `${SNAP} to us-west-2 <!channel>`);
    const answer = ack.body.text ?? '';
    expect(answer).toContain('`&lt;!channel&gt;` is not an option');
    expect(answer).not.toContain('<!channel>');
  });

  it('answers help with the usage, ephemerally', async () => {
    const ack = await command(h, 'help');
    expect(ack.body.response_type).toBe('ephemeral');
    expect(ack.body.text).toContain('/snapshot-copy status [R-&lt;n&gt;]');
    expect(ack.body.text).toContain('within &lt;N&gt;m|&lt;N&gt;h');
  });

  it('refuses cancel and status of something that is not a request number', async () => {
    const ack = await command(h, 'cancel 12');
    expect(ack.body.text).toContain('`12` is not a request number');
    const status = await command(h, 'status R-x');
    expect(status.body.text).toContain('`R-x` is not a request number');
  });
});
