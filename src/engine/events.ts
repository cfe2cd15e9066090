import type { CopyChange } from '../store/port.js';

/**
 * What the engine tells the rest of the bot when a copy moves. The engine never builds Slack
 * messages (STYLE: data flows one way); the implementation in `requests/copy-events.ts` turns these into
 * outbox entries and schedules follow-up work (unsharing, filling the freed slot).
 */
export interface CopyEvents {
  started(change: CopyChange): Promise<void>;
  requeued(change: CopyChange, why: 'copy-limit' | 'throttled' | 'recovered'): Promise<void>;
  progressed(requestNumber: number): Promise<void>;
  completed(change: CopyChange): Promise<void>;
  failed(change: CopyChange): Promise<void>;
}
