/**
 * Socket Mode (SPEC §2: the bot works in HTTP mode and in Socket Mode): the bot asks the Web API
 * for a WebSocket URL (apps.connections.open, through SLACK_API_URL), connects, and acks every
 * envelope over the socket — commands with their ephemeral answer as the ack's payload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { SocketModeStandIn } from '../support/slack-socket.js';
import { APPROVER, eventually, type Harness, OPS_CHANNEL, REQUESTER, startHarness } from './harness.js';
import { approvalCard, clickPayload, responses } from './slack-actions.js';

const APP_TOKEN = 'xapp-1-A0TEST-1-sockettoken';

describe('the bot in Socket Mode', () => {
  let h: Harness;
  let socket: SocketModeStandIn;

  beforeAll(async () => {
    h = await startHarness({
      env: { SLACK_APP_TOKEN: APP_TOKEN },
      beforeBot: async (slack) => {
        socket = await new SocketModeStandIn(slack).start();
      },
    });
    await socket.connected();
  });
  afterAll(async () => {
    await h?.close();
    await socket?.close();
  });

  const command = (text: string) =>
    socket.send('slash_commands', {
      token: 'legacy',
      team_id: 'T0TEST',
      team_domain: 'test',
      channel_id: OPS_CHANNEL,
      channel_name: 'ops',
      user_id: REQUESTER,
      user_name: 'requester',
      command: '/snapshot-copy',
      text,
      api_app_id: 'A0TEST',
      response_url: h.slack.responseUrl(),
      trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    });

  it('opens its connection with the app-level token through the configured Web API', () => {
    const open = h.slack.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(socket.connections).toBe(1);
  });

  it('answers help in the ack itself, ephemerally', async () => {
    const ack = await command('help');
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(String(ack.payload?.text)).toContain('/snapshot-copy');
  });

  it('files, approves and copies a request with everything arriving over the socket', async () => {
    const ack = await command(`${DEMO_SNAPSHOTS.unencrypted} to us-west-2`);
    expect(ack.payload?.text).toContain('Checking the source snapshots');
    await eventually(() => responses(h.slack).find((t) => t.includes('Filed *R-1*')), 'the receipt');

    const card = await approvalCard(h.slack, 1);
    const clickAck = await socket.send('interactive', clickPayload(card, APPROVER, 'approve_copy', 'R-1'));
    expect(clickAck.envelope_id).toBeDefined();
    await eventually(
      async () => (await h.bot.store.getRequest(1))?.state === 'completed',
      'R-1 completed',
      15_000,
    );
    const copy = h.sim.calls.find((c) => c.action === 'CopySnapshot' && !c.dryRun);
    expect(copy?.params.SourceSnapshotId).toBe(DEMO_SNAPSHOTS.unencrypted);
  });
});
