import { hostname } from 'node:os';
import { printable } from '../../../protocol/index.js';
import { staleAfterMs } from '../../commands/agent-view.js';
import type { AgentRow, ServiceNodeRow } from '../../db/database-schema.js';
import { describeAgent } from '../../commands/remove-agent.js';
import { ServiceError } from '../../errors.js';
import { retirementBlockers, retireSupersededKeys, rotateKeys, type RetirementBlockers } from '../../keys/key-rotation.js';
import { KeyStatus } from '../../keys/signing-keys.js';
import { isConnected } from '../../store/agents.js';
import { heldKids } from '../../store/service-nodes.js';
import { withContext } from '../cli-context.js';
import { parseFlags } from '../flags.js';

/** Where the command runs: a node recorded with this host and data directory already has the key file `keys rotate` wrote. */
interface Here {
  hostname: string;
  dataDir: string;
}

/**
 * `keys rotate [--json]`: adds a signing key, keeps the older ones valid until every agent trusts
 * the new one and every live node holds it.
 * `keys status [--json]`: the keys, and the agents and nodes that still hold back the older ones' retirement.
 */
export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
  const action = positionals[0];
  if ((action !== 'rotate' && action !== 'status') || positionals.length !== 1) throw new ServiceError('USAGE', 'usage: writeback-service keys rotate [--json] | keys status [--json]');
  const json = values.json === true;
  if (action === 'status') {
    const status = await withContext(values, async ({ store, config, dataDir }) => {
      const now = new Date();
      const retired = await retireSupersededKeys(store.db, now);
      const keys = await store.db.selectFrom('signing_keys').select(['kid', 'status', 'created_at']).orderBy('created_at').execute();
      const { newest, blockers } = await retirementBlockers(store.db, now);
      // Blockers matter only while older keys are active.
      const held = keys.some((key) => key.status === KeyStatus.active && key.kid !== newest) ? blockers : { agents: [], nodes: [] };
      return { keys, retired, newest, blockers: held, staleMs: staleAfterMs(config.agents.heartbeatIntervalMs), here: { hostname: hostname(), dataDir: dataDir.path }, now };
    });
    if (json) {
      const keys = status.keys.map((key) => ({ kid: key.kid, status: key.status, createdAt: key.created_at }));
      writeJson({ keys, newest: status.newest, retired: status.retired, blockers: blockersJson(status.blockers, status.newest ?? '', status) });
      return 0;
    }
    for (const key of status.keys) process.stdout.write(`${key.kid}  ${key.status}  created ${key.created_at}\n`);
    if (status.retired.length > 0) process.stdout.write(`retired ${status.retired.join(', ')} now (every agent trusts the newest key)\n`);
    writeAgentBlockers(status.blockers.agents, status.staleMs, status.now);
    writeNodeBlockers(status.blockers.nodes, status.newest ?? '', status.here);
    return 0;
  }
  const rotation = await withContext(values, async ({ store, dataDir, config }) => {
    const now = new Date();
    return { ...(await rotateKeys(store.db, dataDir, now)), staleMs: staleAfterMs(config.agents.heartbeatIntervalMs), here: { hostname: hostname(), dataDir: dataDir.path }, now };
  });
  const { added, blockers } = rotation;
  if (json) {
    writeJson({ added, retired: rotation.retired, blockers: blockersJson(blockers, added.kid, rotation) });
    return 0;
  }
  process.stdout.write(`added signing key ${added.kid}\n`);
  if (rotation.retired.length > 0) process.stdout.write(`retired ${rotation.retired.join(', ')} (every agent trusts the new key)\n`);
  if (blockers.agents.length > 0) {
    process.stdout.write(
      `${blockers.agents.length} agent(s) do not trust the new key yet: connected version-2 agents are told it within a heartbeat, the others at their next session; older keys sign for them until then\n`,
    );
    writeAgentBlockers(blockers.agents, rotation.staleMs, rotation.now);
  }
  writeNodeBlockers(blockers.nodes, added.kid, rotation.here);
  process.stdout.write(`with several nodes, copy keys/${added.kid}.jwk (mode 0600) to every node of this service (each picks the key up at its next heartbeat)\n`);
  return 0;
}

function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function blockersJson(blockers: RetirementBlockers, kid: string, context: { staleMs: number; here: Here; now: Date }) {
  return {
    agents: blockers.agents.map((agent) => ({
      id: agent.id,
      tenantId: agent.tenant_id,
      name: agent.name,
      hostname: agent.hostname,
      connected: isConnected(agent, context.now, context.staleMs),
      lastSeenAt: agent.last_seen_at,
    })),
    nodes: blockers.nodes.map((node) => ({
      nodeId: node.node_id,
      hostname: node.hostname,
      dataDir: node.data_dir,
      lastSeenAt: node.last_seen_at,
      kids: heldKids(node),
      fix: nodeFix(node, kid, context.here),
    })),
  };
}

/** Names each agent holding back retirement, and how to remove one that is stale (re-registered, decommissioned). */
function writeAgentBlockers(blockers: readonly AgentRow[], staleMs: number, now: Date): void {
  if (blockers.length === 0) return;
  process.stdout.write('older keys stay active until these agents trust the newest:\n');
  for (const agent of blockers) process.stdout.write(`  ${describeAgent(agent, now, staleMs)}, tenant ${agent.tenant_id}\n`);
  process.stdout.write('a record that will never connect again (re-registered or decommissioned agent): writeback-service agents remove --tenant TENANT --agent ID\n');
}

/** Names each live node that has not loaded the newest key, and what makes it load it. */
function writeNodeBlockers(nodes: readonly ServiceNodeRow[], kid: string, here: Here): void {
  if (nodes.length === 0) return;
  process.stdout.write(`older keys stay active until these running nodes hold the newest key, ${kid}:\n`);
  for (const node of nodes) {
    const dir = node.data_dir === null ? '' : `, data directory ${printable(node.data_dir)}`;
    process.stdout.write(`  node ${node.node_id} on ${printable(node.hostname)}${dir}, last seen ${node.last_seen_at}: ${printable(nodeFix(node, kid, here))}\n`);
  }
}

/** What makes `node` load `kid`: nothing when it runs on this data directory (it has the file `keys rotate` wrote), else a copy of the file. */
function nodeFix(node: ServiceNodeRow, kid: string, here: Here): string {
  const file = `keys/${kid}.jwk`;
  if (node.hostname === here.hostname && node.data_dir === here.dataDir)
    return `uses this data directory: loads ${file} at its next heartbeat (if it does not, its log says why: "cannot load the new signing keys")`;
  const where = node.data_dir === null ? "the node's data directory" : `${node.data_dir}/keys/`;
  return `copy ${file} (mode 0600) to ${where} on ${node.hostname}, or point signingKeys at it; the node loads it at its next heartbeat`;
}
