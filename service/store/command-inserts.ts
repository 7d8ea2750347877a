import { sql, type Kysely } from 'kysely';
import type { NewCommand, ServiceDatabase } from '../db/database-schema.js';
import type { ServiceDb } from '../db/open-database.js';
import { PreparedByLength } from '../db/prepared-query.js';
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

/**
 * Every column of a command row, in the order the insert names them. A record over the table's keys,
 * so that a column added to the table and not here fails to compile instead of being inserted as null.
 */
const COMMAND_COLUMNS = Object.keys({
  id: true,
  tenant_id: true,
  op: true,
  directory: true,
  target: true,
  params: true,
  has_secret: true,
  state: true,
  agent_id: true,
  session_id: true,
  issued_at: true,
  expires_at: true,
  created_at: true,
  updated_at: true,
  sends: true,
  submitted_by: true,
} satisfies Record<keyof NewCommand, true>) as (keyof NewCommand)[];

/** The inserts, compiled once per number of rows (service/db/prepared-query.ts). */
const INSERT_COMMANDS = new PreparedByLength((db, param, length) =>
  db.insertInto('commands').values(Array.from({ length }, (_, i) => Object.fromEntries(COMMAND_COLUMNS.map((column) => [column, param(`${column}${i}`)])) as NewCommand)),
);
const INSERT_SECRETS = new PreparedByLength((db, param, length) =>
  db.insertInto('command_secrets').values(Array.from({ length }, (_, i) => ({ command_id: param<string>(`command${i}`), agent_id: param<string>(`agent${i}`), sealed: param<string>(`sealed${i}`) }))),
);

async function insertAll(tx: Kysely<ServiceDatabase>, store: ServiceDb, batch: readonly PendingInsert[]): Promise<void> {
  const commands: Record<string, unknown> = {};
  batch.forEach(({ command }, i) => {
    for (const column of COMMAND_COLUMNS) commands[`${column}${i}`] = command[column];
  });
  await INSERT_COMMANDS.execute(store.db, batch.length, commands, tx);
  const secrets: Record<string, unknown> = {};
  let count = 0;
  for (const { command, sealed } of batch) {
    for (const [agentId, text] of sealed) {
      secrets[`command${count}`] = command.id;
      secrets[`agent${count}`] = agentId;
      secrets[`sealed${count}`] = text;
      count++;
    }
  }
  if (count > 0) await INSERT_SECRETS.execute(store.db, count, secrets, tx);
  if (store.dialect === 'postgres') {
    for (const tenantId of new Set(batch.map((one) => one.command.tenant_id))) await sql`select pg_notify(${COMMANDS_CHANNEL}, ${tenantId})`.execute(tx);
  }
}
