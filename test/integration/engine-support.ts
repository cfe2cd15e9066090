/** Helpers for the copy-engine acceptance tests (issue 4): filing, approving and measuring copies. */
import type { CallRecord, CopyRecord as SimCopy } from '../../src/simulator/index.js';
import { demoWorld } from '../../src/simulator/index.js';
import type { SnapshotSpec, WorldSpec } from '../../src/simulator/spec.js';
import type { CopyRecord } from '../../src/store/port.js';
import type { SlackCall } from '../support/slack-api.js';
import { APPROVER, eventually, type Harness, OPS_CHANNEL, REQUESTER, testConfigYaml } from './harness.js';
import { approvalCard, click, responses, threadReplies } from './slack-actions.js';

export const PROD = '111111111111';
export const AUDIT = '222222222222';

/** The demo world plus `count` unencrypted prod us-east-1 snapshots of distinct volumes tagged `Group=<group>`. */
export function worldWithGroup(group: string, count: number, sizeGiB = 8): WorldSpec {
  const world = demoWorld();
  const snapshots: SnapshotSpec[] = [];
  for (let i = 1; i <= count; i++) {
    const hex = i.toString(16).padStart(4, '0');
    snapshots.push({
      id: `snap-0cafe00000000${hex}`,
      volumeId: `vol-0cafe00000000${hex}`,
      ownerId: PROD,
      region: 'us-east-1',
      sizeGiB,
      description: `${group} volume ${i}`,
      tags: { Group: group, Name: `${group}-${i}` },
    });
  }
  world.snapshots = [...(world.snapshots ?? []), ...snapshots];
  return world;
}

/** The test config with extra `limits.overrides` entries (YAML flow maps). */
export function configWithLimits(overrides: string[], concurrentCopies = 20): string {
  return testConfigYaml((y) =>
    y.replace(
      /limits:\n {2}concurrentCopies: \d+\n {2}overrides:\n/,
      `limits:\n  concurrentCopies: ${concurrentCopies}\n  overrides:\n${overrides.map((o) => `    - ${o}\n`).join('')}`,
    ),
  );
}

/** Files a one-line request as the requester and returns its number once the receipt is back. */
export async function file(h: Harness, line: string): Promise<number> {
  const before = responses(h.slack).length;
  const ack = await h.send.command(line, REQUESTER, OPS_CHANNEL);
  if (ack.status !== 200) throw new Error(`slash command answered ${ack.status}`);
  const receipt = await eventually(
    () =>
      responses(h.slack)
        .slice(before)
        .find((t) => /Filed \*R-\d+\*/.test(t) || /error|cannot|not /i.test(t)),
    `receipt for "${line}"`,
    15_000,
  );
  const m = /Filed \*R-(\d+)\*/.exec(receipt);
  if (!m?.[1]) throw new Error(`request not filed: ${receipt}`);
  return Number(m[1]);
}

/** Approves R-<n> on its card as the configured approver. */
export async function approve(h: Harness, n: number): Promise<void> {
  const card = await approvalCard(h.slack, n);
  const clicked = await click(h.send, card, APPROVER, 'approve_copy', `R-${n}`);
  if (clicked.status !== 200) throw new Error(`approve click answered ${clicked.status}`);
  await eventually(
    () => responses(h.slack).find((t) => t.includes(`You approved R-${n}`)),
    `R-${n} approved`,
  );
}

export async function fileApproved(h: Harness, line: string): Promise<number> {
  const n = await file(h, line);
  await approve(h, n);
  return n;
}

/** Waits until every copy of R-<n> has ended (completed, failed or cancelled) and returns them. */
export async function copiesEnded(h: Harness, n: number, timeoutMs = 20_000): Promise<CopyRecord[]> {
  return eventually(
    async () => {
      const copies = await h.bot.store.getCopies(n);
      return copies.length > 0 && copies.every((c) => ['completed', 'failed', 'cancelled'].includes(c.state))
        ? copies
        : undefined;
    },
    `every copy of R-${n} ended`,
    timeoutMs,
  );
}

export function okCalls(h: Harness, action: string): CallRecord[] {
  return h.sim.calls.filter((c) => c.action === action && c.outcome === 'ok');
}

/** The simulator's copies into one destination account and Region. */
export function simCopiesIn(h: Harness, accountId: string, region: string): SimCopy[] {
  return h.sim.world
    .copies()
    .filter((c) => c.destinationAccountId === accountId && c.destinationRegion === region);
}

/**
 * The most copies AWS had pending at once in one destination, from the simulator's record of each
 * copy's start and end (simulated time): what the concurrent-copy quota counts.
 */
export function maxConcurrent(copies: SimCopy[]): number {
  const edges = copies.flatMap((c) => [
    { t: c.startedAt, d: 1 },
    { t: c.startedAt + c.durationMs, d: -1 },
  ]);
  // An end and a start at the same instant do not overlap.
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}

/** Thread replies whose text matches. */
export function repliesMatching(h: Harness, pattern: RegExp): string[] {
  return threadReplies(h.slack).filter((t) => pattern.test(t));
}

/** chat.update calls of the request message (its text starts with `R-<n>:`). */
export function requestUpdates(h: Harness, n: number): SlackCall[] {
  return h.slack.callsTo('chat.update').filter((c) => String(c.args.text).startsWith(`R-${n}:`));
}

/** The text of a Slack call's blocks, for substring checks. */
export function blocksText(call: SlackCall): string {
  return JSON.stringify(call.args.blocks ?? '');
}
