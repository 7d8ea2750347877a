import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Feature, Subprotocol, type ServiceKeysMessage } from '../../protocol/index.js';
import { DataDir } from '../../service/config/data-dir.js';
import { defaultConfig } from '../../service/config/service-config.js';
import { openMigrated } from '../../service/db/open-database.js';
import { createSigningKey } from '../../service/keys/signing-keys.js';
import { jsonLineLogger } from '../../service/logger.js';
import { ServiceNode } from '../../service/service-node.js';
import { insertAgent, trustedKids } from '../../service/store/agents.js';
import { createTenant } from '../../service/store/tenants.js';
import { eventually } from '../helpers/eventually.js';
import { RawAgent } from '../helpers/raw-agent.js';

// When a node writes its service_nodes row (docs/service.md, "Key rotation"), on a real SQLite
// database with hand-driven version-2 agents: at each heartbeat, and between heartbeats only when
// the keys it holds change, not at each agent's acknowledgement of new keys.

test("an agent's acknowledgement of new keys does not rewrite the node's row when the keys it holds stay the same; the next heartbeat does", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-service-nodes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dataDir = new DataDir(join(dir, 'data'));
  dataDir.create();
  const config = defaultConfig();
  // No heartbeat fires during the test: it calls refreshKeys where a heartbeat would.
  config.agents.heartbeatIntervalMs = 3_600_000;
  const setup = await openMigrated({ url: null, sqliteFile: dataDir.sqliteFile });
  const { kid: oldKid } = await createSigningKey(setup.db, dataDir, new Date(Date.now() - 60_000));
  const tenant = await createTenant(setup.db, 'acme', new Date());
  await setup.close();

  // The node's clock moves only when the test moves it (near the real time, which the agents' hellos carry).
  const at = (seconds: number) => new Date(Math.floor(Date.now() / 1000) * 1000 + seconds * 1000);
  let clock = at(0);
  const node = await ServiceNode.start({ dataDir, config, listen: '127.0.0.1:0', tls: null, logger: jsonLineLogger('error', new PassThrough()), now: () => clock });
  t.teardown(() => node.stop(0));
  const db = node.context.store.db;
  const row = async () => db.selectFrom('service_nodes').select(['kids', 'last_seen_at']).where('node_id', '=', node.context.nodeId).executeTakeFirstOrThrow();
  const url = `${node.url.replace(/^http/, 'ws')}/agent/v1`;
  /** An agent registered trusting the old key (its key pairs are the RawAgent's). */
  const register = async (id: string): Promise<RawAgent> => {
    const agent = await RawAgent.connect(url, Buffer.alloc(0));
    agent.close();
    await insertAgent(db, { id, tenantId: tenant.id, name: id, hostname: 'raw.test', version: '0.0.1', signingKey: agent.signingKeyRaw, encryptionKey: agent.encryptionKeyRaw }, [oldKid], new Date());
    return Object.assign(agent, { agentId: id, tenantId: tenant.id });
  };
  /** A version-2 session with keyRotation. */
  const connect = async (registered: RawAgent): Promise<RawAgent> => {
    const agent = await RawAgent.connect(url, Buffer.alloc(0), registered, [Subprotocol.v2]);
    t.teardown(() => agent.close());
    await agent.hello({ features: [Feature.keyRotation] });
    await agent.next('welcome');
    return agent;
  };
  // The second agent acknowledges nothing: the old key stays active and the node's keys do not change.
  const [acking, waiting] = [await register('agent-acking'), await register('agent-waiting')];
  const first = await connect(acking);

  const { kid: newKid } = await createSigningKey(db, dataDir, new Date());
  const heartbeat = (clock = at(1));
  await node.gateway.refreshKeys();
  t.deepEqual(await row(), { kids: JSON.stringify([newKid, oldKid]), last_seen_at: heartbeat.toISOString() }, 'the heartbeat records the new key');

  const announcement = (await first.next('serviceKeys')) as ServiceKeysMessage;
  clock = at(2);
  first.serviceKeysAck(
    announcement.issuedAt,
    announcement.keys.map((key) => key.kid),
  );
  await eventually(async () => (await trustedKids(db, 'agent-acking')).has(newKid), { timeoutMs: 10_000, what: 'the acknowledgement to be recorded' });
  // Key work runs in order: the second agent's announcement goes out once the acknowledgement's work is done.
  const second = await connect(waiting);
  await second.next('serviceKeys');
  t.deepEqual(await row(), { kids: JSON.stringify([newKid, oldKid]), last_seen_at: heartbeat.toISOString() }, 'the acknowledgement changed no key this node holds: no write');

  clock = at(3);
  await node.gateway.refreshKeys();
  t.is((await row()).last_seen_at, clock.toISOString(), 'each heartbeat refreshes the row, changed or not');
});
