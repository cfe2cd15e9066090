/**
 * The DR report as a Slack message. Readable at a glance — the policies that need attention come
 * first, one compact section each — and inside Slack's limits however many policies there are:
 * at most 50 blocks a message and 3,000 characters a section, so beyond a cap the rest are summed
 * up in one "…and N more" section.
 */
import type { types } from '@slack/bolt';
import { requestLabel } from '../../domain/types.js';
import type { Activity, DrReport, PolicyStatus, QueueStatus, Verdict } from '../../reports/model.js';
import { AT_RISK_FRACTION, VERDICT_ORDER } from '../../reports/model.js';
import type { ReportMessage, ReportRenderer } from '../../reports/rendering.js';
import { clip, code, escapeSlack, formatDuration, slackDate } from './format.js';

type KnownBlock = types.KnownBlock;

/** Slack's limit on blocks in one message. */
export const MAX_BLOCKS = 50;
/** Slack's limit on a section's text. */
export const MAX_SECTION_CHARS = 3_000;
/**
 * Policies shown with a section of their own. The rest of the 50 blocks are the header, summary,
 * activity, queues, footer and the "…and N more" section, with room to spare.
 */
export const MAX_POLICY_SECTIONS = 40;
/** Failures listed per policy and overall; the rest are counted. */
const MAX_FAILURES_LISTED = 3;
const MAX_QUEUE_LINES = 15;
/** An AWS failure message can be long; a report line shows its start. */
const MAX_MESSAGE_CHARS = 160;

export const VERDICT_EMOJI: Record<Verdict, string> = {
  met: ':large_green_circle:',
  'at-risk': ':large_yellow_circle:',
  missed: ':red_circle:',
};

const VERDICT_WORDS: Record<Verdict, string> = { met: 'met', 'at-risk': 'at risk', missed: 'missed' };

export function reportMessage(report: DrReport): ReportMessage {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'DR status report', emoji: true } },
    section(summaryLine(report)),
  ];

  const shown =
    report.policies.length > MAX_POLICY_SECTIONS
      ? report.policies.slice(0, MAX_POLICY_SECTIONS - 1)
      : report.policies;
  for (const p of shown) blocks.push(section(policyText(p)));
  const rest = report.policies.slice(shown.length);
  if (rest.length > 0) blocks.push(section(moreText(rest)));

  blocks.push({ type: 'divider' });
  blocks.push(
    section(`*Last 24 h, all requests:* ${activityLine(report.activity)}${failureLines(report.activity)}`),
  );
  blocks.push(section(queuesText(report.queues)));
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `As of ${slackDate(report.at)} · at risk = older than ${Math.round(AT_RISK_FRACTION * 100)} % of the RPO · \`/snapshot-copy report\` shows it now`,
      },
    ],
  });
  return { text: fallbackText(report), blocks };
}

/** The report service's renderer: the report as one Slack message. */
export const slackReportRenderer: ReportRenderer = {
  message: reportMessage,
  policyFailed: ({ policy, error }) =>
    `:warning: DR policy *${escapeSlack(policy)}* did not run: ${escapeSlack(error)}`,
  policyWarnings: (warnings) => warnings.map((w) => `:warning: ${escapeSlack(w)}`).join('\n'),
  policyRefused: ({ policy, requestNumber: n, problems }) => {
    const head =
      n === undefined
        ? `:warning: DR policy *${escapeSlack(policy)}* could not file its copies:`
        : `:warning: DR policy *${escapeSlack(policy)}* filed *${requestLabel(n)}*, but could not copy ${problems.length === 1 ? 'this snapshot' : `these ${problems.length} snapshots`}, so ${problems.length === 1 ? 'its volume misses' : 'their volumes miss'} this run:`;
    return [head, ...problems.map((p) => `• ${escapeSlack(p)}`)].join('\n');
  },
};

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, MAX_SECTION_CHARS - 100) } };
}

/** The notification text (and what screen readers and old clients show). */
function fallbackText(report: DrReport): string {
  if (report.policies.length === 0) return 'DR status report: no DR policies are configured.';
  const { totals } = report;
  return `DR status report: ${totals.missed} missed, ${totals['at-risk']} at risk, ${totals.met} met`;
}

function summaryLine(report: DrReport): string {
  if (report.policies.length === 0) {
    return '_No DR policies are configured_ (`drPolicies` in the config file).';
  }
  return VERDICT_ORDER.map((v) => `${VERDICT_EMOJI[v]} ${report.totals[v]} ${VERDICT_WORDS[v]}`).join(
    '  ·  ',
  );
}

function endpoint(e: { account: string; region: string }): string {
  return `${escapeSlack(e.account)} ${escapeSlack(e.region)}`;
}

function selector(p: PolicyStatus): string {
  const s = p.source;
  if (s.tag !== undefined) return `tag ${code(`${s.tag.key}=${s.tag.value}`)}`;
  return `${s.volumeIds.length} volume${s.volumeIds.length === 1 ? '' : 's'}`;
}

function ago(ms: number): string {
  return `${formatDuration(ms)} ago`;
}

