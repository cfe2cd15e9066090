/** What every durable step does around its work: being written once, and telling a request's thread. */
import type { Notifier } from '../messages/notifier.js';
import type { NewStep, StepRecord, Store } from '../store/port.js';

/** Writes the step in `tx` (once per dedupe key) and runs it once committed. */
export async function addFollowUp(tx: Store, step: NewStep, afterCommit: () => void): Promise<void> {
  const { added } = await tx.addStep(step);
  if (added) tx.afterCommit(afterCommit);
}

/** A reply in the thread of the step's request, written in `tx`; nothing for steps of no request. */
export async function tellRequest(
  tx: Store,
  notify: Notifier,
  step: StepRecord,
  text: string,
  o: { at: Date; dedupeKey: string },
): Promise<void> {
  if (step.requestNumber === null) return;
  const request = await tx.getRequest(step.requestNumber);
  if (!request) return;
  await notify.within(tx).reply(request.n, request.originChannel, text, o.at, o.dedupeKey);
}
