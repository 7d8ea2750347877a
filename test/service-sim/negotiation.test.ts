import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { Feature, Subprotocol, TrustedKeys, encodeMessage, judgeServiceKeys, signDirectories, signServiceKeysAck, type ServiceKeysMessage } from '../../protocol/index.js';
import { IgnoredFrame } from '../../service-sim/index.js';
import { eventually } from '../helpers/eventually.js';
import { connectAgent, newIdentity, startService } from './helpers/fixtures.js';
import { open } from './helpers/test-agent.js';

// service-sim's side of version 2 (docs/protocol.md sections 3, 8 and 9), with a raw test agent.

const V2 = [Subprotocol.v2, Subprotocol.v1];

test('a v2 offer gets v2, a welcome with the service features, and keyRotation shared', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { subprotocols: V2, features: [Feature.keyRotation, 'notYetInvented'] });
  t.is(agent.socket.protocol, Subprotocol.v2);
  t.like(
    agent.messages.find((m) => m.type === 'welcome'),
    { features: [Feature.keyRotation] },
  );
  t.like(sim.session(identity.agentId), { protocol: Subprotocol.v2, features: [Feature.keyRotation] });
});

test('a v1-only service picks v1 from a v2 offer, sends no features, and ignores those of the hello', async (t) => {
  const sim = await startService(t, { subprotocols: [Subprotocol.v1] });
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { subprotocols: V2, features: [Feature.keyRotation] });
  t.is(agent.socket.protocol, Subprotocol.v1);
  t.false('features' in agent.messages.find((m) => m.type === 'welcome')!);
  t.like(sim.session(identity.agentId), { protocol: Subprotocol.v1, features: [] });
});

test('a v1-only service refuses an offer of v2 alone before the handshake', async (t) => {
  const sim = await startService(t, { subprotocols: [Subprotocol.v1] });
  const { ws, closed } = open(sim.url, {}, [Subprotocol.v2]);
  const refused = new Promise<string>((resolve) => ws.on('unexpected-response', (_request, response) => resolve(String(response.statusCode))));
  ws.on('unexpected-response', () => ws.terminate());
  t.is(await refused, '400');
  await closed;
});

test('an announcement reaches keyRotation sessions, verifies with a key the agent trusts, and a signed ack is recorded', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { subprotocols: V2, features: [Feature.keyRotation] });
  await sim.addSigningKey('k2');
  sim.announceServiceKeys({ kids: ['k1', 'k2'], signWith: 'k1', windows: { k2: { notBefore: '2026-01-01T00:00:00.000Z' } } });
  const announcement = (await agent.waitFor((m) => m.type === 'serviceKeys')) as ServiceKeysMessage;
  t.like(announcement, { kid: 'k1', keys: [{ kid: 'k1' }, { kid: 'k2', notBefore: '2026-01-01T00:00:00.000Z' }] });
  const judged = judgeServiceKeys(announcement, { trusted: new TrustedKeys(identity.serviceKeys), lastIssuedAt: null, now: new Date(), clockSkewMs: 60_000 });
  t.like(judged, { ok: true });

  const acked = sim.waitFor('serviceKeysAck');
  agent.send(encodeMessage(signServiceKeysAck({ agentId: identity.agentId, issuedAt: announcement.issuedAt, kids: ['k1', 'k2'] }, identity.signing.privateKey)));
  t.deepEqual(await acked, { agentId: identity.agentId, issuedAt: announcement.issuedAt, kids: ['k1', 'k2'] });
  t.deepEqual(sim.keyAcks.get(identity.agentId), { issuedAt: announcement.issuedAt, kids: ['k1', 'k2'] });

  // Acknowledged: a reconnect does not get it again.
  await agent.close();
  const again = await connectAgent(t, sim, identity, { subprotocols: V2, features: [Feature.keyRotation] });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.false(again.messages.some((m) => m.type === 'serviceKeys'));
});

test('the service announces its keys to an agent that trusts another set, again each session until acknowledged; a forged ack is refused', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  await sim.addSigningKey('k2');
  const first = await connectAgent(t, sim, identity, { subprotocols: V2, features: [Feature.keyRotation] });
  t.like(await first.waitFor((m) => m.type === 'serviceKeys'), { kid: 'k1', keys: [{ kid: 'k1' }, { kid: 'k2' }] });
  await first.close();
  const second = await connectAgent(t, sim, identity, { subprotocols: V2, features: [Feature.keyRotation] });
  const announcement = (await second.waitFor((m) => m.type === 'serviceKeys')) as ServiceKeysMessage;
  const refused = sim.waitFor('serviceKeysAckRefused');
  second.send(encodeMessage(signServiceKeysAck({ agentId: identity.agentId, issuedAt: announcement.issuedAt, kids: ['k1'] }, generateKeyPairSync('ed25519').privateKey)));
  await refused;
  t.is(sim.keyAcks.get(identity.agentId), undefined);
});

test('without keyRotation no announcement is sent and an ack is an unexpected message', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { subprotocols: V2 });
  t.like(sim.session(identity.agentId), { protocol: Subprotocol.v2, features: [] });
  sim.announceServiceKeys();
  agent.send(encodeMessage(signServiceKeysAck({ agentId: identity.agentId, issuedAt: new Date().toISOString(), kids: ['k1'] }, identity.signing.privateKey)));
  await eventually(() => sim.frameErrors.some((e) => e.error === IgnoredFrame.UNEXPECTED_MESSAGE), { timeoutMs: 5_000, what: 'the UNEXPECTED_MESSAGE frame error' });
  t.false(agent.messages.some((m) => m.type === 'serviceKeys'));
});

test('a service without the directories feature takes no directories report: it is an unexpected message, as section 8 says', async (t) => {
  const sim = await startService(t, { features: [Feature.keyRotation] });
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { subprotocols: V2, features: [Feature.directories] });
  t.like(sim.session(identity.agentId), { protocol: Subprotocol.v2, features: [] });
  const report = signDirectories(
    { agentId: identity.agentId, directories: [{ id: 'people', kind: 'openldap' }], defaultDirectory: 'people', sentAt: new Date().toISOString() },
    identity.signing.privateKey,
  );
  agent.send(encodeMessage(report));
  await eventually(() => sim.frameErrors.some((e) => e.error === IgnoredFrame.UNEXPECTED_MESSAGE), { timeoutMs: 5_000, what: 'the UNEXPECTED_MESSAGE frame error' });
  t.pass();
});
