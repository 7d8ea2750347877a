import { printable } from '../../../protocol/index.js';
import { viewAgent } from '../../commands/agent-view.js';
import { ServiceError } from '../../errors.js';
import { listAgents } from '../../store/agents.js';
import { findTenant } from '../../store/tenants.js';
import { withContext } from '../cli-context.js';
import { parseFlags } from '../flags.js';

/** `agents list [--tenant T] [--json]`: id, name, version, connected or last seen, protocol and features, capabilities, reported directories. */
export async function agentsCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'checkpoint') return (await import('./agent-checkpoint.js')).agentCheckpointCommand(argv.slice(1));
  if (argv[0] === 'remove') return (await import('./agent-remove.js')).agentRemoveCommand(argv.slice(1));
  const { values, positionals } = parseFlags(argv, { tenant: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals[0] !== 'list' || positionals.length !== 1)
    throw new ServiceError('USAGE', 'usage: writeback-service agents list [--tenant T] [--json] | agents remove --tenant T --agent ID [--force] | agents checkpoint --agent ID [--history]');
  const agents = await withContext(values, async ({ store, config }) => {
    const tenantId = values.tenant === undefined ? null : (await findTenant(store.db, values.tenant)).id;
    const now = new Date();
    return (await listAgents(store.db, tenantId)).map((agent) => viewAgent(agent, now, config.agents.heartbeatIntervalMs));
  });
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(agents, null, 2)}\n`);
    return 0;
  }
  if (agents.length === 0) process.stdout.write('no agents registered\n');
  for (const a of agents) {
    const seen = a.connected ? 'connected' : a.lastSeenAt === null ? 'never connected' : `last seen ${a.lastSeenAt}`;
    const protocol = a.protocol === null ? '' : `  ${a.protocol}${a.features.length > 0 ? ` (${a.features.join(', ')})` : ''}`;
    const directories = a.directories === null ? '' : `  directories ${a.directories.directories.map((d) => `${d.id}:${d.kind}`).join(', ')}`;
    // Name, version and capabilities are the agent's own words: printed only once made printable.
    process.stdout.write(`${printable(`${a.id}  ${a.name}  ${a.version}  ${seen}${protocol}  tenant ${a.tenantId}  [${a.capabilities.join(', ')}]${directories}`)}\n`);
  }
  return 0;
}
