import type { Kysely } from 'kysely';
import type { CommandTarget, Result } from '../../protocol/index.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import type { Tenant } from '../store/tenants.js';

/** One line of the help desk's command list, read from the shared database (any node shows it). */
export interface CommandLine {
  id: string;
  op: string;
  target: CommandTarget | null;
  state: string;
  submittedBy: string;
  issuedAt: string;
  result: Result | null;
}

export async function listTenants(db: Kysely<ServiceDatabase>): Promise<Tenant[]> {
  return db.selectFrom('tenants').select(['id', 'name']).orderBy('name').execute();
}

/** The tenant's latest `limit` commands, newest first, with their signed results when done. */
export async function recentCommands(db: Kysely<ServiceDatabase>, tenantId: string, limit = 50): Promise<CommandLine[]> {
  const rows = await db
    .selectFrom('commands')
    .leftJoin('results', 'results.command_id', 'commands.id')
    .select(['commands.id', 'commands.op', 'commands.target', 'commands.state', 'commands.submitted_by', 'commands.issued_at', 'results.result'])
    .where('commands.tenant_id', '=', tenantId)
    .orderBy('commands.issued_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    op: row.op,
    target: row.target === null ? null : (JSON.parse(row.target) as CommandTarget),
    state: row.state,
    submittedBy: row.submitted_by,
    issuedAt: row.issued_at,
    result: row.result === null ? null : (JSON.parse(row.result) as Result),
  }));
}
