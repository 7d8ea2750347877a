import { staleAfterMs } from '../../commands/agent-view.js';
import { agentIdArgument, removeAgent } from '../../commands/remove-agent.js';
import { findTenant } from '../../store/tenants.js';
import { withContext } from '../cli-context.js';
import { parseFlags, required } from '../flags.js';

/** `agents remove --tenant T --agent ID [--force]`: retires a stale or replaced agent record (commands/remove-agent.ts). */
export async function agentRemoveCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { tenant: { type: 'string' }, agent: { type: 'string' }, force: { type: 'boolean' } });
  const tenantRef = required(values.tenant, 'tenant', 'agents remove');
  const agentId = agentIdArgument(required(values.agent, 'agent', 'agents remove'));
  const removal = await withContext(values, async ({ store, config }) => {
    const tenant = await findTenant(store.db, tenantRef);
    return removeAgent(store.db, { tenantId: tenant.id, agentId, force: values.force === true, staleMs: staleAfterMs(config.agents.heartbeatIntervalMs), now: new Date() });
  });
  process.stdout.write(`removed agent ${removal.agentId}${removal.wasConnected ? ' (its session closes within a heartbeat)' : ''}; its stored results are kept\n`);
  if (removal.expired > 0) process.stdout.write(`${removal.expired} command(s) only it could act on expired\n`);
  if (removal.retiredKeys.length > 0) process.stdout.write(`retired ${removal.retiredKeys.join(', ')} (every remaining agent trusts the newest key)\n`);
  return 0;
}
