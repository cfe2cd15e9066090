/**
 * What the bot says from `requests/` (issue #17): the application decides which fact is told and
 * with which values; the adapter (`slack/wording/requests.ts`) says it in Slack's mrkdwn. The facts
 * are plain values and store records, never Slack types, so a service reads as what it tells.
 */
import type { RequestState } from '../domain/types.js';
import type { CopyRecord, RequestRecord } from '../store/port.js';

/** A copy waiting for a slot: its place in its destination's queue and a rough start estimate. */
export interface QueuedCopy {
  copy: CopyRecord;
  position?: number;
  estimateStartMs?: number;
}

/** A copy AWS ended with "Given key ID is not accessible", with what the requester must fix. */
export interface KeyNotAccessible {
  copy: CopyRecord;
  requesterId: string;
  /** The key the copy was to be encrypted under (requested, configured or the default key). */
  targetKeyId?: string;
  /** Role the bot used in the destination account (absent: the bot's own identity). */
  destinationRoleArn?: string;
  /** Account that owns the source key (told when the source is encrypted). */
  sourceKeyAccountId?: string;
}

/** A request whose last copy ended: how many of its copies were done and how many failed. */
export interface RequestFinished {
  n: number;
  requesterId: string;
  state: 'completed' | 'failed';
  done: number;
  failed: number;
  total: number;
}

/** A request left waiting for approval past `remindAfterHours`. */
export interface Reminder {
  n: number;
  requesterId: string;
  waitedHours: number;
  approvals: number;
  required: number;
  /** Who may still approve it; empty when nobody configured may. */
  mayApprove: string[];
}

/** A request left waiting past `escalateAfterHours`, now open to `escalateTo` too. */
export interface Escalation {
  n: number;
  waitedHours: number;
  escalateTo: string[];
}

/** The copies a cancel stopped, and those already started that AWS cannot stop. */
export interface Cancellation {
  n: number;
  by: string;
  cancelled: CopyRecord[];
  leftRunning: CopyRecord[];
}

/** `/snapshot-copy status R-<n>`: the request and its copies, queued ones with their place. */
export interface RequestStatus {
  request: RequestRecord;
  copies: Array<{ copy: CopyRecord; position?: number }>;
}

/** One line of `/snapshot-copy status`: a recent request of the asker's. */
export interface RecentRequest {
  n: number;
  state: RequestState;
  done: number;
  total: number;
  /** Its queued copies' Regions, with their place in the queue when known. */
  queued: Array<{ region: string; position?: number }>;
}

/** Every sentence the request services say, one function per fact. */
export interface RequestWording {
  // Thread replies about copies (copy-events, queue-notice).
  copyStarted(copy: CopyRecord): string;
  copyLimitReached(destination: { account: string; region: string }): string;
  copyCompleted(copy: CopyRecord): string;
  copyFailed(fact: { copy: CopyRecord; requesterId: string }): string;
  keyNotAccessible(fact: KeyNotAccessible): string;
  requestFinished(fact: RequestFinished): string;
  copiesQueued(copies: QueuedCopy[]): string;

  // On the approval card's thread (nudges).
  reminder(fact: Reminder): string;
  escalation(fact: Escalation): string;

  // Decisions: thread replies, and the answers to the clicker.
  rejected(fact: { n: number; requesterId: string; by: string; reason: string }): string;
  approved(fact: { n: number; by: string[] }): string;
  approvalCounted(fact: { n: number; by: string; approvals: number; required: number }): string;
  expired(fact: { n: number; requesterId: string }): string;
  notThisCard(n: number): string;
  alreadyClosed(n: number, state: RequestState): string;
  expiredUnapproved(n: number): string;
  rejectNeedsReason(n: number): string;
  alreadyDecided(n: number): string;
  decidedMeanwhile(n: number): string;
  youRejected(n: number): string;
  youApproved(n: number): string;
  yourApprovalRecorded(fact: { n: number; approvals: number; required: number }): string;

  // Filing, status and cancel (the request service).
  noSuchRequest(n: number): string;
  noReport(): string;
  problems(problems: string[]): string;
  notFiled(awsMessage: string): string;
  /** The requester's answer once the request is filed (or found filed already). */
  receipt(fact: { request: RequestRecord; approvalsChannel: string; warnings: string[] }): string;
  filingWarnings(warnings: string[]): string;
  /** An intent that kept failing is given up on: the user is told to try again. */
  intentAbandoned(): string;
  requestStatus(fact: RequestStatus): string;
  noRequestsYet(): string;
  recentRequests(requests: RecentRequest[]): string;
  mayNotCancel(n: number): string;
  nothingToCancel(fact: { n: number; state: RequestState; inFlight: number }): string;
  cancelled(fact: Cancellation): string;
  youCancelled(fact: { n: number; cancelled: number; leftRunning: number }): string;
}
