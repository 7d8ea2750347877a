import { staleAfterMs } from '../../commands/agent-view.js';
import type { AgentRow } from '../../db/database-schema.js';
import { describeAgent } from '../../commands/remove-agent.js';
import { ServiceError } from '../../errors.js';
import { retirementBlockers, retireSupersededKeys, rotateKeys } from '../../keys/key-rotation.js';
import { KeyStatus } from '../../keys/signing-keys.js';
import { withContext } from '../cli-context.js';
import { parseFlags } from '../flags.js';

/**
 * `keys rotate`: adds a signing key, keeps the older ones valid until every agent trusts the new one.
 * `keys status`: the keys, and the agents that still hold back the older ones' retirement.
 */
export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {});
  const action = positionals[0];
  if ((action !== 'rotate' && action !== 'status') || positionals.length !== 1) throw new ServiceError('USAGE', 'usage: writeback-service keys rotate | keys status');
  if (action === 'status') {
    const status = await withContext(values, async ({ store, config }) => {
      const retired = await retireSupersededKeys(store.db);
      const keys = await store.db.selectFrom('signing_keys').select(['kid', 'status', 'created_at']).orderBy('created_at').execute();
      return { keys, retired, staleMs: staleAfterMs(config.agents.heartbeatIntervalMs), ...(await retirementBlockers(store.db)) };
    });
    for (const key of status.keys) process.stdout.write(`${key.kid}  ${key.status}  created ${key.created_at}\n`);
    if (status.retired.length > 0) process.stdout.write(`retired ${status.retired.join(', ')} now (every agent trusts the newest key)\n`);
    const olderActive = status.keys.filter((key) => key.status === KeyStatus.active && key.kid !== status.newest).length;
    if (olderActive > 0) writeBlockers(status.blockers, status.staleMs);
    return 0;
  }
  const rotation = await withContext(values, async ({ store, dataDir, config }) => ({
    ...(await rotateKeys(store.db, dataDir, new Date())),
    staleMs: staleAfterMs(config.agents.heartbeatIntervalMs),
  }));
  process.stdout.write(`added signing key ${rotation.added.kid}\n`);
  if (rotation.retired.length > 0) process.stdout.write(`retired ${rotation.retired.join(', ')} (every agent trusts the new key)\n`);
  if (rotation.blockers.length > 0) {
    process.stdout.write(
      `${rotation.blockers.length} agent(s) do not trust the new key yet: connected version-2 agents are told it within a heartbeat, the others at their next session; older keys sign for them until then\n`,
    );
    writeBlockers(rotation.blockers, rotation.staleMs);
  }
  process.stdout.write('with several nodes, copy keys/*.jwk to every node of this service (each picks the key up at its next heartbeat)\n');
  return 0;
}

/** Names each agent holding back retirement, and how to remove one that is stale (re-registered, decommissioned). */
function writeBlockers(blockers: readonly AgentRow[], staleMs: number): void {
  if (blockers.length === 0) return;
  const now = new Date();
  process.stdout.write('older keys stay active until these agents trust the newest:\n');
  for (const agent of blockers) process.stdout.write(`  ${describeAgent(agent, now, staleMs)}, tenant ${agent.tenant_id}\n`);
  process.stdout.write('a record that will never connect again (re-registered or decommissioned agent): writeback-service agents remove --tenant TENANT --agent ID\n');
}
