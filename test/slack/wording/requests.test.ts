import { describe, expect, it } from 'vitest';
import { USAGE } from '../../../src/domain/command.js';
import { slackRequestWording as say } from '../../../src/slack/wording/requests.js';
import type { CopyRecord, RequestRecord } from '../../../src/store/port.js';

const at = new Date('2026-01-01T10:00:00Z');

function copy(over: Partial<CopyRecord> = {}): CopyRecord {
  return {
    id: 1,
    requestNumber: 7,
    source: {
      snapshotId: 'snap-0aaa',
      accountId: '111111111111',
      region: 'us-east-1',
      volumeId: 'vol-0aaa',
      sizeGiB: 8,
      encrypted: false,
    },
    destination: { account: 'audit', accountId: '222222222222', region: 'us-west-2' },
    encrypted: null,
    kmsKeyId: null,
    transfer: { kind: 'incremental', reason: 'same volume as last copy' },
    state: 'queued',
    queuedAt: at,
    claimedAt: null,
    claimOwner: null,
    startedAt: null,
    completedAt: null,
    newSnapshotId: null,
    result: { encrypted: null, kmsKeyId: null },
    progress: null,
    failure: null,
    attempts: 0,
    hop: null,
    afterCopyId: null,
    originSnapshotId: null,
    updatedAt: at,
    unansweredAt: null,
    ...over,
  };
}

const request: RequestRecord = {
  n: 8,
  requesterId: 'U0REQ',
  originChannel: 'C0REQ',
  state: 'queued',
  policyName: null,
  resolved: {
    sources: { kind: 'ids', ids: ['snap-0aaa', 'snap-0bbb'] },
    sourceAccount: 'prod',
    sourceRegion: 'us-east-1',
    destinationAccount: 'audit',
    destinationRegions: ['us-west-2', 'eu-west-1'],
    encrypt: false,
    tags: [],
  },
  crossAccount: true,
  requiredApprovals: 2,
  expiresAt: null,
  details: {},
  requestMessage: null,
  approvalCard: null,
  approvedAt: at,
  closedBy: null,
  remindedAt: null,
  escalatedAt: null,
  createdAt: at,
  updatedAt: at,
};

const started = copy({ state: 'copying', newSnapshotId: 'snap-0new', startedAt: at });
const completed = copy({
  state: 'completed',
  newSnapshotId: 'snap-0new',
  startedAt: at,
  completedAt: new Date(at.getTime() + 3_600_000),
});
const queuedElsewhere = copy({
  id: 2,
  source: { ...copy().source, snapshotId: 'snap-0bbb' },
  destination: { account: 'audit', accountId: '222222222222', region: 'eu-west-1' },
});

