/**
 * The request services' sentences in Slack's mrkdwn (the `RequestWording` port): mentions, emoji
 * codes and escaped user text are written here, from the facts the services decide to tell.
 */
import { requestLabel } from '../../domain/types.js';
import { toCopyView } from '../../requests/views.js';
import type { RequestWording } from '../../requests/wording.js';
import { escapeSlack, mention } from '../blocks/format.js';
import { problemsText } from '../blocks/problems.js';
import { copyLine, route } from '../blocks/request.js';
import {
  cancelledReply,
  completedReply,
  failedReply,
  keyFailureReply,
  queuedReply,
  startedReply,
} from '../blocks/thread.js';

const copies = (k: number) => `${k} ${k === 1 ? 'copy' : 'copies'}`;
const stateText = (state: string) => state.replace('_', ' ');

/** `30 minutes`, `1 hour`, `4.5 hours`: down to the half hour, so a wait is never overstated. */
function hoursText(hours: number): string {
  if (hours < 1) return `${Math.floor(hours * 60)} minutes`;
  const halves = Math.floor(hours * 2) / 2;
  return `${halves} hour${halves === 1 ? '' : 's'}`;
}

const waited = (hours: number) => `has waited ${hoursText(hours)} for approval`;

export const slackRequestWording: RequestWording = {
  copyStarted: (copy) => startedReply(toCopyView(copy)),
  copyLimitReached: ({ account, region }) =>
    `:double_vertical_bar: AWS's concurrent copy limit for ${escapeSlack(account)} ${region} is reached (copies made by AWS Backup, DLM or people count too). Copies to ${region} wait in the queue and start as slots free up; nothing failed.`,
  copyCompleted: (copy) => completedReply(toCopyView(copy)),
  copyFailed: ({ copy, requesterId }) => failedReply(toCopyView(copy), requesterId),
  keyNotAccessible: ({ copy, ...context }) => keyFailureReply({ copy: toCopyView(copy), ...context }),
  requestFinished: ({ n, requesterId, state, done, failed, total }) =>
    state === 'completed'
      ? `:tada: ${mention(requesterId)} ${requestLabel(n)} completed: ${done} of ${total} ${total === 1 ? 'copy' : 'copies'} done.`
      : `:x: ${mention(requesterId)} ${requestLabel(n)} finished with ${failed} failed ${failed === 1 ? 'copy' : 'copies'} (${done} done). The replies above say what to fix.`,
  copiesQueued: (queued) =>
    queued
      .map(({ copy, position, estimateStartMs }) =>
        queuedReply({
          ...toCopyView(copy, undefined, position),
          ...(estimateStartMs ? { estimateStartMs } : {}),
        }),
      )
      .join('\n'),

  reminder: ({ n, requesterId, waitedHours, approvals, required, mayApprove }) => {
    const who = mayApprove.length
      ? `${mayApprove.map(mention).join(', ')} may still approve it.`
      : 'Nobody configured may approve it any more: ask an admin to add approvers.';
    return `:bell: ${requestLabel(n)} from ${mention(requesterId)} ${waited(waitedHours)} (${approvals}/${required}). ${who}`;
  },
  escalation: ({ n, waitedHours, escalateTo }) =>
    `:rotating_light: ${requestLabel(n)} ${waited(waitedHours)}: escalated to ${escalateTo.map(mention).join(', ')}, who may now approve it too.`,

  rejected: ({ n, requesterId, by, reason }) =>
    `:no_entry: ${mention(requesterId)} ${requestLabel(n)} was rejected by ${mention(by)}: ${escapeSlack(reason)}`,
  approved: ({ n, by }) =>
    `:white_check_mark: ${requestLabel(n)} approved by ${by.map(mention).join(', ')}; copies are queued.`,
  approvalCounted: ({ n, by, approvals, required }) =>
    `${mention(by)} approved ${requestLabel(n)} (${approvals}/${required}).`,
  expired: ({ n, requesterId }) =>
    `:hourglass: ${mention(requesterId)} ${requestLabel(n)} expired without enough approvals; nothing was copied.`,
  notThisCard: (n) =>
    `That button does not belong to ${requestLabel(n)}'s approval card; nothing was changed.`,
  alreadyClosed: (n, state) => `${requestLabel(n)} is already ${stateText(state)}; nothing was changed.`,
  expiredUnapproved: (n) => `${requestLabel(n)} expired without approval; nothing was changed.`,
  rejectNeedsReason: (n) =>
    `To reject ${requestLabel(n)}, click Reject and give the reason in the form; nothing was changed.`,
  alreadyDecided: (n) => `You already decided on ${requestLabel(n)}; it counts once.`,
  decidedMeanwhile: (n) => `${requestLabel(n)} was decided meanwhile; nothing was changed.`,
  youRejected: (n) => `You rejected ${requestLabel(n)}.`,
  youApproved: (n) => `You approved ${requestLabel(n)}; its copies are queued.`,
  yourApprovalRecorded: ({ n, approvals, required }) =>
    `Your approval of ${requestLabel(n)} is recorded (${approvals}/${required}).`,

  noSuchRequest: (n) => `${requestLabel(n)} does not exist.`,
  noReport: () => 'No DR report is configured.',
  problems: (problems) => problemsText(problems),
  notFiled: (awsMessage) =>
    `:x: The request could not be filed: ${escapeSlack(awsMessage)}. Nothing was filed; try again.`,
  receipt: ({ request, approvalsChannel, warnings }) => {
    const label = requestLabel(request.n);
    const lines = [
      request.state === 'pending_approval'
        ? `Filed *${label}*: waiting for ${request.requiredApprovals} approval${request.requiredApprovals === 1 ? '' : 's'} in <#${approvalsChannel}>. Progress is posted in this channel's thread.`
        : `Filed *${label}*.`,
    ];
    if (warnings.length)
      lines.push(
        `:warning: ${warnings.length} pre-flight warning${warnings.length === 1 ? '' : 's'}: see the thread.`,
      );
    return lines.join('\n');
  },
  filingWarnings: (warnings) => warnings.map((w) => `:warning: ${escapeSlack(w)}`).join('\n'),
  intentAbandoned: () =>
    ':x: Your last `/snapshot-copy` action could not be carried out (the bot kept failing to reach its database or AWS). Nothing more will be done with it; please try again.',
  requestStatus: ({ request, copies: shown }) => {
    const views = shown.map(({ copy, position }) => toCopyView(copy, undefined, position));
    const r = request.resolved;
    const path = route({
      crossAccount: request.crossAccount,
      source: { alias: r.sourceAccount },
      sourceRegion: r.sourceRegion,
      destination: { alias: r.destinationAccount },
      copies: views,
    });
    return [
      `*${requestLabel(request.n)}* · ${path} · ${stateText(request.state)}`,
      ...views.map(copyLine),
    ].join('\n');
  },
  noRequestsYet: () => 'You have no snapshot copy requests yet. `/snapshot-copy help` shows how to file one.',
  recentRequests: (requests) =>
    [
      'Your recent requests (`/snapshot-copy status R-<n>` for details):',
      ...requests.map(({ n, state, done, total, queued }) => {
        const positions = queued.map((c) => (c.position ? `#${c.position} in ${c.region}` : c.region));
        return `*${requestLabel(n)}* · ${stateText(state)} · ${done}/${total} copied${positions.length ? ` · ${positions.length} queued (${positions.join(', ')})` : ''}`;
      }),
    ].join('\n'),
  mayNotCancel: (n) => `Only the requester or an approver can cancel ${requestLabel(n)}.`,
  nothingToCancel: ({ n, state, inFlight }) =>
    inFlight
      ? `${requestLabel(n)} has no queued copies left to cancel; ${inFlight} started ${inFlight === 1 ? 'copy is' : 'copies are'} left to finish (AWS cannot stop a copy in progress).`
      : `${requestLabel(n)} is already ${stateText(state)}; nothing to cancel.`,
  cancelled: ({ by, cancelled, leftRunning }) =>
    cancelledReply(
      cancelled.map((c) => toCopyView(c)),
      leftRunning.map((c) => toCopyView(c)),
      by,
    ),
  // The thread reply speaks in the request's context; the ephemeral answer has to name it.
  youCancelled: ({ n, cancelled, leftRunning: left }) =>
    `:no_entry_sign: You cancelled ${requestLabel(n)}: ${copies(cancelled)} will not be made${
      left
        ? `; ${copies(left)} already started ${left === 1 ? 'is' : 'are'} left to finish (AWS cannot stop a copy in progress).`
        : '.'
    }`,
};
