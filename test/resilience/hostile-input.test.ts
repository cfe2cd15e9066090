/**
 * Guarantee 5: hostile input. Property-based tests (fast-check) drive the running bot with signed
 * Slack requests — commands built from the grammar's words mixed with injection payloads and
 * noise, and modal submissions with hostile field values — and check that it never crashes (always
 * HTTP 200 with an answer), files nothing from invalid input, calls nothing on AWS that changes
 * anything, and escapes every piece of user text it shows. Forged, replayed and tampered requests
 * are refused with 401; button values that name other requests approve nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import {
  APPROVALS_CHANNEL,
  APPROVER,
  type Harness,
  OPS_CHANNEL,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
} from '../integration/harness.js';
import { approvalCard, click, responses } from '../integration/slack-actions.js';
import { type ModalInput, modalValues } from '../support/slack-modal.js';
import { SlackSender } from '../support/slack-signed.js';
import { eventually, sleep } from './support.js';

const MUTATING = ['CopySnapshot', 'ModifySnapshotAttribute', 'CreateTags', 'DeleteSnapshot'];

/** What user text may try to make Slack do: ping everyone, mention someone, show a disguised link. */
const INJECTIONS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0VICTIM>',
  '<#C0SECRET>',
  '<http://evil.example|click me>',
  '<!subteam^S0ADMINS>',
];
/** Raw forms that must never reach Slack from user text (their escaped forms, &lt;…&gt;, are fine). */
const RAW =
  /<!channel>|<!here>|<!everyone>|<@U0VICTIM>|<#C0SECRET>|<http:\/\/evil\.example|<!subteam\^S0ADMINS>/;

/** Words of the grammar and near misses; any text built from them plus one invalid token is invalid. */
const WORDS = [
  DEMO_SNAPSHOTS.unencrypted,
  'snap-0123456789abcdef0', // well-formed, does not exist
  'tag:Group=db-cluster-1',
  'to',
  'from',
  'us-west-2',
  'eu-west-1',
  'account',
  'to-account',
  'prod',
  'audit',
  'kms',
  'alias/dr',
  'encrypt',
  'within',
  '1h',
  'note',
  '"a note"',
  'tag',
  'Team=sre',
  'status',
  'cancel',
  'R-1',
  ',',
  '&',
  '&amp;',
  '<',
  '>',
];
/** Each of these makes a command invalid wherever it stands outside a quoted note. */
const INVALID = [
  'snap-<!channel>',
  'snap-12',
  'mars-1',
  '--force',
  'within 10m',
  'within 49h',
  'to-account nobody',
  'tag aws:x=1',
  'kms not-a-key',
  `note "${'x'.repeat(300)}"`,
  ...INJECTIONS,
  ...INJECTIONS.map((i) => `tag K=${i}`),
  ...INJECTIONS.map((i) => `snap-0123456789abcdef0 to ${i}`),
  ...INJECTIONS.map((i) => `account ${i}`),
];

const noQuotes = fc.string({ maxLength: 12 }).map((s) => s.replaceAll('"', ''));
const invalidCommand = fc
  .tuple(
    fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom(...INJECTIONS), noQuotes), { maxLength: 8 }),
    fc.constantFrom(...INVALID),
    fc.nat(),
  )
  .map(([words, bad, at]) => {
    const i = words.length === 0 ? 0 : at % (words.length + 1);
    return [...words.slice(0, i), bad, ...words.slice(i)].join(' ');
  });

const hostileText = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(...WORDS),
);
/** Every generated form has at least one field no valid request can have. */
const invalidModal = fc
  .record({
    sources: fc.oneof(fc.constant(DEMO_SNAPSHOTS.unencrypted), hostileText),
    source_account: fc.oneof(fc.constantFrom('prod', 'audit', 'staging'), hostileText),
    source_region: fc.oneof(fc.constantFrom('us-east-1', 'us-west-2'), hostileText),
    destination_regions: fc.array(fc.oneof(fc.constantFrom('us-west-2', 'eu-west-1'), hostileText), {
      maxLength: 3,
    }),
    destination_account: fc.option(fc.oneof(fc.constantFrom('audit', 'staging'), hostileText), {
      nil: undefined,
    }),
    kms_key: fc.option(hostileText, { nil: undefined }),
    encrypt: fc.boolean(),
    within: fc.option(fc.oneof(fc.constantFrom('1h', '15m'), hostileText), { nil: undefined }),
    note: fc.option(hostileText, { nil: undefined }),
    tags: fc.option(
      fc.oneof(
        hostileText,
        hostileText.map((t) => `K=${t}\nTeam=sre`),
      ),
      { nil: undefined },
    ),
    poison: fc.constantFrom<Array<keyof ModalInput>>('sources', 'source_region', 'within', 'kms_key', 'tags'),
    injection: fc.constantFrom(...INJECTIONS),
  })
  .map(({ poison, injection, ...m }): ModalInput => {
    const bad: Record<string, unknown> = {
      sources: `snap-${injection}`,
      source_region: injection,
      within: `${injection} 10m`,
      kms_key: `not a key ${injection}`,
      tags: `aws:${injection}=1`,
    };
    return { ...m, [poison]: bad[poison] };
  });

