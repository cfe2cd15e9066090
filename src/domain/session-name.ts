/**
 * STS `RoleSessionName`s that make CloudTrail traceable (SPEC §10): the request and requester for
 * work done for a request (`R-12-U0ABC123`), `snapshot-copy-<purpose>` for the bot's own work
 * (`snapshot-copy-poller`), and the requester too for work before the request has a number
 * (`snapshot-copy-filing-U0ABC123`). STS allows 2–64 characters of `[\w+=,.@-]`; this is the one
 * place that makes names valid.
 */

const MAX_LENGTH = 64;

function clean(part: string): string {
  return part.replace(/[^\w+=,.@-]/g, '-');
}

export function roleSessionName(input: { request?: number; requester?: string; purpose: string }): string {
  const parts =
    input.request === undefined
      ? ['snapshot-copy', input.purpose, ...(input.requester ? [input.requester] : [])]
      : [`R-${input.request}`, ...(input.requester ? [input.requester] : [])];
  const name = parts
    .map(clean)
    .filter((p) => p !== '')
    .join('-')
    .slice(0, MAX_LENGTH);
  return name.length >= 2 ? name : 'snapshot-copy';
}
