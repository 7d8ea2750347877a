import type { Kysely } from 'kysely';
import type { Result } from '../../protocol/index.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import { listArgs, PreparedByLength } from '../db/prepared-query.js';
import { CommandState } from './command-states.js';
import type { StoreOutcome } from './results.js';
import { storeResult } from './results.js';

interface PendingAck {
  commandId: string;
  agentId: string;
  done: Settle<void>;
}

interface PendingResult {
  result: Result;
  signature: string;
  done: Settle<StoreOutcome>;
}

/**
 * How long an ack may wait for company. A command's result usually follows its ack within a few
 * milliseconds; written together, the ack needs no statement of its own (the result makes the
 * command done), so a busy node saves a transaction, and with `synchronous=full` an fsync, per ack.
 */
const ACK_DELAY_MS = 50;

interface Settle<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Acks and verified results that arrive in the same event-loop turn (the agent sends the frames of
 * one turn in one TLS record, so a busy agent's acks and results come in groups) are written in one
 * transaction: one commit, so one fsync on SQLite and one commit on PostgreSQL, instead of one per
 * frame. Each caller's promise settles only after that commit, so a resultAck still goes out only
 * once its result is stored. The rules are those of one write at a time (`storeResult`): an ack
 * only moves a sent command to acknowledged; a result is stored once per command and only for the
 * agent the command was given to, and its sealed secrets are deleted in the same transaction. When
 * a batch fails, each of its writes is tried again alone, so one bad write cannot fail the others.
 * An ack alone waits up to `ACK_DELAY_MS` for the next results, with which it is written, or
 * dropped when its own result is among them: `acknowledged` is a state a command may skip.
 */
export class OutcomeBatch {
  #acks: PendingAck[] = [];
  #results: PendingResult[] = [];
  #scheduled = false;
  #ackTimer: NodeJS.Timeout | null = null;
  readonly #db: Kysely<ServiceDatabase>;
  readonly #now: () => Date;

  constructor(db: Kysely<ServiceDatabase>, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  /** The agent recorded the command: sent becomes acknowledged (nothing else changes). */
  acknowledge(commandId: string, agentId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#acks.push({ commandId, agentId, done: { resolve, reject } });
      this.#ackTimer ??= setTimeout(() => this.#schedule(), ACK_DELAY_MS);
    });
  }

  /** Stores a verified result (see `storeResult`). */
  store(result: Result, signature: string): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.#results.push({ result, signature, done: { resolve, reject } });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#ackTimer !== null) clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
    const results = this.#results;
    const resulted = new Set(results.map(({ result }) => `${result.agentId} ${result.commandId}`));
    const acks = this.#acks.filter((ack) => !resulted.has(`${ack.agentId} ${ack.commandId}`));
    const dropped = this.#acks.filter((ack) => resulted.has(`${ack.agentId} ${ack.commandId}`));
    this.#acks = [];
    this.#results = [];
    const now = this.#now();
    let outcomes: StoreOutcome[];
    try {
      outcomes = await this.#db.transaction().execute(async (tx) => {
        await writeAcks(this.#db, tx, acks, now);
        return writeResults(this.#db, tx, results, now);
      });
    } catch {
      for (const ack of dropped) ack.done.resolve();
      await this.#oneByOne(acks, results, now);
      return;
    }
    for (const ack of [...acks, ...dropped]) ack.done.resolve();
    results.forEach((pending, i) => pending.done.resolve(outcomes[i]!));
  }

  async #oneByOne(acks: PendingAck[], results: PendingResult[], now: Date): Promise<void> {
    for (const ack of acks) {
      await writeAcks(this.#db, this.#db, [ack], now).then(ack.done.resolve, ack.done.reject);
    }
    for (const pending of results) {
      await storeResult(this.#db, pending.result, pending.signature, now).then(pending.done.resolve, pending.done.reject);
    }
  }
}

