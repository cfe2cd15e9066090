import { estimateStart, slotLimit } from '../domain/slots.js';
import type { Notifier } from '../messages/notifier.js';
import type { SlotLimits, Store } from '../store/port.js';
import type { QueuedCopy, RequestWording } from './wording.js';

/** Used for the estimate until the bot has completed copies of its own to learn from. */
const DEFAULT_TYPICAL_COPY_MS = 30 * 60_000;

/**
 * After approval, copies that could not start at once are told their place in their
 * destination's queue and a rough start estimate (SPEC §5.4), learned from recent copies there.
 */
export async function queueNotice(
  deps: { store: Store; notify: Notifier; wording: RequestWording; now: () => Date; limits: SlotLimits },
  n: number,
): Promise<void> {
  const { store, notify, now } = deps;
  const request = await store.getRequest(n);
  // A final hop waits for its intermediate copy, not for a slot: its queue is told once it can start.
  const queued = (await store.getCopies(n)).filter((c) => c.state === 'queued' && c.afterCopyId === null);
  if (!request || queued.length === 0) return;
  const queues = await store.queueSnapshot();
  const told: QueuedCopy[] = [];
  for (const copy of queued) {
    const q = queues.find(
      (x) => x.accountId === copy.destination.accountId && x.region === copy.destination.region,
    );
    const position = q?.positions.find((p) => p.copyId === copy.id)?.position;
    const recent = await store.listCopies({
      states: ['completed'],
      destAccountId: copy.destination.accountId,
      destRegion: copy.destination.region,
      limit: 20,
    });
    const durations = recent.flatMap((c) =>
      c.startedAt && c.completedAt ? [c.completedAt.getTime() - c.startedAt.getTime()] : [],
    );
    const typical = durations.length
      ? durations.reduce((a, b) => a + b, 0) / durations.length
      : DEFAULT_TYPICAL_COPY_MS;
    const limit = slotLimit(
      deps.limits,
      copy.destination.account,
      copy.destination.accountId,
      copy.destination.region,
    );
    const estimate = position ? estimateStart(position, limit, q?.inFlight ?? 0, typical) : undefined;
    told.push({
      copy,
      ...(position ? { position } : {}),
      ...(estimate ? { estimateStartMs: estimate } : {}),
    });
  }
  const at = now();
  // The notice and the state it tells of commit together (the reply's key makes a replay tell once).
  await store.transaction(async (tx) => {
    const tell = notify.within(tx);
    await tell.reply(n, request.originChannel, deps.wording.copiesQueued(told), at, `queued:${n}`);
    // Nothing of it could start: the request waits in the queue (SPEC §5: approved → queued → copying).
    // A copy that started meanwhile moved it to `copying` already, and `from` keeps it there.
    if (await tx.transitionRequest(n, { from: ['approved'], to: 'queued', at })) {
      await tell.requestChanged(n, request.originChannel, at);
    }
  });
}
