import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { APPROVER, eventually, type Harness, OPS_CHANNEL, REQUESTER, startHarness } from './harness.js';
import { responses } from './slack-actions.js';

function homeOpened(h: Harness, user: string) {
  return h.send.post(
    JSON.stringify({
      type: 'event_callback',
      team_id: 'T0TEST',
      api_app_id: 'A0TEST',
      event: {
        type: 'app_home_opened',
        user,
        channel: 'D0HOME',
        tab: 'home',
        event_ts: `${Date.now() / 1000}`,
      },
      event_id: `Ev${Math.random().toString(36).slice(2)}`,
      event_time: Math.floor(Date.now() / 1000),
    }),
    { contentType: 'application/json' },
  );
}

const published = (h: Harness, user: string) =>
  h.slack
    .callsTo('views.publish')
    .filter((c) => c.args.user_id === user)
    .map((c) => JSON.stringify(c.args.view));

describe('the App Home', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("shows the requester's requests and an approver's waiting approvals, with the buttons", async () => {
    await h.send.command(
      `${DEMO_SNAPSHOTS.unencrypted} to us-west-2 reason "before the migration"`,
      REQUESTER,
      OPS_CHANNEL,
    );
    await eventually(() => responses(h.slack).find((t) => t.includes('Filed *R-1*')), 'receipt');

    expect((await homeOpened(h, REQUESTER)).status).toBe(200);
    const mine = await eventually(
      () => published(h, REQUESTER).find((v) => v.includes('R-1')),
      'requester home',
    );
    expect(mine).toContain('Your recent requests');
    expect(mine).toContain('pending approval');

    await homeOpened(h, APPROVER);
    const theirs = await eventually(
      () => published(h, APPROVER).find((v) => v.includes('approve_copy')),
      'approver home',
    );
    expect(theirs).toContain('Waiting for your approval');
    expect(theirs).toContain(DEMO_SNAPSHOTS.unencrypted);
    // What waits says for how long, and why it was asked for.
    expect(theirs).toMatch(/\*R-1\* waiting for \d+ ?s/);
    expect(theirs).toContain('Reason: before the migration');
  });

  it('is republished for the people whose view changed when a request is filed', async () => {
    await h.send.command(`${DEMO_SNAPSHOTS.unencrypted} to us-west-2`, REQUESTER, OPS_CHANNEL);
    await eventually(
      () => published(h, APPROVER).find((v) => v.includes('approve_copy')),
      'approver home refreshed',
    );
    await eventually(
      () => published(h, REQUESTER).find((v) => v.includes('R-1')),
      'requester home refreshed',
    );
  });
});
