/**
 * How DR reports and policy runs are shown (issue #17): the report service builds the report's
 * model, a policy run its facts, and asks this port for the message; `slack/blocks/report.ts`
 * says them in Slack's words and Block Kit.
 */
import type { OutboxPayload } from '../messages/notifier.js';
import type { DrReport } from './model.js';

/** The blocks a channel post carries, as the message port takes them. */
type PostBlocks = NonNullable<Extract<OutboxPayload, { type: 'channel.post' }>['blocks']>;

export interface ReportMessage {
  /** The notification text (and what screen readers and old clients show). */
  text: string;
  blocks: PostBlocks;
}

/** A DR-policy run could not copy some snapshots: all of them when `requestNumber` is unset. */
export interface PolicyRefused {
  policy: string;
  requestNumber?: number;
  /** Why each snapshot was refused, one line each. */
  problems: string[];
}

export interface ReportRenderer {
  message(report: DrReport): ReportMessage;
  /** A policy run failed as a whole (AWS unreachable, the role refused). */
  policyFailed(f: { policy: string; error: string }): string;
  /** The pre-flight warnings of a policy's request, for its thread. */
  policyWarnings(warnings: string[]): string;
  policyRefused(f: PolicyRefused): string;
}
