import { expect } from 'vitest';
import type { SlackCall } from '../support/slack-api.js';
import { type ModalInput, modalValues } from '../support/slack-modal.js';
import {
  APPROVALS_CHANNEL,
  eventually,
  type Harness,
  type HarnessOptions,
  OPS_CHANNEL,
  REQUESTER,
  startHarness,
} from './harness.js';

export type { ModalInput };

/**
 * AWS actions that change something; none may be called before a request is approved. Their
 * DryRuns (the pre-flight checks at filing) change nothing and do not count.
 */
export const MUTATING_ACTIONS = ['CopySnapshot', 'ModifySnapshotAttribute', 'CreateTags', 'DeleteSnapshot'];

/** Slack waits 3 s for an ack; "well under" leaves room for a loaded CI machine. */
export const ACK_BUDGET_MS = 1_500;

export function mutatingCalls(h: Harness) {
  return h.sim.calls.filter((c) => MUTATING_ACTIONS.includes(c.action) && !c.dryRun);
}

/** A clock the test moves by hand (the bot reads it through `startBot({ now })`). */
export class TestClock {
  constructor(private ms = Date.now()) {}
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** The shared harness; kept as a name because the request tests read better with it. */
export type RequestsHarnessOptions = HarnessOptions;
export const startRequestsHarness = (o: RequestsHarnessOptions = {}): Promise<Harness> => startHarness(o);

export interface CommandAck {
  status: number;
  ms: number;
  /** The ack's body (empty when the bot acked without one). */
  body: { response_type?: string; text?: string };
}

/** Sends `/snapshot-copy <text>` signed as Slack does, and holds every ack to Slack's 3 s budget. */
export async function command(
  h: Harness,
  text: string,
  user = REQUESTER,
  channel = OPS_CHANNEL,
  extra: Record<string, string> = {},
): Promise<CommandAck> {
  const started = performance.now();
  const res = await h.send.command(text, user, channel, extra);
  const ms = performance.now() - started;
  expect(res.status, `ack of "/snapshot-copy ${text}"`).toBe(200);
  expect(ms, `ack time of "/snapshot-copy ${text}"`).toBeLessThan(ACK_BUDGET_MS);
  return { status: res.status, ms, body: (res.json() as CommandAck['body'] | undefined) ?? {} };
}

/** Files a request from one line and waits for its receipt; returns the request number. */
export async function fileRequest(h: Harness, text: string, user = REQUESTER): Promise<number> {
  const before = responsesCount(h);
  await command(h, text, user);
  const receipt = await eventually(
    () =>
      h.slack
        .callsTo('response_url')
        .slice(before)
        .map((c) => String(c.args.text ?? ''))
        .find((t) => /Filed \*R-\d+\*/.test(t) || t.includes('nothing was filed')),
    `receipt of "${text}"`,
  );
  const n = /Filed \*R-(\d+)\*/.exec(receipt)?.[1];
  if (!n) throw new Error(`"${text}" was not filed: ${receipt}`);
  return Number(n);
}

function responsesCount(h: Harness): number {
  return h.slack.callsTo('response_url').length;
}

/** The ephemeral answers (response_url) sent after the first `from` of them. */
export function responsesSince(h: Harness, from: number): string[] {
  return h.slack
    .callsTo('response_url')
    .slice(from)
    .map((c) => String(c.args.text ?? ''));
}

/** Everything the blocks and the fallback text of a message say, as one searchable string. */
export function shown(call: SlackCall): string {
  return `${String(call.args.text ?? '')}\n${JSON.stringify(call.args.blocks ?? [])}`;
}

/** The request message (top-level post in the requester's channel) of `R-<n>`. */
export function requestMessage(h: Harness, n: number, channel = OPS_CHANNEL) {
  return eventually(
    () =>
      h.slack
        .callsTo('chat.postMessage')
        .find(
          (c) => c.args.channel === channel && !c.args.thread_ts && String(c.args.text).startsWith(`R-${n}:`),
        ),
    `request message of R-${n}`,
  );
}

/** chat.update calls on the approval card `ts`. */
export function cardUpdates(h: Harness, ts: string): SlackCall[] {
  return h.slack
    .callsTo('chat.update')
    .filter((c) => c.args.channel === APPROVALS_CHANNEL && c.args.ts === ts);
}

/** Block types of a message, to see whether the buttons are still there. */
export function blockTypes(call: SlackCall): string[] {
  return ((call.args.blocks ?? []) as Array<{ type: string }>).map((b) => b.type);
}

/** Thread replies about `R-<n>` (posted under its request message). */
export async function repliesTo(h: Harness, n: number): Promise<string[]> {
  const parent = (await h.bot.store.getRequest(n))?.requestMessage;
  if (!parent) return [];
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts === parent.ts)
    .map((c) => String(c.args.text));
}

/**
 * For "nothing happens" assertions: there is no event to wait for, so give the bot's asynchronous
 * work (respond after ack, outbox) a moment to show up if it wrongly happens.
 */
export function settle(ms = 400): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Submits the request form as Slack posts a view_submission. */
export async function submitModal(
  h: Harness,
  input: ModalInput,
  opts: { user?: string; privateMetadata?: string } = {},
) {
  const user = opts.user ?? REQUESTER;
  const started = performance.now();
  const res = await h.send.interaction({
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'legacy',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    view: {
      id: 'V0TEST',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: 'snapshot_copy_request',
      private_metadata: opts.privateMetadata ?? JSON.stringify({ channel: OPS_CHANNEL }),
      blocks: [],
      state: { values: modalValues(input) },
      hash: 'h',
      title: { type: 'plain_text', text: 'Copy EBS snapshots' },
    },
    response_urls: [],
  });
  const ms = performance.now() - started;
  expect(res.status).toBe(200);
  expect(ms, 'ack time of the form submission').toBeLessThan(ACK_BUDGET_MS);
  return (res.json() as { response_action?: string; errors?: Record<string, string> } | undefined) ?? {};
}
