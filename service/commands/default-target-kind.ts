import type { Kysely } from 'kysely';
import { DEFAULT_TARGET_KIND, isDirectoryKind, printable, type TargetKind } from '../../protocol/index.js';
import type { AgentRow, ServiceDatabase } from '../db/database-schema.js';
import { isServiceError, ServiceError } from '../errors.js';
import { listAgents, readStoredDirectories } from '../store/agents.js';

/**
 * The target kind a command names its user by when the sender gave none (SERVICE-INTERFACE.md:
 * `uid` for an OpenLDAP agent, `sAMAccountName` for Active Directory), from what the tenant's
 * agents reported of their directories (docs/protocol.md, "Directories"): the directory named,
 * else each agent's default one. Fails closed, a USAGE error naming `--by`, when an agent never
 * reported (version 1, older agent) or its stored report does not read, reports a kind this service does not know, or the agents'
 * directories are of different kinds: guessing would look the user up under the wrong attribute.
 */
export function defaultTargetKind(agents: readonly AgentRow[], directory: string | undefined): TargetKind {
  const kinds = new Set<string>();
  for (const agent of agents) {
    const read = readStoredDirectories(agent);
    if (read.state === 'never')
      throw new ServiceError(
        'USAGE',
        `agent ${agent.id} (${printable(agent.name)}) has not reported its directories' kinds (version 1 or an older agent); give --by (uid for OpenLDAP, sAMAccountName for Active Directory)`,
      );
    if (read.state === 'unreadable')
      throw new ServiceError(
        'USAGE',
        `agent ${agent.id} (${printable(agent.name)}) has a stored directories report that does not read; it reports again at its next session (restart it), or remove it with \`writeback-service agents remove --tenant T --agent ${agent.id}\`; meanwhile give --by`,
      );
    const stored = read.report;
    const id = directory ?? stored.defaultDirectory;
    const found = stored.directories.find((d) => d.id === id);
    // An agent without the named directory cannot act on the command; the others decide.
    if (found !== undefined) kinds.add(found.kind);
  }
  const [kind, ...others] = [...kinds];
  if (kind === undefined) throw new ServiceError('USAGE', `no agent of the tenant reports a directory ${JSON.stringify(directory ?? '')}; give --by, or a --directory an agent serves`);
  if (others.length > 0) throw new ServiceError('USAGE', `the tenant's agents serve directories of different kinds (${[...kinds].sort().join(', ')}); give --by`);
  if (!isDirectoryKind(kind)) throw new ServiceError('USAGE', `agent directories are of kind ${JSON.stringify(kind)}, which this service does not know; give --by`);
  return DEFAULT_TARGET_KIND[kind];
}

/**
 * For pages that offer a default rather than refuse (the help desk's "Find the user by", the
 * portal's `targetBy: "agents"`): the tenant's kind for its agents' default directories, or null
 * and why when defaultTargetKind would refuse. A database error is thrown, not taken for "unknown".
 */
export async function tenantTargetKind(db: Kysely<ServiceDatabase>, tenantId: string): Promise<{ by: TargetKind; why: null } | { by: null; why: string }> {
  try {
    return { by: defaultTargetKind(await listAgents(db, tenantId), undefined), why: null };
  } catch (error) {
    if (isServiceError(error) && error.code === 'USAGE') return { by: null, why: error.message };
    throw error;
  }
}
