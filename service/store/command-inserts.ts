import { sql, type Kysely } from 'kysely';
import type { NewCommand, ServiceDatabase } from '../db/database-schema.js';
import type { ServiceDb } from '../db/open-database.js';
import { COMMANDS_CHANNEL } from '../gateway/postgres-wakeup.js';

interface PendingInsert {
  command: NewCommand;
  sealed: ReadonlyMap<string, string>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Submissions waiting for the end of the current event-loop turn, per open database. */
const pending = new WeakMap<ServiceDb, PendingInsert[]>();

/**
 * Stores a submitted command with one sealed copy of its secret per agent that may receive it.
 * Submissions of one event-loop turn (concurrent admin API or help desk requests) share one
 * transaction: one commit, so one fsync on SQLite with `synchronous=full`, and on PostgreSQL one
 * NOTIFY per tenant, which PostgreSQL delivers at the commit, so no node looks before the rows are
 * there. The promise settles after the commit; when a batch fails, each command is tried alone, so
 * one bad row cannot fail the others.
 */
export function insertCommand(store: ServiceDb, command: NewCommand, sealed: ReadonlyMap<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const queue = pending.get(store);
    if (queue !== undefined) {
      queue.push({ command, sealed, resolve, reject });
      return;
    }
    pending.set(store, [{ command, sealed, resolve, reject }]);
    setImmediate(() => void flush(store));
  });
}

async function flush(store: ServiceDb): Promise<void> {
  const batch = pending.get(store) ?? [];
  pending.delete(store);
  try {
    await store.db.transaction().execute((tx) => insertAll(tx, store, batch));
  } catch {
    for (const one of batch)
      await store.db
        .transaction()
        .execute((tx) => insertAll(tx, store, [one]))
        .then(one.resolve, one.reject);
    return;
  }
  for (const one of batch) one.resolve();
}

async function insertAll(tx: Kysely<ServiceDatabase>, store: ServiceDb, batch: readonly PendingInsert[]): Promise<void> {
  await tx
    .insertInto('commands')
    .values(batch.map((one) => one.command))
    .execute();
  const secrets = batch.flatMap(({ command, sealed }) => [...sealed].map(([agentId, text]) => ({ command_id: command.id, agent_id: agentId, sealed: text })));
  if (secrets.length > 0) await tx.insertInto('command_secrets').values(secrets).execute();
  if (store.dialect === 'postgres') {
    for (const tenantId of new Set(batch.map((one) => one.command.tenant_id))) await sql`select pg_notify(${COMMANDS_CHANNEL}, ${tenantId})`.execute(tx);
  }
}
