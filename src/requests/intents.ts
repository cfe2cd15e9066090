/**
 * What a recorded Slack intent asks for (the inbox's payloads), and carrying one out. Listeners
 * record these before their ack; `handleIntent` runs them after it — or after a restart.
 */
import type { CopyRequestSpec, Decision } from '../domain/types.js';
import type { ReplyTo } from '../messages/notifier.js';
import type { IntentRecord, SlackRef } from '../store/port.js';
import type { Asked } from './decisions.js';
import type { RequestService } from './service.js';

export type IntentPayload =
  | { type: 'copy'; spec: CopyRequestSpec; channel: string; reply: ReplyTo }
  | { type: 'status'; n?: number; reply: ReplyTo }
  | { type: 'cancel'; n: number; reply: ReplyTo }
  | { type: 'report'; reply: ReplyTo }
  | {
      type: 'decision';
      n: number;
      decision: 'approve' | 'reject';
      /** The reject form's reason. */
      reason?: string;
      via?: SlackRef;
      reply: ReplyTo;
    };

/** An intent tried this often without finishing is answered with an apology and closed. */
export const MAX_INTENT_ATTEMPTS = 6;

export async function handleIntent(service: RequestService, intent: IntentRecord): Promise<void> {
  const p = intent.payload as IntentPayload;
  const asked: Asked = { id: intent.id, receivedAt: intent.receivedAt, reply: p.reply };
  if (intent.attempts > MAX_INTENT_ATTEMPTS) {
    await service.abandon(asked);
    return;
  }
  switch (p.type) {
    case 'copy':
      await service.submit(asked, p.spec, intent.userId, p.channel);
      return;
    case 'status':
      await service.answer(asked, await service.status(intent.userId, p.n));
      return;
    case 'cancel':
      await service.cancel(asked, intent.userId, p.n);
      return;
    case 'report': {
      const report = await service.report();
      await service.answer(asked, report.text, report.blocks);
      return;
    }
    case 'decision':
      await service.decide(asked, {
        n: p.n,
        userId: intent.userId,
        decision: p.decision as Decision,
        ...(p.via ? { via: p.via } : {}),
        ...(p.reason ? { reason: p.reason } : {}),
      });
      return;
  }
}
