import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { urgently } from '../../src/store/priority.js';
import { FairSqliteDialect } from '../../src/store/sqlite-dialect.js';

let db: Kysely<Record<string, never>> | undefined;

afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

/** Ten queries of longer work queued, then the query a Slack ack waits on: the order they finish in. */
async function finishOrder(ackQuery: (run: () => Promise<unknown>) => Promise<unknown>): Promise<string[]> {
  db = new Kysely({ dialect: new FairSqliteDialect(new Database(':memory:')) });
  // The first query opens the connection; the queue is measured after it.
  await sql`select 1`.execute(db);
  const order: string[] = [];
  const query = (label: string) => async () => {
    await sql`select ${label} as label`.execute(db!);
    order.push(label);
  };
  const work = Array.from({ length: 10 }, (_, i) => query(`work-${i}`)());
  const ack = ackQuery(query('ack'));
  await Promise.all([...work, ack]);
  return order;
}

describe('the SQLite query queue', () => {
  it('lets the queued queries through one per turn of the event loop, in order', async () => {
    const order = await finishOrder((run) => run());
    expect(order).toEqual([...Array.from({ length: 10 }, (_, i) => `work-${i}`), 'ack']);
  });

  it('runs a query started by urgently ahead of the queue', async () => {
    const order = await finishOrder((run) => urgently(run));
    expect(order[0]).toBe('ack');
    expect(order).toHaveLength(11);
  });

  it('marks only the queries urgently starts before its first await', async () => {
    const order = await finishOrder((run) =>
      urgently(async () => {
        await Promise.resolve();
        await run();
      }),
    );
    expect(order.at(-1)).toBe('ack');
  });
});
