/**
 * STS `RoleSessionName`s that make CloudTrail traceable (SPEC §10): the request and requester for
 * work done for a request (`R-12-U0ABC123`), `snapshot-copy-<purpose>` for the bot's own work
 * (`snapshot-copy-poller`). STS allows 2–64 characters of `[\w+=,.@-]`.
 */

const MAX_LENGTH = 64;

function clean(part: string): string {
  return part.replace(/[^\w+=,.@-]/g, '-');
}

export function roleSessionName(input: { request?: number; requester?: string; purpose: string }): string {
  const parts =
    input.request === undefined
      ? ['snapshot-copy', input.purpose]
      : [`R-${input.request}`, ...(input.requester ? [input.requester] : [])];
  const name = parts
    .map(clean)
    .filter((p) => p !== '')
    .join('-')
    .slice(0, MAX_LENGTH);
  return name.length >= 2 ? name : 'snapshot-copy';
}
