/** The audit log: append-only here, and the database refuses UPDATE and DELETE (migration 0001). */
import type { AuditInput, AuditRecord } from './port.js';
import type { Ctx } from './requests.js';
import { toAudit } from './rows.js';
import { iso } from './schema.js';

export async function appendAudit({ db }: Ctx, e: AuditInput): Promise<AuditRecord> {
  const row = await db
    .insertInto('audit')
    .values({
      at: iso(e.at),
      actor: e.actor,
      action: e.action,
      request_n: e.requestNumber ?? null,
      detail_json: JSON.stringify(e.detail ?? null),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAudit(row);
}

export async function listAudit(
  { db }: Ctx,
  f: { requestNumber?: number; limit?: number },
): Promise<AuditRecord[]> {
  let q = db.selectFrom('audit').selectAll();
  if (f.requestNumber !== undefined) q = q.where('request_n', '=', f.requestNumber);
  const rows = await q
    .orderBy('id')
    .limit(f.limit ?? 1000)
    .execute();
  return rows.map(toAudit);
}