export function policyText(p: PolicyStatus): string {
  const lines = [
    `${VERDICT_EMOJI[p.verdict]} *${escapeSlack(p.name)}* · ${endpoint(p.source)} (${selector(p)}) → ${endpoint(p.destination)} · RPO ${p.rpoHours} h · *${VERDICT_WORDS[p.verdict]}*`,
    freshnessLine(p),
    `Last 24 h: ${activityLine(p.activity)}${failureLines(p.activity)}`,
    ...drLines(p),
  ];
  return lines.join('\n');
}

/** Restore drill and retention (SPEC §9): proof the copies restore, and what was cleaned up. */
function drLines(p: PolicyStatus): string[] {
  const lines: string[] = [];
  const d = p.drill;
  if (d?.state === 'succeeded' && d.minutes !== null) {
    lines.push(
      `:white_check_mark: Restore drill: restorable in ${Math.max(1, Math.round(d.minutes))} min (${slackDate(d.availableAt ?? d.startedAt)})`,
    );
  } else if (d?.state === 'failed') {
    lines.push(
      `:x: Restore drill failed (${slackDate(d.startedAt)}): ${escapeSlack(d.failure ?? 'no reason was recorded')}`,
    );
  }
  if (p.retention) {
    const rule =
      p.retention.rule?.count !== undefined
        ? `keeps the ${p.retention.rule.count} newest`
        : `keeps ${p.retention.rule?.days} days`;
    lines.push(
      `Retention (${rule}, locked copies kept): ${p.retention.last24h} deleted in the last 24 h, ${p.retention.total} in all`,
    );
  }
  return lines;
}

function freshnessLine(p: PolicyStatus): string {
  if (p.newest === null) {
    return p.volumes === 0
      ? 'No copy made by this policy yet.'
      : `No copy has completed yet for ${p.volumes} volume${p.volumes === 1 ? '' : 's'}.`;
  }
  const parts = [`Newest copy ${ago(p.newest.ageMs ?? 0)}`];
  const w = p.worst;
  if (w && p.volumes > 1) {
    parts.push(
      w.ageMs === null
        ? `${code(w.volumeId)} never copied`
        : `stalest volume ${code(w.volumeId)} ${ago(w.ageMs)}${w.requestNumber !== null ? ` (${requestLabel(w.requestNumber)})` : ''}`,
    );
  }
  parts.push(`${p.volumes} volume${p.volumes === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

function activityLine(a: Activity): string {
  return `${a.completed} completed · ${a.failed.length} failed · ${a.inFlight} in flight · ${a.queued} queued`;
}

function failureLines(a: Activity): string {
  if (a.failed.length === 0) return '';
  const lines = a.failed.slice(0, MAX_FAILURES_LISTED).map((f) => {
    const message =
      f.message.length > MAX_MESSAGE_CHARS ? `${f.message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : f.message;
    return `:x: ${requestLabel(f.requestNumber)} ${code(f.sourceSnapshotId)} → ${escapeSlack(f.destinationRegion)}: ${code(f.code)} ${escapeSlack(message)}`;
  });
  const more = a.failed.length - MAX_FAILURES_LISTED;
  if (more > 0) lines.push(`…and ${more} more failure${more === 1 ? '' : 's'} (${codeCounts(a)})`);
  return `\n${lines.join('\n')}`;
}

/** `key-not-accessible ×3, copy-limit ×1`: the causes at a glance. */
function codeCounts(a: Activity): string {
  const counts = new Map<string, number>();
  for (const f of a.failed) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
  return [...counts.entries()]
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .map(([c, n]) => `${escapeSlack(c)} ×${n}`)
    .join(', ');
}

/** The policies beyond the cap, grouped by verdict, names listed while they fit. */
function moreText(rest: PolicyStatus[]): string {
  const groups = VERDICT_ORDER.map((v) => ({
    v,
    names: rest.filter((p) => p.verdict === v).map((p) => p.name),
  }))
    .filter((g) => g.names.length > 0)
    .map((g) => {
      const names = g.names.map(escapeSlack).join(', ');
      return `${VERDICT_EMOJI[g.v]} ${g.names.length} ${VERDICT_WORDS[g.v]}: ${names.length > 600 ? `${names.slice(0, 599)}…` : names}`;
    });
  return [`*…and ${rest.length} more ${rest.length === 1 ? 'policy' : 'policies'}*`, ...groups].join('\n');
}

function queuesText(queues: QueueStatus[]): string {
  if (queues.length === 0) return '*Queues:* all empty.';
  const lines = queues.slice(0, MAX_QUEUE_LINES).map((q) => {
    const wait = q.oldestWaitMs !== null ? ` · oldest waiting ${formatDuration(q.oldestWaitMs)}` : '';
    const held = q.held ? ' · :double_vertical_bar: held back (AWS copy limit reached by other tools)' : '';
    return `${escapeSlack(q.account)} ${escapeSlack(q.region)}: ${q.queued} queued · ${q.inFlight} in flight${wait}${held}`;
  });
  const more = queues.length - MAX_QUEUE_LINES;
  if (more > 0) lines.push(`…and ${more} more destination${more === 1 ? '' : 's'}`);
  return ['*Queues:*', ...lines].join('\n');
}
