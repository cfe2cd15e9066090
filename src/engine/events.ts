import type { CopyChange, Store } from '../store/port.js';

/**
 * What the engine tells the rest of the bot when a copy moves. The engine never builds Slack
 * messages (STYLE: data flows one way); the implementation in `requests/copy-events.ts` turns these into
 * outbox entries and durable steps (unsharing) and wakes the dispatcher for a freed slot.
 *
 * `tx` is the transaction that made the change: what the handler writes commits with it (SPEC §10),
 * so a crash can never record a completion without its thread reply and its unshare step.
 */
export interface CopyEvents {
  started(change: CopyChange, tx: Store): Promise<void>;
  requeued(change: CopyChange, why: 'copy-limit' | 'throttled' | 'recovered', tx: Store): Promise<void>;
  progressed(requestNumber: number): Promise<void>;
  completed(change: CopyChange, tx: Store): Promise<void>;
  failed(change: CopyChange, tx: Store): Promise<void>;
}

/** Applies a copy's change and the event it causes in one transaction. */
export async function changeAndTell(
  store: Store,
  change: (tx: Store) => Promise<CopyChange | undefined>,
  tell: (change: CopyChange, tx: Store) => Promise<void>,
): Promise<CopyChange | undefined> {
  return store.transaction(async (tx) => {
    const c = await change(tx);
    if (c) await tell(c, tx);
    return c;
  });
}
