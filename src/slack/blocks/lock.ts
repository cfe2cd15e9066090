/** How a snapshot lock reads on the card and in the thread (SPEC §5.1, §5.7). */
import type { LockSpec } from '../../domain/types.js';

const DAY_MS = 86_400_000;

/** `2024-07-03 09:00 UTC`: the same for every reader, unlike a Slack-localised date. */
export function utcText(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The card's line: the lock starts once the copy completes, so the date is the earliest it can end. */
export function lockCardLine(lock: LockSpec, filedAt: Date): string {
  const earliest = utcText(new Date(filedAt.getTime() + lock.days * DAY_MS));
  const days = `${lock.days} day${lock.days === 1 ? '' : 's'}`;
  if (lock.mode === 'compliance') {
    const coolOff = lock.coolOffHours ? ` (changeable for ${lock.coolOffHours} h first)` : '';
    return `:lock: Lock: *compliance*, ${days} once copied${coolOff}: nobody, not even the account root, can delete it before ${earliest}`;
  }
  return `:lock: Lock: governance, ${days} once copied (until ${earliest} at the earliest; users with ec2:UnlockSnapshot can lift it)`;
}
