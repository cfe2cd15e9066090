/**
 * A tiny forward-only migration runner. Not kysely's Migrator: its table-existence check
 * introspects every schema of a PostgreSQL database, so a bot (or test) in one schema would see
 * another schema's migration table. Here all pending migrations run in one write transaction
 * inside the `migrate` critical section (a PostgreSQL advisory lock; SQLite's BEGIN IMMEDIATE),
 * so two processes starting at once apply each migration exactly once: the second waits, then
 * finds nothing to do.
 */
import { sql } from 'kysely';
import { type Db, type EngineProfile, inWriteTransaction } from '../engine.js';
import { initial } from './0001_initial.js';
import { outboxChannelPacing } from './0002_outbox_channel_pacing.js';
import { replicas } from './0003_replicas.js';
import { durable } from './0004_durable.js';
import { approvals } from './0005_approvals.js';
import { dr } from './0006_dr.js';
import { shareRemoval } from './0007_share_removal.js';
import { approvalNudges } from './0008_approval_nudges.js';
import { cardCopies } from './0009_card_copies.js';
import { twoHop } from './0010_two_hop.js';
import { outboxRecentSends } from './0011_outbox_recent_sends.js';

export interface Migration {
  id: number;
  name: string;
  up: (engine: EngineProfile) => string[];
}

export const MIGRATIONS: readonly Migration[] = [
  initial,
  outboxChannelPacing,
  replicas,
  durable,
  approvals,
  dr,
  shareRemoval,
  approvalNudges,
  cardCopies,
  twoHop,
  outboxRecentSends,
];

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export async function runMigrations(
  db: Db,
  engine: EngineProfile,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return inWriteTransaction(db, engine, 'migrate', async (trx) => {
    for (const statement of engine.setupStatements) await sql.raw(statement).execute(trx);
    await sql
      .raw(
        // The database's clock, not the bot's: applied_at is bookkeeping, not domain time.
        'create table if not exists schema_migrations (id integer primary key, name text not null, applied_at text not null default CURRENT_TIMESTAMP)',
      )
      .execute(trx);
    const applied = await sql<{ id: number }>`select id from schema_migrations`.execute(trx);
    const done = new Set(applied.rows.map((r) => Number(r.id)));
    const newest = Math.max(0, ...migrations.map((m) => m.id));
    const ahead = [...done].filter((id) => id > newest);
    if (ahead.length > 0) {
      throw new MigrationError(
        `the database has migration ${Math.max(...ahead)}, newer than this bot knows (${newest}); ` +
          'migrations are forward-only: run the newer bot version',
      );
    }
    const ran: number[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      for (const statement of m.up(engine)) await sql.raw(statement).execute(trx);
      await sql`insert into schema_migrations (id, name) values (${m.id}, ${m.name})`.execute(trx);
      ran.push(m.id);
    }
    return ran;
  });
}
