import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_KEYS, DEMO_SNAPSHOTS } from '../../src/simulator/index.js';
import { APPROVALS_CHANNEL, APPROVER, eventually, type Harness, OPS_CHANNEL, REQUESTER } from './harness.js';
import {
  command,
  fileRequest,
  mutatingCalls,
  repliesTo,
  requestMessage,
  responsesSince,
  settle,
  shown,
  startRequestsHarness,
} from './requests-support.js';
import { approvalCard, click } from './slack-actions.js';

const SNAP = DEMO_SNAPSHOTS.unencrypted;

describe('filing a copy request', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startRequestsHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('files a one-line request: ephemeral receipt, request message, approval card, nothing changed in AWS', async () => {
    const ack = await command(
      h,
      `${SNAP} from us-east-1 to us-west-2 within 2h note "before migration" tag Team=sre`,
    );
    expect(ack.body).toMatchObject({ response_type: 'ephemeral' });
    expect(ack.body.text).toContain('Checking the source snapshots');

    const receipt = await eventually(
      () => responsesSince(h, 0).find((t) => t.includes('Filed *R-1*')),
      'receipt',
    );
    expect(receipt).toContain(`waiting for 1 approval in <#${APPROVALS_CHANNEL}>`);
    expect(h.slack.callsTo('response_url')[0]?.args).toMatchObject({
      response_type: 'ephemeral',
      replace_original: true,
    });

    const request = await h.bot.store.getRequest(1);
    expect(request).toMatchObject({
      state: 'pending_approval',
      requesterId: REQUESTER,
      originChannel: OPS_CHANNEL,
      requiredApprovals: 1,
      crossAccount: false,
    });
    expect(request?.resolved).toMatchObject({
      sourceAccount: 'prod',
      sourceRegion: 'us-east-1',
      destinationAccount: 'prod',
      destinationRegions: ['us-west-2'],
      withinMinutes: 120,
      note: 'before migration',
      tags: [{ key: 'Team', value: 'sre' }],
    });
    const copies = await h.bot.store.getCopies(1);
    expect(copies.map((c) => [c.source.snapshotId, c.destination.region, c.state])).toEqual([
      [SNAP, 'us-west-2', 'waiting'],
    ]);
    expect(await h.bot.store.listAudit({ requestNumber: 1 })).toEqual([
      expect.objectContaining({ actor: REQUESTER, action: 'request.filed' }),
    ]);

    // Reads only: the source in its account and Region, encryption defaults of the destination.
    const actions = new Set(h.sim.calls.map((c) => c.action));
    expect(actions).toContain('DescribeSnapshots');
    expect(actions).toContain('GetEbsEncryptionByDefault');
    expect(mutatingCalls(h)).toEqual([]);
    const describe = h.sim.calls.find((c) => c.action === 'DescribeSnapshots');
    expect(describe).toMatchObject({ accountId: DEMO_ACCOUNTS.prod, region: 'us-east-1', outcome: 'ok' });
    // CloudTrail shows who asked: the filing role sessions name the requester (SPEC §10).
    const sessions = h.sim.calls
      .filter((c) => c.action === 'AssumeRole')
      .map((c) => c.params.RoleSessionName);
    expect(sessions.length).toBeGreaterThan(0);
    expect(new Set(sessions)).toEqual(new Set([`snapshot-copy-filing-${REQUESTER}`]));

    const message = await requestMessage(h, 1);
    expect(shown(message)).toContain('waiting for approval (0/1)');
    expect(shown(message)).toContain(`<@${REQUESTER}>`);
    const posted = await eventually(
      async () => (await h.bot.store.getRequest(1))?.requestMessage ?? undefined,
      'request message ts stored',
    );
    expect(posted.channel).toBe(OPS_CHANNEL);

    const card = await approvalCard(h.slack, 1);
    const text = shown(card.call);
    expect(text).toContain(`from <@${REQUESTER}>`);
    expect(text).toContain('prod (111111111111) us-east-1 → prod (111111111111) us-west-2');
    expect(text).toContain(`\`${SNAP}\` · \`vol-0a0000000000000a1\` · 20 GiB · unencrypted`);
    expect(text).toContain(
      '→ us-west-2: unencrypted; *full copy* (first copy of this volume to us-west-2), moves 20 GiB',
    );
    expect(text).toContain('Full copies move *20 GiB* in total.');
    expect(text).toContain('Time-based copy: within 120 minutes');
    expect(text).toContain('Note: before migration');
    expect(text).toContain('`Team=sre`');
    expect(text).toContain('Approvals 0/1');
    const buttons = (card.call.args.blocks as Array<{ type: string; elements?: unknown[] }>).find(
      (b) => b.type === 'actions',
    )?.elements;
    expect(buttons).toEqual([
      expect.objectContaining({ action_id: 'approve_copy', value: 'R-1' }),
      expect.objectContaining({ action_id: 'reject_copy', value: 'R-1' }),
    ]);
    await eventually(
      async () => (await h.bot.store.getRequest(1))?.approvalCard?.ts === card.ts,
      "card's ts stored",
    );
  });

  it('shows the encryption outcome and the key of a cross-account copy on the card', async () => {
    await fileRequest(h, `${DEMO_SNAPSHOTS.customerKey} to us-west-2 to-account audit`);
    const card = shown((await approvalCard(h.slack, 1)).call);
    expect(card).toContain(
      'prod (111111111111) us-east-1 → audit (222222222222) us-west-2 · *cross-account*',
    );
    expect(card).toContain(`encrypted (\`arn:aws:kms:us-east-1:111111111111:key/${DEMO_KEYS.prodEbs}\`)`);
    // audit's configured key (kmsKeys) re-encrypts the copy with a key audit owns (SPEC §7).
    expect(card).toContain('→ us-west-2: encrypted with `alias/audit-ebs` (specified key)');
    expect(card).toContain('*full copy* (first copy of this volume to us-west-2), moves 40 GiB');
    expect((await h.bot.store.getCopies(1))[0]).toMatchObject({
      encrypted: true,
      kmsKeyId: 'alias/audit-ebs',
    });
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('files a tag:Group=db-cluster-1 group as one copy per volume', async () => {
    const n = await fileRequest(h, 'tag:Group=db-cluster-1 to us-west-2');
    const copies = await h.bot.store.getCopies(n);
    expect(
      copies.map((c) => [c.source.snapshotId, c.source.volumeId, c.source.sizeGiB, c.destination.region]),
    ).toEqual([
      [DEMO_SNAPSHOTS.dbCluster1[0], 'vol-0db0c1a5e00000001', 100, 'us-west-2'],
      [DEMO_SNAPSHOTS.dbCluster1[1], 'vol-0db0c1a5e00000002', 100, 'us-west-2'],
      [DEMO_SNAPSHOTS.dbCluster1[2], 'vol-0db0c1a5e00000003', 50, 'us-west-2'],
    ]);
    const card = shown((await approvalCard(h.slack, n)).call);
    for (const id of DEMO_SNAPSHOTS.dbCluster1) expect(card).toContain(id);
    expect(card).toContain('Full copies move *250 GiB* in total.');
    const message = shown(await requestMessage(h, n));
    expect(message).toContain('3 copies');
    // One tag-filtered look-up finds the group.
    const describes = h.sim.calls.filter((c) => c.action === 'DescribeSnapshots');
    expect(describes).toHaveLength(1);
    expect(JSON.stringify(describes[0]?.params)).toContain('db-cluster-1');
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('files one copy per snapshot and destination Region', async () => {
    const n = await fileRequest(
      h,
      `${SNAP}, ${DEMO_SNAPSHOTS.customerKey} to eu-west-1,us-west-2 to-account audit`,
    );
    const copies = await h.bot.store.getCopies(n);
    expect(copies.map((c) => `${c.source.snapshotId}>${c.destination.region}`).sort()).toEqual(
      [
        `${SNAP}>eu-west-1`,
        `${SNAP}>us-west-2`,
        `${DEMO_SNAPSHOTS.customerKey}>eu-west-1`,
        `${DEMO_SNAPSHOTS.customerKey}>us-west-2`,
      ].sort(),
    );
  });

  it('tells the requester a source does not exist, and files nothing', async () => {
    const ack = await command(h, 'snap-0123456789abcdef0 to us-west-2');
    expect(ack.body.text).toContain('Checking');
    const answer = await eventually(
      () => responsesSince(h, 0).find((t) => t.includes('nothing was filed')),
      'not-found answer',
    );
    expect(answer).toContain('snap-0123456789abcdef0 was not found in prod (111111111111) us-east-1');
    expect(answer).toContain('Usage: /snapshot-copy');
    expect(h.slack.callsTo('response_url')[0]?.args).toMatchObject({ response_type: 'ephemeral' });
    await settle();
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(mutatingCalls(h)).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('tells the requester a source is still pending, and files nothing', async () => {
    await command(h, `${DEMO_SNAPSHOTS.pending} to us-west-2`);
    const answer = await eventually(
      () => responsesSince(h, 0).find((t) => t.includes('nothing was filed')),
      'pending answer',
    );
    expect(answer).toContain(`${DEMO_SNAPSHOTS.pending} is pending: only completed snapshots can be copied`);
    await settle();
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(mutatingCalls(h)).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('tells the requester when a tag selects no snapshots, and files nothing', async () => {
    await command(h, 'tag:Group=db-cluster-9 to us-west-2');
    const answer = await eventually(
      () => responsesSince(h, 0).find((t) => t.includes('nothing was filed')),
      'no-match answer',
    );
    expect(answer).toContain('no snapshots tagged Group=db-cluster-9 in prod us-east-1');
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('refuses a cross-account copy of a snapshot the source account only has shared with it', async () => {
    await command(h, `${DEMO_SNAPSHOTS.sharedFromStaging} to us-west-2 to-account audit`);
    const answer = await eventually(
      () => responsesSince(h, 0).find((t) => t.includes('nothing was filed')),
      'refusal',
    );
    expect(answer).toContain(
      `${DEMO_SNAPSHOTS.sharedFromStaging} is owned by account ${DEMO_ACCOUNTS.staging}, not prod`,
    );
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it('refuses outright a cross-account copy of a snapshot under the AWS managed key aws/ebs', async () => {
    await command(h, `${DEMO_SNAPSHOTS.awsManagedKey} to us-west-2 to-account audit`);
    const answer = await eventually(
      () => responsesSince(h, 0).find((t) => t.includes('nothing was filed')),
      'refusal',
    );
    expect(answer).toContain(`${DEMO_SNAPSHOTS.awsManagedKey} is encrypted with the AWS managed key aws/ebs`);
    expect(answer).toContain('cannot be shared with another account');
    await settle();
    expect(await h.bot.store.listRequests({ limit: 10 })).toEqual([]);
    expect(mutatingCalls(h)).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('warns on the card and in the thread when the destination cannot read the requested key', async () => {
    const n = await fileRequest(h, `${SNAP} to us-west-2 kms alias/not-there`);
    const receipt = responsesSince(h, 0).find((t) => t.includes('Filed'));
    expect(receipt).toContain('1 pre-flight warning');
    const warning =
      'prod cannot read the destination key for us-west-2, alias/not-there (kms:DescribeKey failed';
    expect(shown((await approvalCard(h.slack, n)).call)).toContain(warning);
    const reply = await eventually(
      async () => (await repliesTo(h, n)).find((t) => t.includes(warning)),
      'warning in the thread',
    );
    expect(reply).toContain('Given key ID is not accessible');
    expect(h.sim.calls.some((c) => c.action === 'DescribeKey' && c.outcome === 'error')).toBe(true);
    expect(mutatingCalls(h)).toEqual([]);
  });

  it("warns when the destination cannot read a source's key", async () => {
    const n = await fileRequest(h, `${DEMO_SNAPSHOTS.restrictedKey} to us-west-2 to-account audit`);
    const warning = `audit cannot read the source key of ${DEMO_SNAPSHOTS.restrictedKey}`;
    expect(shown((await approvalCard(h.slack, n)).call)).toContain(warning);
    await eventually(
      async () => (await repliesTo(h, n)).find((t) => t.includes(warning)),
      'warning in the thread',
    );
  });

  it("warns when a shared encrypted source is copied without a key of the destination's own", async () => {
    const n = await fileRequest(h, `${DEMO_SNAPSHOTS.sharedFromStaging} to us-west-2`);
    const warning = `${DEMO_SNAPSHOTS.sharedFromStaging} is an encrypted snapshot shared with prod`;
    const card = shown((await approvalCard(h.slack, n)).call);
    expect(card).toContain(warning);
    expect(card).toContain('use `kms &lt;key&gt;`');
    const reply = await eventually(
      async () => (await repliesTo(h, n)).find((t) => t.includes(warning)),
      'warning in the thread',
    );
    // Thread replies are mrkdwn too: `<key>` unescaped would be read as a link.
    expect(reply).toContain('use `kms &lt;key&gt;`');
    expect(reply).not.toContain('<key>');
  });

  it('escapes user text in every message that shows it', async () => {
    const note = 'ping <!channel> & see <https://x|y>';
    const n = await fileRequest(h, `${SNAP} to us-west-2 note "${note}" tag Owner=<!here>`);
    const escaped = 'ping &lt;!channel&gt; &amp; see &lt;https://x|y&gt;';

    const card = await approvalCard(h.slack, n);
    expect(shown(card.call)).toContain(escaped);
    expect(shown(card.call)).toContain('`Owner=&lt;!here&gt;`');
    expect(shown(await requestMessage(h, n))).toContain(escaped);
    await click(h.send, card, APPROVER, 'approve_copy', `R-${n}`);
    await eventually(() => h.slack.callsTo('chat.update').length >= 2, 'card and message updated');
    // What AWS gets is the note as typed; what Slack gets never contains it unescaped.
    const copy = await eventually(
      () => h.sim.calls.find((c) => c.action === 'CopySnapshot' && !c.dryRun),
      'copy',
    );
    expect((copy.params as Record<string, unknown>).Description).toBe(note);
    for (const call of h.slack.calls) {
      const all = JSON.stringify(call.args);
      expect(all, call.method).not.toContain('<!channel>');
      expect(all, call.method).not.toContain('<!here>');
      expect(all, call.method).not.toContain('<https://x');
    }
  });

  it('escapes user text that Slack sent already escaped, once', async () => {
    const n = await fileRequest(h, `${SNAP} to us-west-2 note "a &lt;!here&gt; b &amp;amp; c"`);
    expect((await h.bot.store.getRequest(n))?.resolved.note).toBe('a <!here> b &amp; c');
    expect(shown((await approvalCard(h.slack, n)).call)).toContain('a &lt;!here&gt; b &amp;amp; c');
  });

  it('predicts an incremental copy once the volume has a copy in the destination with the same protection', async () => {
    await fileRequest(h, `${SNAP} to us-west-2`);
    await click(h.send, await approvalCard(h.slack, 1), APPROVER, 'approve_copy', 'R-1');
    await eventually(async () => (await h.bot.store.getRequest(1))?.state === 'completed', 'first copy done');

    await fileRequest(h, `${SNAP} to us-west-2`);
    const card = shown((await approvalCard(h.slack, 2)).call);
    expect(card).toContain(
      '→ us-west-2: unencrypted; incremental (only data changed since the previous copy)',
    );
    expect(card).not.toContain('Full copies move');
    expect((await h.bot.store.getCopies(2))[0]?.transfer.kind).toBe('incremental');

    await fileRequest(h, `${SNAP} to us-west-2 encrypt`);
    expect(shown((await approvalCard(h.slack, 3)).call)).toContain(
      '*full copy* (the encryption status changes), moves 20 GiB',
    );
  });

  it('predicts an incremental copy under the same key however the key is named', async () => {
    // An encrypted snapshot copied to another Region without a key gets the destination's default
    // key, which GetEbsDefaultKmsKeyId names by its alias ARN; the completed copy reports the key
    // ARN. The same key both times: only the first copy is full.
    const encrypted = DEMO_SNAPSHOTS.customerKey;
    await fileRequest(h, `${encrypted} to us-west-2`);
    await click(h.send, await approvalCard(h.slack, 1), APPROVER, 'approve_copy', 'R-1');
    await eventually(async () => (await h.bot.store.getRequest(1))?.state === 'completed', 'first copy done');
    const [first] = await h.bot.store.getCopies(1);
    expect(first?.transfer.kind).toBe('full');
    expect(first?.result.kmsKeyId).toMatch(/^arn:aws:kms:us-west-2:\d{12}:key\//);

    await fileRequest(h, `${encrypted} to us-west-2`);
    const card = shown((await approvalCard(h.slack, 2)).call);
    expect(card).toContain(':alias/aws/ebs');
    expect(card).toContain('incremental (only data changed since the previous copy)');
    expect((await h.bot.store.getCopies(2))[0]?.transfer.kind).toBe('incremental');
  });
});
