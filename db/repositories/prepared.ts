import type { Database, DbOrTx } from '../client.ts';

/**
 * A query read on (nearly) every admin request, its SQL built once and sent as a named prepared
 * statement, which PostgreSQL parses and plans once per connection. Inside a transaction the same
 * statement is prepared on the transaction's connection.
 */
export function preparedQuery<P>(db: Database, name: string, build: (tx: DbOrTx) => { prepare: (name: string) => P }): (tx: DbOrTx) => P {
  const onDb = build(db).prepare(name);
  return (tx) => (tx === db ? onDb : build(tx).prepare(name));
}