describe('what the request services say, in Slack', () => {
  it.each([
    [
      'a copy started',
      say.copyStarted(started),
      ':arrows_counterclockwise: `snap-0aaa` → us-west-2: copy started as `snap-0new` — incremental (same volume as last copy).',
    ],
    [
      "AWS's copy limit reached",
      say.copyLimitReached({ account: 'audit', region: 'us-west-2' }),
      ":double_vertical_bar: AWS's concurrent copy limit for audit us-west-2 is reached (copies made by AWS Backup, DLM or people count too). Copies to us-west-2 wait in the queue and start as slots free up; nothing failed.",
    ],
    [
      'a copy completed',
      say.copyCompleted(completed),
      ':white_check_mark: `snap-0aaa` copied to us-west-2 in 1h 00m (incremental): `snap-0new`',
    ],
    [
      'a copy failed',
      say.copyFailed({
        copy: copy({ state: 'failed', failure: { code: 'throttled', message: 'Rate exceeded' } }),
        requesterId: 'U0REQ',
      }),
      ':x: <@U0REQ> `snap-0aaa` → us-west-2 failed: AWS kept throttling the bot’s calls (RequestLimitExceeded) even after retries. Other tools may be calling EC2 heavily; file the copy again in a while.\n> Rate exceeded',
    ],
    [
      'a copy without key access',
      say.keyNotAccessible({
        copy: copy({ state: 'failed' }),
        requesterId: 'U0REQ',
        targetKeyId: 'alias/audit',
      }),
      [
        ':closed_lock_with_key: <@U0REQ> `snap-0aaa` → us-west-2 *failed: the KMS key is not accessible* (AWS: "Given key ID is not accessible"). AWS reports this silently; nothing was copied.',
        "*What to fix:* the bot's own identity in account audit (222222222222) needs `kms:DescribeKey`, `kms:CreateGrant`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKeyWithoutPlaintext` on the destination key `alias/audit`.",
        'Then run the copy again: `/snapshot-copy snap-0aaa … to us-west-2`.',
      ].join('\n'),
    ],
    [
      'a request completed',
      say.requestFinished({ n: 7, requesterId: 'U0REQ', state: 'completed', done: 2, failed: 0, total: 2 }),
      ':tada: <@U0REQ> R-7 completed: 2 of 2 copies done.',
    ],
    [
      'a request finished with a failure',
      say.requestFinished({ n: 7, requesterId: 'U0REQ', state: 'failed', done: 1, failed: 1, total: 2 }),
      ':x: <@U0REQ> R-7 finished with 1 failed copy (1 done). The replies above say what to fix.',
    ],
    [
      'copies waiting in their queue',
      say.copiesQueued([
        { copy: copy(), position: 2, estimateStartMs: 30 * 60_000 },
        { copy: queuedElsewhere },
      ]),
      [
        ':double_vertical_bar: `snap-0aaa` → us-west-2: #2 in the queue for audit us-west-2 (all copy slots busy), expected to start in ~30 min.',
        ':double_vertical_bar: `snap-0bbb` → eu-west-1: queued for audit eu-west-1 (all copy slots busy).',
      ].join('\n'),
    ],
    [
      'a reminder',
      say.reminder({
        n: 7,
        requesterId: 'U0REQ',
        waitedHours: 24,
        approvals: 1,
        required: 2,
        mayApprove: ['U0A', 'S0GROUP'],
      }),
      ':bell: R-7 from <@U0REQ> has waited 24 hours for approval (1/2). <@U0A>, <!subteam^S0GROUP> may still approve it.',
    ],
    [
      'a reminder nobody may act on',
      say.reminder({
        n: 7,
        requesterId: 'U0REQ',
        waitedHours: 0.5,
        approvals: 0,
        required: 1,
        mayApprove: [],
      }),
      ':bell: R-7 from <@U0REQ> has waited 30 minutes for approval (0/1). Nobody configured may approve it any more: ask an admin to add approvers.',
    ],
    [
      'an escalation',
      say.escalation({ n: 7, waitedHours: 1, escalateTo: ['U0BOSS'] }),
      ':rotating_light: R-7 has waited 1 hour for approval: escalated to <@U0BOSS>, who may now approve it too.',
    ],
    [
      'a rejection, its reason escaped',
      say.rejected({ n: 7, requesterId: 'U0REQ', by: 'U0A', reason: 'not <!channel>' }),
      ':no_entry: <@U0REQ> R-7 was rejected by <@U0A>: not &lt;!channel&gt;',
    ],
    [
      'an approval',
      say.approved({ n: 7, by: ['U0A', 'U0B'] }),
      ':white_check_mark: R-7 approved by <@U0A>, <@U0B>; copies are queued.',
    ],
    [
      'one approval of two',
      say.approvalCounted({ n: 7, by: 'U0A', approvals: 1, required: 2 }),
      '<@U0A> approved R-7 (1/2).',
    ],
    [
      'its answer',
      say.yourApprovalRecorded({ n: 7, approvals: 1, required: 2 }),
      'Your approval of R-7 is recorded (1/2).',
    ],
    [
      'an expiry',
      say.expired({ n: 7, requesterId: 'U0REQ' }),
      ':hourglass: <@U0REQ> R-7 expired without enough approvals; nothing was copied.',
    ],
    [
      'a click on a decided request',
      say.alreadyClosed(7, 'pending_approval'),
      'R-7 is already pending approval; nothing was changed.',
    ],
    [
      'a filing AWS refused',
      say.notFiled('Access <denied>'),
      ':x: The request could not be filed: Access &lt;denied&gt;. Nothing was filed; try again.',
    ],
    ['filing warnings', say.filingWarnings(['a & b', 'c']), ':warning: a &amp; b\n:warning: c'],
    [
      "a request's status",
      say.requestStatus({ request, copies: [{ copy: completed }, { copy: queuedElsewhere, position: 1 }] }),
      [
        '*R-8* · prod us-east-1 → audit us-west-2, eu-west-1 · queued',
        ':white_check_mark: `snap-0aaa` → us-west-2 · done · `snap-0new`',
        ':double_vertical_bar: `snap-0bbb` → eu-west-1 · #1 in queue',
      ].join('\n'),
    ],
    [
      'recent requests',
      say.recentRequests([
        { n: 7, state: 'pending_approval', done: 0, total: 1, queued: [] },
        {
          n: 8,
          state: 'queued',
          done: 1,
          total: 3,
          queued: [{ region: 'us-west-2', position: 2 }, { region: 'eu-west-1' }],
        },
      ]),
      [
        'Your recent requests (`/snapshot-copy status R-<n>` for details):',
        '*R-7* · pending approval · 0/1 copied',
        '*R-8* · queued · 1/3 copied · 2 queued (#2 in us-west-2, eu-west-1)',
      ].join('\n'),
    ],
    [
      'nothing left to cancel',
      say.nothingToCancel({ n: 7, state: 'copying', inFlight: 1 }),
      'R-7 has no queued copies left to cancel; 1 started copy is left to finish (AWS cannot stop a copy in progress).',
    ],
    [
      'a closed request to cancel',
      say.nothingToCancel({ n: 7, state: 'completed', inFlight: 0 }),
      'R-7 is already completed; nothing to cancel.',
    ],
    [
      'a cancel, in the thread',
      say.cancelled({ n: 7, by: 'U0REQ', cancelled: [copy(), queuedElsewhere], leftRunning: [started] }),
      ':no_entry_sign: Cancelled by <@U0REQ>: 2 queued copies. 1 already started copy is left to finish (AWS cannot stop a copy in progress).',
    ],
    [
      'a cancel, to the canceller',
      say.youCancelled({ n: 7, cancelled: 2, leftRunning: 1 }),
      ':no_entry_sign: You cancelled R-7: 2 copies will not be made; 1 copy already started is left to finish (AWS cannot stop a copy in progress).',
    ],
    [
      'a whole cancel, to the canceller',
      say.youCancelled({ n: 7, cancelled: 1, leftRunning: 0 }),
      ':no_entry_sign: You cancelled R-7: 1 copy will not be made.',
    ],
    ['a request that does not exist', say.noSuchRequest(7), 'R-7 does not exist.'],
    [
      'the receipt of a request waiting for approval, with its warnings',
      say.receipt({
        request: { ...request, state: 'pending_approval' },
        approvalsChannel: 'C0APPR',
        warnings: ['a', 'b'],
      }),
      "Filed *R-8*: waiting for 2 approvals in <#C0APPR>. Progress is posted in this channel's thread.\n:warning: 2 pre-flight warnings: see the thread.",
    ],
    [
      'the receipt of a request approved by its rules at once',
      say.receipt({ request, approvalsChannel: 'C0APPR', warnings: [] }),
      'Filed *R-8*.',
    ],
    [
      'an intent given up on',
      say.intentAbandoned(),
      ':x: Your last `/snapshot-copy` action could not be carried out (the bot kept failing to reach its database or AWS). Nothing more will be done with it; please try again.',
    ],
  ])('says %s', (_fact, text, expected) => {
    expect(text).toBe(expected);
  });

  it('lists the problems of a request with the usage, escaped', () => {
    expect(say.problems(['bad <x>'])).toBe(
      [
        ':warning: That request has a problem; nothing was filed.',
        '• bad &lt;x&gt;',
        '```',
        USAGE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
        '```',
      ].join('\n'),
    );
  });
});
