import test, { type ExecutionContext } from 'ava';
import { Feature, Subprotocol, generateKeyPair, keyPairFromJwk, signServiceKeys } from '../../protocol/index.js';
import { ServiceConnection } from '../../agent/connection/service-connection.js';
import { ServiceSim, type ServiceSimOptions } from '../../service-sim/index.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { InProcessAgent } from '../helpers/in-process-agent.js';
import { newIdentity, TENANT } from '../service-sim/helpers/fixtures.js';
import { TestAgent } from '../service-sim/helpers/test-agent.js';

// Version negotiation over real WebSockets (docs/protocol.md, "Versions"): a v2 agent with a
// v1-only service, v1 agents with a v2 service, and the 64 KiB frame limit on the agent's side.

const inHello = (sim: ServiceSim): Record<string, unknown> | undefined => {
  const entry = sim.transcript.entries.find((e) => e.direction === 'in' && e.text.includes('"type":"hello"'));
  return entry === undefined ? undefined : (JSON.parse(entry.text) as Record<string, unknown>);
};
const outWelcome = (sim: ServiceSim): Record<string, unknown> | undefined => {
  const entry = sim.transcript.entries.find((e) => e.direction === 'out' && e.text.includes('"type":"welcome"'));
  return entry === undefined ? undefined : (JSON.parse(entry.text) as Record<string, unknown>);
};

test('the agent with a version-1-only service: v1 is picked, hello and welcome are exactly v1, commands flow', async (t) => {
  const rig = await InProcessAgent.create({ subprotocols: [Subprotocol.v1] });
  t.teardown(() => rig.close());
  t.like(rig.service.session(rig.agentId), { protocol: Subprotocol.v1, features: [] });
  t.is(rig.agent?.connection.protocol, Subprotocol.v1);
  t.false('features' in inHello(rig.service)!);
  t.false('features' in outWelcome(rig.service)!);
  const results = await Promise.all([rig.command(), rig.command(), rig.command()]);
  t.deepEqual(
    results.map((r) => r.code),
    ['OK', 'OK', 'OK'],
  );
});

test('the agent with a version-2 service: v2 is picked and keyRotation is shared (auditCheckpoint and directories too, where the service lists them)', async (t) => {
  const rig = await InProcessAgent.create();
  t.teardown(() => rig.close());
  const all = [Feature.keyRotation, Feature.auditCheckpoint, Feature.directories];
  t.like(rig.service.session(rig.agentId), { protocol: Subprotocol.v2, features: all });
  t.deepEqual(inHello(rig.service)!['features'], all);
  t.deepEqual(outWelcome(rig.service)!['features'], all);
  t.deepEqual([...rig.agent!.connection.features], all);
  t.is((await rig.command()).code, 'OK');
});

async function startSim(t: ExecutionContext, options: ServiceSimOptions = {}): Promise<ServiceSim> {
  const sim = await ServiceSim.start({ heartbeatIntervalMs: 1_000, ...options });
  t.teardown(() => sim.stop());
  return sim;
}

test('a version-1 agent (a raw client offering only writeback.v1) with a version-2 service: v1, no features, commands flow', async (t) => {
  const sim = await startSim(t);
  const identity = await newIdentity(sim);
  const agent = await TestAgent.connect(sim.url, identity);
  t.teardown(() => agent.terminate());
  t.is(agent.socket.protocol, Subprotocol.v1);
  t.like(sim.session(identity.agentId), { protocol: Subprotocol.v1, features: [] });
  const welcome = agent.messages.find((m) => m.type === 'welcome');
  t.truthy(welcome);
  t.false(welcome !== undefined && 'features' in welcome);
  const issued = sim.issueCommand({ tenantId: TENANT, op: 'unlockAccount', target: { by: 'sAMAccountName', value: 'alice' } });
  t.is((await issued.result).code, 'OK');
  // A key announcement is never sent on a v1 session.
  const frame = sim.announceServiceKeys();
  t.false(sim.transcript.entries.some((e) => e.direction === 'out' && e.text === frame));
});

test("the agent's connection narrowed to version 1 gets v1 from a v2 service, and sends no features", async (t) => {
  const sim = await startSim(t);
  const signing = generateKeyPair('Ed25519');
  const registered = await sim.addAgent({ tenantId: TENANT, signingKey: signing.publicKeyRaw, encryptionKey: generateKeyPair('X25519').publicKeyRaw });
  const connection = new ServiceConnection({
    endpoint: { url: sim.url, allowInsecure: true, caFile: null, proxy: null },
    agentId: registered.agentId,
    tenantId: TENANT,
    agentVersion: '0.0.0-test',
    capabilities: ['getAccountState'],
    maxInFlight: 4,
    signingKey: keyPairFromJwk(signing.jwk).privateKey,
    clockSkewMs: 60_000,
    logger: captureLogger(),
    subprotocols: [Subprotocol.v1],
    features: [Feature.keyRotation],
  });
  t.teardown(() => connection.stop());
  const welcomed = new Promise((resolve) => connection.once('welcome', resolve));
  connection.start();
  await welcomed;
  t.is(connection.protocol, Subprotocol.v1);
  t.deepEqual([...connection.features], []);
  t.false('features' in inHello(sim)!);
});

test('a service offering only a version the agent does not offer is refused before the handshake', async (t) => {
  const sim = await startSim(t, { subprotocols: [Subprotocol.v2] });
  const signing = generateKeyPair('Ed25519');
  const registered = await sim.addAgent({ tenantId: TENANT, signingKey: signing.publicKeyRaw, encryptionKey: generateKeyPair('X25519').publicKeyRaw });
  const logger = captureLogger();
  const connection = new ServiceConnection({
    endpoint: { url: sim.url, allowInsecure: true, caFile: null, proxy: null },
    agentId: registered.agentId,
    tenantId: TENANT,
    agentVersion: '0.0.0-test',
    capabilities: [],
    maxInFlight: 1,
    signingKey: keyPairFromJwk(signing.jwk).privateKey,
    clockSkewMs: 60_000,
    logger,
    subprotocols: [Subprotocol.v1],
  });
  t.teardown(() => connection.stop());
  const waiting = new Promise((resolve) => connection.on('state', (state) => state === 'waiting' && resolve(state)));
  connection.start();
  await waiting;
  t.regex(logger.text(), /400/);
  t.deepEqual(sim.connectedAgents(), []);
});

test('a frame over 64 KiB from the service: the agent closes the connection with 1009 and reconnects', async (t) => {
  const rig = await InProcessAgent.create();
  t.teardown(() => rig.close());
  const { service: sim, agentId } = rig;
  const closed = sim.waitFor('connectionClosed', (e) => e.agentId === agentId, 10_000);
  const back = sim.waitFor('agentConnected', (s) => s.agentId === agentId, 20_000);
  // A valid announcement made too big: the size check comes first, nothing of it is looked at.
  const key = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
  const big = { ...signServiceKeys({ keys: [{ kid: 'k9', publicKey: key.publicKeyRaw }], issuedAt: new Date(), kid: 'k1' }, key.privateKey), pad: 'x'.repeat(64 * 1024) };
  sim.sendRaw(agentId, JSON.stringify(big));
  t.is((await closed).code, 1009);
  await back;
  t.is((await rig.command()).code, 'OK');
});
