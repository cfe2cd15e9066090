/**
 * Kysely's SQLite dialect, adapted to a bot that shares its event loop with Slack's 3 s acks.
 *
 * better-sqlite3 is synchronous: kysely wraps each query in an already-resolved promise, so a
 * chain of awaited queries (rendering an App Home, filing a request, claiming outbox messages) runs
 * as one unbroken series of microtasks and no socket is read until it ends — `npm run bench`
 * measured busy stretches of 0.3–0.6 s under a burst of commands. Here each query first waits for
 * its turn: one query is let through per turn of the event loop, after the pending I/O (incoming
 * requests, AWS and Slack answers) has been handled, so Slack requests are read and acked between
 * the queries of longer work however many pieces of it run at once. Queries inside a transaction
 * do not wait: a transaction holds the one connection and stays as short as it was. Nor do urgent
 * queries (`priority.ts`: the intent a Slack ack waits on), which would otherwise queue behind the
 * very work that a burst of earlier commands started.
 *
 * Statements are also prepared once per SQL text (kysely prepares on every call; better-sqlite3
 * statements are reusable), in a bounded cache because `in (?, ?, …)` lists make many texts.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { type Driver, SqliteDialect } from 'kysely';
import { LRUCache } from 'lru-cache';
import { isUrgent } from './priority.js';

const CACHED_STATEMENTS = 256;

/** Lets one waiting query through per turn of the event loop. */
class Turns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    // Called from the check phase, setImmediate runs in the next turn, after that turn's I/O.
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.();
      this.schedule();
    });
  }
}

export class FairSqliteDialect extends SqliteDialect {
  private readonly turns = new Turns();

  constructor(database: BetterSqlite3.Database) {
    const statements = new LRUCache<string, BetterSqlite3.Statement>({ max: CACHED_STATEMENTS });
    super({
      database: {
        close: () => database.close(),
        prepare: (sql: string) => {
          let statement = statements.get(sql);
          if (!statement) {
            statement = database.prepare(sql);
            statements.set(sql, statement);
          }
          return statement;
        },
      },
    });
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => {
      if (!isUrgent()) await this.turns.next();
      return acquire();
    };
    return driver;
  }
}
