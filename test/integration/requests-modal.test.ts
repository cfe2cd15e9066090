import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { eventually, type Harness, OPS_CHANNEL, REQUESTER } from './harness.js';
import {
  command,
  type ModalInput,
  mutatingCalls,
  requestMessage,
  settle,
  shown,
  startRequestsHarness,
  submitModal,
} from './requests-support.js';
import { approvalCard } from './slack-actions.js';

const SNAP = DEMO_SNAPSHOTS.unencrypted;
const FIELDS = [
  'sources',
  'source_account',
  'source_region',
  'destination_regions',
  'destination_account',
  'kms_key',
  'encrypt',
  'within',
  'note',
  'tags',
  'reason',
  'lock_days',
  'lock_mode',
];

const valid: ModalInput = {
  sources: SNAP,
  source_account: 'prod',
  source_region: 'us-east-1',
  destination_regions: ['us-west-2'],
};

/** What the requester alone saw in `channel` (chat.postEphemeral). */
function ephemeralTo(h: Harness, user: string, channel: string): string[] {
  return h.slack
    .callsTo('chat.postEphemeral')
    .filter((c) => c.args.user === user && c.args.channel === channel)
    .map((c) => String(c.args.text));
}

/** The DM the bot sent the requester (conversations.open, then a post to the DM channel). */
function dmTo(h: Harness, user: string): string[] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === `D${user}`)
    .map((c) => String(c.args.text));
}

describe('the request form', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startRequestsHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('opens with views.open on a bare /snapshot-copy, with the fields of SPEC §4', async () => {
    const ack = await command(h, '');
    expect(ack.body).toEqual({});
    const open = await eventually(() => h.slack.callsTo('views.open')[0], 'views.open');
    expect(String(open.args.trigger_id)).toMatch(/^trigger-/);
    const view = open.args.view as {
      callback_id: string;
      private_metadata: string;
      blocks: Array<{
        block_id: string;
        optional?: boolean;
        element: { action_id: string; type: string; options?: Array<{ value: string }> };
      }>;
    };
    expect(view.callback_id).toBe('snapshot_copy_request');
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: OPS_CHANNEL });
    expect(view.blocks.map((b) => b.block_id)).toEqual(FIELDS);
    for (const b of view.blocks) expect(b.element.action_id).toBe(b.block_id);
    const block = (id: string) => view.blocks.find((b) => b.block_id === id)!;
    expect(block('sources').element.type).toBe('plain_text_input');
    expect(block('source_account').element.type).toBe('static_select');
    expect(block('source_account').element.options?.map((o) => o.value)).toEqual([
      'prod',
      'audit',
      'staging',
    ]);
    expect(block('source_region').element.options?.map((o) => o.value)).toEqual([
      'eu-west-1',
      'us-east-1',
      'us-west-2',
    ]);
    expect(block('destination_regions').element.type).toBe('multi_static_select');
    expect(block('destination_account').optional).toBe(true);
    expect(block('encrypt').element.type).toBe('checkboxes');
    for (const id of ['kms_key', 'encrypt', 'within', 'note', 'tags']) expect(block(id).optional).toBe(true);
    expect(h.sim.calls).toEqual([]);
  });

  it('files a submitted form and tells the requester, ephemerally, in the channel it was opened from', async () => {
    const answer = await submitModal(h, {
      ...valid,
      destination_account: 'audit',
      destination_regions: ['us-west-2', 'eu-west-1'],
      encrypt: true,
      within: '1h',
      note: 'from the form',
      tags: 'Team=sre\nEnv=prod\n',
    });
    expect(answer).toEqual({});

    const receipt = await eventually(
      () => ephemeralTo(h, REQUESTER, OPS_CHANNEL).find((t) => t.includes('Filed *R-1*')),
      'ephemeral receipt',
    );
    expect(dmTo(h, REQUESTER)).toEqual([]);
    expect(receipt).toContain('waiting for 1 approval');
    expect(await h.bot.store.getRequest(1)).toMatchObject({
      state: 'pending_approval',
      requesterId: REQUESTER,
      originChannel: OPS_CHANNEL,
      crossAccount: true,
      resolved: {
        sourceAccount: 'prod',
        sourceRegion: 'us-east-1',
        destinationAccount: 'audit',
        destinationRegions: ['us-west-2', 'eu-west-1'],
        encrypt: true,
        withinMinutes: 60,
        note: 'from the form',
        tags: [
          { key: 'Team', value: 'sre' },
          { key: 'Env', value: 'prod' },
        ],
      },
    });
    expect(await h.bot.store.getCopies(1)).toHaveLength(2);
    expect(shown(await requestMessage(h, 1))).toContain('from the form');
    expect(shown((await approvalCard(h.slack, 1)).call)).toContain('Time-based copy: within 60 minutes');
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('shows grammar problems on their fields with response_action: errors, filing nothing', async () => {
    const answer = await submitModal(h, {
      ...valid,
      sources: 'snap-123, snap-0a0000000000000a1',
      kms_key: 'not a key',
      within: '5m',
      note: '   ',
      tags: 'Team=sre\naws:owner=me',
    });
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors ?? {}).sort()).toEqual(['kms_key', 'sources', 'tags', 'within']);
    expect(answer.errors?.sources).toContain('"snap-123" is not a snapshot ID');
    expect(answer.errors?.kms_key).toContain('is not a KMS key');
    expect(answer.errors?.within).toContain('out of range');
    expect(answer.errors?.tags).toContain('starts with aws:');

    const empty = await submitModal(h, { source_account: 'prod', source_region: 'us-east-1' });
    expect(empty.response_action).toBe('errors');
    expect(Object.keys(empty.errors ?? {}).sort()).toEqual(['destination_regions', 'sources']);

    await settle();
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(h.sim.calls).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('shows configuration problems on the account and Region fields', async () => {
    const regions = await submitModal(h, {
      ...valid,
      source_region: 'eu-west-1',
      destination_regions: ['eu-west-1'],
    });
    expect(regions.response_action).toBe('errors');
    expect(regions.errors).toEqual({
      source_region: 'account prod may not use eu-west-1 (its Regions: us-east-1, us-west-2)',
      destination_regions: 'account prod may not use eu-west-1 (its Regions: us-east-1, us-west-2)',
    });

    // Option values are ours, but a forged payload can name anything.
    const forged = await submitModal(h, { ...valid, destination_account: 'finance' });
    expect(forged.errors?.destination_account).toContain('is not a configured account');

    await settle();
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(h.sim.calls).toEqual([]);
  });

  it('tells the requester, ephemerally, when AWS does not have the source, filing nothing', async () => {
    expect(await submitModal(h, { ...valid, sources: 'snap-0123456789abcdef0' })).toEqual({});
    const problem = await eventually(
      () => ephemeralTo(h, REQUESTER, OPS_CHANNEL).find((t) => t.includes('nothing was filed')),
      'the problem, ephemerally',
    );
    expect(problem).toContain('snap-0123456789abcdef0 was not found');
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('falls back to a DM for the receipt and the request message when the form carries no usable channel', async () => {
    await submitModal(h, valid, { privateMetadata: 'garbage' });
    await eventually(() => dmTo(h, REQUESTER).find((t) => t.includes('Filed *R-1*')), 'receipt');
    expect((await h.bot.store.getRequest(1))?.originChannel).toBe(REQUESTER);
  });
});
