import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/** What every repository function takes first: the pool-backed db, or a transaction. */
export type Db = Kysely<DB> | Transaction<DB>;

/** Runs `work` in a transaction, or inside the caller's one when `db` already is a transaction. */
export function inTransaction<T>(db: Db, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<DB>) : db.transaction().execute(work);
}
