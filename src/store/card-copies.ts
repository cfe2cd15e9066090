/** The approval card's DM copies (SPEC §5.3): one row per request and approver. */
import type { CardCopy } from './port.js';
import type { Ctx } from './requests.js';
import { iso } from './schema.js';

export async function recordCardCopy({ db }: Ctx, copy: CardCopy, at: Date): Promise<void> {
  await db
    .insertInto('card_copies')
    .values({
      request_n: copy.requestNumber,
      user_id: copy.userId,
      channel: copy.channel,
      ts: copy.ts,
      posted_at: iso(at),
    })
    // A post retried after a lost record: the newest post is the copy kept in step.
    .onConflict((oc) =>
      oc.columns(['request_n', 'user_id']).doUpdateSet({ channel: copy.channel, ts: copy.ts }),
    )
    .execute();
}

export async function listCardCopies({ db }: Ctx, n: number): Promise<CardCopy[]> {
  const rows = await db
    .selectFrom('card_copies')
    .selectAll()
    .where('request_n', '=', n)
    .orderBy('posted_at')
    .orderBy('user_id')
    .execute();
  return rows.map((r) => ({
    requestNumber: Number(r.request_n),
    userId: r.user_id,
    channel: r.channel,
    ts: r.ts,
  }));
}
