/**
 * How a DR report is shown (issue #17): the report service builds the report's model and asks
 * this port for the message; `slack/blocks/report.ts` renders it as Block Kit.
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

export interface ReportRenderer {
  message(report: DrReport): ReportMessage;
}