/** The batch's statements, compiled once per number of commands they name (service/db/prepared-query.ts). */
const ACK = new PreparedByLength((db, param, length) =>
  db
    .updateTable('commands')
    .set({ state: CommandState.acknowledged, updated_at: param<string>('now') })
    .where('agent_id', '=', param<string>('agentId'))
    .where('id', 'in', ids(param, length))
    .where('state', '=', CommandState.sent),
);
const MARK_DONE = new PreparedByLength<{ id: string }>((db, param, length) =>
  db
    .updateTable('commands')
    .set({ state: CommandState.done, session_id: null, updated_at: param<string>('now') })
    .where('agent_id', '=', param<string>('agentId'))
    .where('id', 'in', ids(param, length))
    .where('state', '!=', CommandState.done)
    .returning('id'),
);
const INSERT_RESULTS = new PreparedByLength((db, param, length) =>
  db.insertInto('results').values(
    Array.from({ length }, (_, i) => ({
      command_id: param<string>(`id${i}`),
      agent_id: param<string>('agentId'),
      result: param<string>(`result${i}`),
      signature: param<string>(`signature${i}`),
      code: param<string>(`code${i}`),
      stored_at: param<string>('now'),
    })),
  ),
);
const DROP_SECRETS = new PreparedByLength((db, param, length) => db.deleteFrom('command_secrets').where('command_id', 'in', ids(param, length)));

function ids(param: <T>(name: string) => T, length: number): string[] {
  return Array.from({ length }, (_, i) => param<string>(`id${i}`));
}

/** One UPDATE per agent: its sent commands among `acks` become acknowledged. */
async function writeAcks(db: Kysely<ServiceDatabase>, via: Kysely<ServiceDatabase>, acks: readonly { commandId: string; agentId: string }[], now: Date): Promise<void> {
  for (const [agentId, commandIds] of groupBy(
    acks,
    (ack) => ack.agentId,
    (ack) => ack.commandId,
  )) {
    await ACK.execute(db, commandIds.length, listArgs('id', commandIds, { agentId, now: now.toISOString() }), via);
  }
}

/**
 * Per agent: marks its commands done (those it was given and not done yet), stores their results
 * and deletes their sealed secrets; the first result per command wins, a later one is a duplicate.
 */
async function writeResults(db: Kysely<ServiceDatabase>, via: Kysely<ServiceDatabase>, results: readonly PendingResult[], now: Date): Promise<StoreOutcome[]> {
  const nowText = now.toISOString();
  const outcomeOf = new Map<string, StoreOutcome>();
  for (const [agentId, commandIds] of groupBy(
    results,
    (r) => r.result.agentId,
    (r) => r.result.commandId,
  )) {
    const unique = [...new Set(commandIds)];
    // The write comes first: on SQLite a transaction that reads first cannot always upgrade its lock.
    const touched = (await MARK_DONE.execute(db, unique.length, listArgs('id', unique, { agentId, now: nowText }), via)).rows;
    const stored = new Set(touched.map((row) => row.id));
    if (stored.size > 0) {
      const first = new Map<string, PendingResult>();
      // This agent's own results only: another agent's result naming the same command is never stored for it.
      for (const pending of results) {
        const { commandId } = pending.result;
        if (pending.result.agentId === agentId && stored.has(commandId) && !first.has(commandId)) first.set(commandId, pending);
      }
      const rows = [...first.values()];
      const args: Record<string, unknown> = { agentId, now: nowText };
      rows.forEach(({ result, signature }, i) => {
        args[`id${i}`] = result.commandId;
        args[`result${i}`] = JSON.stringify(result);
        args[`signature${i}`] = signature;
        args[`code${i}`] = result.code;
      });
      await INSERT_RESULTS.execute(db, rows.length, args, via);
      await DROP_SECRETS.execute(db, stored.size, listArgs('id', [...stored]), via);
    }
    const rest = unique.filter((id) => !stored.has(id));
    const existing = rest.length === 0 ? new Set<string>() : new Set((await via.selectFrom('results').select('command_id').where('command_id', 'in', rest).execute()).map((row) => row.command_id));
    for (const id of unique) outcomeOf.set(outcomeKey(agentId, id), stored.has(id) ? 'stored' : existing.has(id) ? 'duplicate' : 'unknown');
  }
  const seen = new Set<string>();
  return results.map(({ result }) => {
    const key = outcomeKey(result.agentId, result.commandId);
    const outcome = outcomeOf.get(key)!;
    if (seen.has(key)) return outcome === 'unknown' ? 'unknown' : 'duplicate';
    seen.add(key);
    return outcome;
  });
}

function outcomeKey(agentId: string, commandId: string): string {
  return `${agentId} ${commandId}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string, value: (item: T) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [value(item)]);
    else list.push(value(item));
  }
  return groups;
}
