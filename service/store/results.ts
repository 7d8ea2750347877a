import type { Kysely } from 'kysely';
import type { Result } from '../../protocol/index.js';
import type { ResultRow, ServiceDatabase } from '../db/database-schema.js';
import { CommandState } from './command-states.js';

export type StoreOutcome = 'stored' | 'duplicate' | 'unknown';

/**
 * Stores a verified result, the first one per command only (a re-sent result is a duplicate), marks
 * the command done and deletes its sealed secrets, in one transaction. A result for a command this
 * agent was never given is not stored ('unknown').
 */
export async function storeResult(db: Kysely<ServiceDatabase>, result: Result, signature: string, now: Date): Promise<StoreOutcome> {
  return db.transaction().execute(async (tx) => {
    // The write comes first: on SQLite a transaction that reads first cannot always upgrade its lock.
    const touched = await tx
      .updateTable('commands')
      .set({ state: CommandState.done, session_id: null, updated_at: now.toISOString() })
      .where('id', '=', result.commandId)
      .where('agent_id', '=', result.agentId)
      .where('state', '!=', CommandState.done)
      .executeTakeFirst();
    if (Number(touched.numUpdatedRows) === 0) {
      const existing = await tx.selectFrom('results').select('command_id').where('command_id', '=', result.commandId).executeTakeFirst();
      return existing === undefined ? 'unknown' : 'duplicate';
    }
    await tx
      .insertInto('results')
      .values({ command_id: result.commandId, agent_id: result.agentId, result: JSON.stringify(result), signature, code: result.code, stored_at: now.toISOString() })
      .execute();
    await tx.deleteFrom('command_secrets').where('command_id', '=', result.commandId).execute();
    return 'stored';
  });
}

export async function getResult(db: Kysely<ServiceDatabase>, commandId: string): Promise<ResultRow | undefined> {
  return db.selectFrom('results').selectAll().where('command_id', '=', commandId).executeTakeFirst();
}
