import test, { type ExecutionContext } from 'ava';
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

// What a node does with its service_nodes row (docs/service.md, "Key rotation") on a real SQLite
// database with hand-driven version-2 agents. The node's clock moves only when a test moves it, and
// no heartbeat fires: the tests call refreshKeys where a heartbeat would.

/** A node with one signing key and a tenant; `register` adds an agent trusting `kids`, `connect` gives it a keyRotation session. */
async function startNode(t: ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), 'wbs-service-nodes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dataDir = new DataDir(join(dir, 'data'));
  dataDir.create();
  const config = defaultConfig();
  config.agents.heartbeatIntervalMs = 3_600_000;
  const setup = await openMigrated({ url: null, sqliteFile: dataDir.sqliteFile });
  const { kid: oldKid } = await createSigningKey(setup.db, dataDir, new Date(Date.now() - 60_000));
  const tenant = await createTenant(setup.db, 'acme', new Date());
  await setup.close();
  // Near the real time, which the agents' hellos carry.
  const base = Math.floor(Date.now() / 1000) * 1000;
  const clock = { now: new Date(base), at: (seconds: number) => (clock.now = new Date(base + seconds * 1000)) };
  let log = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const node = await ServiceNode.start({ dataDir, config, listen: '127.0.0.1:0', tls: null, logger: jsonLineLogger('info', stream), now: () => clock.now });
  t.teardown(() => node.stop(0));
  const db = node.context.store.db;
  const url = `${node.url.replace(/^http/, 'ws')}/agent/v1`;
  return {
    node,
    db,
    dataDir,
    oldKid,
    clock,
    log: () => log,
    row: async () => db.selectFrom('service_nodes').select(['kids', 'last_seen_at']).where('node_id', '=', node.context.nodeId).executeTakeFirstOrThrow(),
    register: async (id: string, kids: readonly string[]): Promise<RawAgent> => {
      // The RawAgent's key pairs are the agent's.
      const agent = await RawAgent.connect(url, Buffer.alloc(0));
      agent.close();
      await insertAgent(db, { id, tenantId: tenant.id, name: id, hostname: 'raw.test', version: '0.0.1', signingKey: agent.signingKeyRaw, encryptionKey: agent.encryptionKeyRaw }, kids, new Date());
      return Object.assign(agent, { agentId: id, tenantId: tenant.id });
    },
    connect: async (registered: RawAgent): Promise<RawAgent> => {
      const agent = await RawAgent.connect(url, Buffer.alloc(0), registered, [Subprotocol.v2]);
      t.teardown(() => agent.close());
      await agent.hello({ features: [Feature.keyRotation] });
      await agent.next('welcome');
      return agent;
    },
  };
}

test("an agent's acknowledgement of new keys does not rewrite the node's row when the keys it holds stay the same; the next heartbeat does", async (t) => {
  const { node, db, dataDir, oldKid, clock, row, register, connect } = await startNode(t);
  // The second agent acknowledges nothing: the old key stays active and the node's keys do not change.
  const [acking, waiting] = [await register('agent-acking', [oldKid]), await register('agent-waiting', [oldKid])];
  const first = await connect(acking);

  const { kid: newKid } = await createSigningKey(db, dataDir, new Date());
  const heartbeat = clock.at(1);
  await node.gateway.refreshKeys();
  t.deepEqual(await row(), { kids: JSON.stringify([newKid, oldKid]), last_seen_at: heartbeat.toISOString() }, 'the heartbeat records the new key');

  const announcement = (await first.next('serviceKeys')) as ServiceKeysMessage;
  clock.at(2);
  first.serviceKeysAck(
    announcement.issuedAt,
    announcement.keys.map((key) => key.kid),
  );
  await eventually(async () => (await trustedKids(db, 'agent-acking')).has(newKid), { timeoutMs: 10_000, what: 'the acknowledgement to be recorded' });
  // Key work runs in order: the second agent's announcement goes out once the acknowledgement's work is done.
  const second = await connect(waiting);
  await second.next('serviceKeys');
  t.deepEqual(await row(), { kids: JSON.stringify([newKid, oldKid]), last_seen_at: heartbeat.toISOString() }, 'the acknowledgement changed no key this node holds: no write');

  const next = clock.at(3);
  await node.gateway.refreshKeys();
  t.is((await row()).last_seen_at, next.toISOString(), 'each heartbeat refreshes the row, changed or not');
});

test('the warning that a running node without the newest key holds back the old one comes from the heartbeat, not from the key ack that made every agent trust the newest', async (t) => {
  const { node, db, dataDir, oldKid, clock, log, register, connect } = await startNode(t);
  const warnings = () =>
    log()
      .split('\n')
      .filter((line) => line.includes('older signing keys stay active')).length;
  const acking = await register('agent-acking', [oldKid]);
  const first = await connect(acking);
  const { kid: newKid } = await createSigningKey(db, dataDir, new Date());
  // A second agent registered after the rotation, trusting only the new key (it gets the set announced, which serves as a marker below).
  const late = await register('agent-late', [newKid]);
  // Another node, running, that has not loaded the new key.
  await db
    .insertInto('service_nodes')
    .values({
      node_id: 'node-without-the-key',
      hostname: 'other.test',
      data_dir: '/srv/wb',
      kids: JSON.stringify([oldKid]),
      heartbeat_ms: 3_600_000,
      started_at: clock.now.toISOString(),
      last_seen_at: clock.now.toISOString(),
    })
    .execute();
  clock.at(1);
  await node.gateway.refreshKeys();
  const announcement = (await first.next('serviceKeys')) as ServiceKeysMessage;
  t.is(warnings(), 0, 'an agent lacks the new key: nothing to warn about');

  first.serviceKeysAck(
    announcement.issuedAt,
    announcement.keys.map((key) => key.kid),
  );
  await eventually(async () => (await trustedKids(db, 'agent-acking')).has(newKid), { timeoutMs: 10_000, what: 'the acknowledgement to be recorded' });
  // Key work runs in order: the late agent's announcement goes out once the acknowledgement's work is done.
  await (await connect(late)).next('serviceKeys');
  t.is(warnings(), 0, 'the ack, one of thousands after a rotation, does not scan every agent for the warning');
  t.is((await db.selectFrom('signing_keys').select('status').where('kid', '=', oldKid).executeTakeFirstOrThrow()).status, 'active');

  clock.at(2);
  await node.gateway.refreshKeys();
  t.is(warnings(), 1, 'the next heartbeat warns');
  t.regex(log(), /"nodeId":"node-without-the-key"/);
});
