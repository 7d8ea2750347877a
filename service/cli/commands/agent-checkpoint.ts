import { ServiceError } from '../../errors.js';
import { getAgent } from '../../store/agents.js';
import { latestAuditCheckpoint } from '../../store/audit-checkpoints.js';
import { withContext } from '../cli-context.js';
import { parseFlags, required } from '../flags.js';

/**
 * `agents checkpoint --agent ID`: the agent's latest audit checkpoint as the agent signed it, one
 * JSON line, for `writeback-agent audit verify --checkpoint FILE` on the agent's host. Exit 1 when
 * the agent reported none yet.
 */
export async function agentCheckpointCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { agent: { type: 'string' } });
  if (positionals.length !== 0) throw new ServiceError('USAGE', 'usage: writeback-service agents checkpoint --agent ID');
  const agentId = required(values.agent, 'agent', 'agents');
  const held = await withContext(values, async ({ store }) => {
    if ((await getAgent(store.db, agentId)) === undefined) throw new ServiceError('USAGE', `no agent ${JSON.stringify(agentId)}; see \`writeback-service agents list\``);
    return latestAuditCheckpoint(store.db, agentId);
  });
  if (held === null) {
    process.stderr.write(`agent ${agentId} has reported no audit checkpoint yet (it reports one after each session starts, on a version-2 session with the auditCheckpoint feature)\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(held.checkpoint)}\n`);
  return 0;
}
