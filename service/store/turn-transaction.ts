import type { Kysely } from 'kysely';
import type { ServiceDatabase } from '../db/database-schema.js';
import type { ServiceDb } from '../db/open-database.js';

/** A group of writes (a turn's submissions, acks and results, one claim) that joins the transaction of the current event-loop turn. */
export interface TurnWrite {
  /** Runs inside the shared transaction, after the writes that joined before it. */
  write(tx: Kysely<ServiceDatabase>): Promise<void>;
  /** The shared transaction committed: settle the callers. */
  committed(): void;
  /** The shared transaction failed and was rolled back: write again in a transaction of its own, and settle the callers either way. */
  alone(): Promise<void>;
}

/** Writes waiting for the end of the current event-loop turn, per open database. */
const turns = new WeakMap<ServiceDb, TurnWrite[]>();

/**
 * Joins `write` to the transaction of this event-loop turn. What the parts of a node ask to write in
 * one turn (the submissions of concurrent API requests, the acks and results an agent sent
 * together, the claim that refills its credit) is committed once: one fsync on SQLite with
 * `synchronous=full`, where each commit stops the whole node until the disk has it, and one COMMIT on
 * PostgreSQL. Every caller's promise settles after that commit, so nothing that depends on a write
 * (a `202`, a `resultAck`, a command sent) goes out before it is durable. When the transaction fails,
 * each write is tried again alone, so one bad write cannot fail the others.
 */
export function joinTurn(store: ServiceDb, write: TurnWrite): void {
  const queue = turns.get(store);
  if (queue !== undefined) {
    queue.push(write);
    return;
  }
  turns.set(store, [write]);
  setImmediate(() => void flush(store));
}

async function flush(store: ServiceDb): Promise<void> {
  const writes = turns.get(store) ?? [];
  turns.delete(store);
  try {
    await store.db.transaction().execute(async (tx) => {
      for (const one of writes) await one.write(tx);
    });
  } catch {
    for (const one of writes) await one.alone().catch(() => undefined);
    return;
  }
  for (const one of writes) one.committed();
}
