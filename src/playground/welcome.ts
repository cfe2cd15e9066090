import { DEMO_SNAPSHOTS } from '../simulator/demo.js';

/** The welcome message in #team (SPEC §11): what to try, with commands that work as written. */
export function welcomeMessage(url: string): { text: string; blocks: unknown[] } {
  const s = DEMO_SNAPSHOTS;
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  return {
    text: 'Welcome to the snapshot-copy playground',
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: 'Welcome to the snapshot-copy playground :wave:' },
      },
      section(
        `This is a pretend Slack workspace at ${url}: the real bot, a local Slack and the AWS simulator in one process. Nothing reaches Slack or AWS. Switch people with *You are* in the sidebar: *Riley* requests, *Alex* and *Sam* approve (they are in the approver group), *Casey* is a stranger whose clicks are refused.`,
      ),
      { type: 'divider' },
      section(
        [
          '*Demo snapshots* (account prod, us-east-1):',
          `• \`${s.unencrypted}\` — plain: 20 GiB, unencrypted, tag Backup=weekly carried to the copy`,
          `• \`${s.customerKey}\` — encrypted with \`alias/prod-ebs\`, which the audit account may use`,
          '• `tag:Group=db-cluster-1` — a tag group: three volumes copied one by one',
          `• \`${s.restrictedKey}\` — encrypted with \`alias/prod-restricted\`, which the audit account cannot use: the copy fails and the thread says what to fix`,
          `• \`${s.awsManagedKey}\` — encrypted with \`aws/ebs\`: a cross-account copy is refused outright`,
        ].join('\n'),
      ),
      section(
        [
          '*Try these* (paste into the composer below):',
          `\`/snapshot-copy ${s.unencrypted} to us-west-2\``,
          `\`/snapshot-copy ${s.customerKey} to us-west-2 to-account audit\``,
          '`/snapshot-copy tag:Group=db-cluster-1 to us-west-2`',
          `\`/snapshot-copy ${s.restrictedKey} to us-west-2 to-account audit\``,
          '`/snapshot-copy` — the form; `/snapshot-copy help` — usage; `/snapshot-copy status`',
        ].join('\n'),
      ),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Approval cards go to #approvals; reports to #dr-status. Copies take 20–90 s.',
          },
        ],
      },
    ],
  };
}
