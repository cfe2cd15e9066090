import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, OPS_CHANNEL, REQUESTER, startHarness } from './harness.js';

describe('/snapshot-copy report', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("answers the requester, ephemerally, with the DR report of the config's policies as it stands", async () => {
    const ack = await h.send.command('report', REQUESTER, OPS_CHANNEL);
    expect(ack.status).toBe(200);
    const answer = await eventually(
      () => h.slack.callsTo('response_url').find((c) => String(c.args.text).startsWith('DR status report')),
      'the report',
    );
    expect(answer.args.response_type).toBe('ephemeral');
    // The demo policy prod-db-to-oregon covers four volumes tagged Backup=daily; none has a copy yet.
    expect(answer.args.text).toBe('DR status report: 1 missed, 0 at risk, 0 met');
    const blocks = JSON.stringify(answer.args.blocks);
    expect(blocks).toContain('prod-db-to-oregon');
    expect(blocks).toContain('No copy made by this policy yet');
    // Nothing was posted to a channel: the scheduled report is a separate thing.
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0DRSTATUS')).toEqual([]);
  });
});