describe('hostile input to the running bot', () => {
  let h: Harness;
  const acks: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ pollIntervalMs: 300 });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  /** Everything the bot said: its HTTP answers and every Slack Web API / response_url call. */
  const everythingSaid = () => [...acks, ...h.slack.calls.map((c) => JSON.stringify(c.args))];

  it('answers every invalid command with 200 and an escaped problem, and files nothing', async () => {
    await fc.assert(
      fc.asyncProperty(invalidCommand, async (text) => {
        const res = await h.send.command(text, REQUESTER, OPS_CHANNEL);
        acks.push(res.text);
        expect(res.status).toBe(200);
        expect(res.text.length).toBeGreaterThan(0);
        expect(res.text).not.toMatch(RAW);
      }),
      { numRuns: 120, seed: 6 },
    );
    await sleep(1_500); // answers that follow the ack (AWS look-ups) arrive meanwhile
    expect(everythingSaid().filter((t) => RAW.test(t))).toEqual([]);
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(h.sim.calls.filter((c) => MUTATING.includes(c.action) && !c.dryRun)).toEqual([]);
  }, 60_000);

  it('answers every invalid form with field errors and files nothing', async () => {
    await fc.assert(
      fc.asyncProperty(invalidModal, fc.boolean(), async (modal, garbleMetadata) => {
        const res = await h.send.interaction({
          type: 'view_submission',
          team: { id: 'T0TEST', domain: 'test' },
          user: { id: REQUESTER, username: 'requester', team_id: 'T0TEST' },
          api_app_id: 'A0TEST',
          token: 'legacy',
          trigger_id: 'trigger-hostile',
          view: {
            id: 'V0TEST',
            team_id: 'T0TEST',
            type: 'modal',
            callback_id: 'snapshot_copy_request',
            private_metadata: garbleMetadata
              ? '{"channel": "<!channel>"'
              : JSON.stringify({ channel: OPS_CHANNEL }),
            blocks: [],
            state: { values: modalValues(modal) },
            hash: 'h',
            title: { type: 'plain_text', text: 'Copy EBS snapshots' },
          },
          response_urls: [],
        });
        // Field errors are plain text shown only to the submitter, under the field: no mrkdwn,
        // so no mention or link can fire there; they are not part of the escaping check.
        expect(res.status).toBe(200);
        const answer = res.json() as
          | { response_action?: string; errors?: Record<string, string> }
          | undefined;
        expect(answer?.response_action).toBe('errors');
        expect(Object.keys(answer?.errors ?? {}).length).toBeGreaterThan(0);
      }),
      { numRuns: 80, seed: 6 },
    );
    await sleep(1_000);
    expect(everythingSaid().filter((t) => RAW.test(t))).toEqual([]);
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(h.sim.calls.filter((c) => MUTATING.includes(c.action) && !c.dryRun)).toEqual([]);
  }, 60_000);

  it('refuses forged, replayed and tampered requests with 401 and acts on none', async () => {
    const base = `http://127.0.0.1:${h.bot.port}`;
    const valid = new URLSearchParams({
      command: '/snapshot-copy',
      text: `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2`,
      user_id: REQUESTER,
      channel_id: OPS_CHANNEL,
      team_id: 'T0TEST',
      response_url: h.slack.responseUrl(),
      trigger_id: 'trigger-forged',
    }).toString();
    const before = h.slack.calls.length;

    const forged = await new SlackSender(base, 'not-the-signing-secret').post(valid);
    expect(forged.status).toBe(401);

    const replayed = await h.send.post(valid, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(replayed.status).toBe(401);

    // Signed for one body, sent with another (a different snapshot and requester).
    const signer = new SlackSender(base, SIGNING_SECRET);
    const tampered = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signer.sign(valid) },
      body: valid.replace(REQUESTER, 'U0MALLORY'),
    });
    expect(tampered.status).toBe(401);

    const unsigned = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: valid,
    });
    expect(unsigned.status).toBe(401);

    await sleep(500);
    expect(h.slack.calls.length).toBe(before);
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
  });

  it('escapes hostile text of valid requests wherever it is shown (request message, card, thread)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(INJECTIONS, { minLength: 1 }),
        fc.string({ maxLength: 10 }),
        async (bits, noise) => {
          const note = `${bits.join(' ')} ${noise.replaceAll('"', '')}`.slice(0, 200);
          const res = await h.send.command(
            `${DEMO_SNAPSHOTS.unencrypted} from us-east-1 to us-west-2 note "${note}"`,
            REQUESTER,
            OPS_CHANNEL,
          );
          expect(res.status).toBe(200);
          expect(res.text).not.toMatch(RAW);
        },
      ),
      { numRuns: 5, seed: 6 },
    );
    // Five requests filed: their messages and cards show the note, escaped.
    await eventually(
      () =>
        h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === APPROVALS_CHANNEL).length >= 5,
      'five approval cards',
      20_000,
    );
    expect(everythingSaid().filter((t) => RAW.test(t))).toEqual([]);
    expect(JSON.stringify(h.slack.calls)).toContain('&lt;!channel&gt;');
  }, 60_000);

  it('approves nothing through button values that name other requests or are altered', async () => {
    for (const [n, snap] of [
      [6, DEMO_SNAPSHOTS.unencrypted],
      [7, DEMO_SNAPSHOTS.prodWest],
    ] as const) {
      await h.send.command(
        `${snap} from ${n === 6 ? 'us-east-1' : 'us-west-2'} to eu-west-1 to-account staging`,
        REQUESTER,
        OPS_CHANNEL,
      );
      await eventually(() => responses(h.slack).some((t) => t.includes(`Filed *R-${n}*`)), `R-${n} filed`);
    }
    const card1 = await approvalCard(h.slack, 6);
    const card2 = await approvalCard(h.slack, 7);

    // The approver's clicks on R-6's card carrying anything but R-6's own value.
    const altered = fc
      .oneof(
        fc.constantFrom('R-7', 'R-1', 'R-999', 'R-0', 'R--6', 'R-6 R-7', 'R-7\nR-6', '', ...INJECTIONS),
        fc.string({ maxLength: 12 }),
        fc.nat().map((k) => `R-${k + 7}`),
      )
      .filter((v) => !/^\s*r-0*6\s*$/i.test(v));
    await fc.assert(
      fc.asyncProperty(
        altered,
        fc.constantFrom('approve_copy', 'reject_copy') as fc.Arbitrary<'approve_copy' | 'reject_copy'>,
        async (value, action) => {
          const res = await click(h.send, card1, APPROVER, action, value);
          expect(res.status).toBe(200);
        },
      ),
      { numRuns: 40, seed: 6 },
    );
    // R-7's card clicked by someone who may not approve, and by the requester themself.
    await click(h.send, card2, 'U0NOTANAPPROVER', 'approve_copy', 'R-7');
    await click(h.send, card2, REQUESTER, 'approve_copy', 'R-7');
    // A message that is not R-7's card (a forged container) naming R-7.
    await click(h.send, { channel: APPROVALS_CHANNEL, ts: '1.000001' }, APPROVER, 'approve_copy', 'R-7');
    await sleep(1_000);

    for (const n of [6, 7]) {
      expect((await h.bot.store.getRequest(n))?.state).toBe('pending_approval');
      expect(await h.bot.store.listDecisions(n)).toEqual([]);
    }
    expect(h.sim.calls.filter((c) => MUTATING.includes(c.action) && !c.dryRun)).toEqual([]);
    expect(everythingSaid().filter((t) => RAW.test(t))).toEqual([]);

    // The right click still works: the guard refuses only what it should.
    await click(h.send, card1, APPROVER, 'approve_copy', 'R-6');
    await eventually(
      async () => (await h.bot.store.getRequest(6))?.state !== 'pending_approval',
      'R-6 approved',
    );
  }, 60_000);
});
