import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Feature, Subprotocol, generateKeyPair, keyPairFromJwk, signServiceKeys, encodeMessage } from '../../protocol/index.js';
import { RegistrationState } from '../../agent/state/registration-state.js';
import { InProcessAgent } from '../helpers/in-process-agent.js';

// Key rotation without a person (docs/protocol.md, "Key rotation"): the real agent runtime, a real
// service-sim over wss and a directory-sim DC, all on loopback.

test('after a key announcement the agent trusts the new key, retires the old one, refuses forged and replayed announcements, and keeps its trust across a restart', async (t) => {
  const rig = await InProcessAgent.create();
  t.teardown(() => rig.close());
  const { service: sim, agentId } = rig;
  t.like(sim.session(agentId), { protocol: Subprotocol.v2, features: [Feature.keyRotation] });
  t.is((await rig.command()).code, 'OK');

  // A command signed with a key the agent has not been told about is refused.
  await sim.addSigningKey('k2');
  t.is((await rig.commandSignedWith('k2')).code, 'INVALID_SIGNATURE');

  // Announce {k1, k2}, signed with k1: the agent persists, audits, trusts and acknowledges.
  const acked = sim.waitFor('serviceKeysAck', (e) => e.agentId === agentId, 10_000);
  const first = sim.announceServiceKeys({ kids: ['k1', 'k2'], signWith: 'k1' });
  t.deepEqual((await acked).kids, ['k1', 'k2']);
  t.is((await rig.commandSignedWith('k2')).code, 'OK');
  const state = await RegistrationState.readRequired(rig.config.stateDir);
  t.deepEqual(
    state.serviceKeys.map((k) => k.kid),
    ['k1', 'k2'],
  );
  t.is(state.serviceKeysIssuedAt, JSON.parse(first).issuedAt);
  t.regex(await readFile(join(rig.config.stateDir, 'audit.jsonl'), 'utf8'), /"op":"serviceKeys"/);

  // Switch to k2 and retire k1 with an announcement signed by k2.
  await sim.useSigningKey('k2');
  t.is((await rig.command()).code, 'OK');
  const retired = sim.waitFor('serviceKeysAck', (e) => e.agentId === agentId && e.kids.length === 1, 10_000);
  sim.announceServiceKeys({ kids: ['k2'], signWith: 'k2', issuedAt: new Date(Date.now() + 1) });
  t.deepEqual((await retired).kids, ['k2']);
  t.is((await rig.commandSignedWith('k1')).code, 'INVALID_SIGNATURE', 'a retired key signs nothing the agent accepts');

  // The first announcement again (it still verifies with k1... which is no longer trusted), and a
  // newer one re-signed with k1 by whoever kept it: both refused; k1 stays retired.
  sim.sendRaw(agentId, first);
  const k1 = sim.signingPrivateKey('k1')!;
  const k1Raw = sim.serviceKeys().find((k) => k.kid === 'k1')!.publicKey;
  sim.sendRaw(agentId, encodeMessage(signServiceKeys({ keys: [{ kid: 'k1', publicKey: k1Raw }], issuedAt: new Date(), kid: 'k1' }, k1)));
  // An announcement signed by a key the agent never trusted, and a malformed one.
  const stranger = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
  sim.sendRaw(agentId, encodeMessage(signServiceKeys({ keys: [{ kid: 'evil', publicKey: stranger.publicKeyRaw }], issuedAt: new Date(), kid: 'evil' }, stranger.privateKey)));
  sim.sendRaw(agentId, JSON.stringify({ ...JSON.parse(first), keys: [] }));
  t.is((await rig.commandSignedWith('k1')).code, 'INVALID_SIGNATURE');
  t.regex(rig.log, /refused a service key announcement.*UNKNOWN_KID/);
  t.regex(rig.log, /refused a malformed service key announcement/);
  t.is(rig.log.match(/refused a service key announcement/g)?.length, 3);
  t.deepEqual(
    (await RegistrationState.readRequired(rig.config.stateDir)).serviceKeys.map((k) => k.kid),
    ['k2'],
  );

  // A replay of an older announcement signed by a still-trusted key is refused as such.
  sim.sendRaw(
    agentId,
    encodeMessage(
      signServiceKeys(
        { keys: [{ kid: 'k2', publicKey: sim.serviceKeys().find((k) => k.kid === 'k2')!.publicKey }], issuedAt: new Date(Date.parse(JSON.parse(first).issuedAt) - 1000), kid: 'k2' },
        sim.signingPrivateKey('k2')!,
      ),
    ),
  );
  t.is((await rig.command()).code, 'OK');
  t.regex(rig.log, /refused a service key announcement.*REPLAYED/);

  // The new trust survives a restart of the agent.
  await rig.stopAgent();
  await rig.start();
  t.is((await rig.command()).code, 'OK');
  t.is((await rig.commandSignedWith('k1')).code, 'INVALID_SIGNATURE');
});

test('an agent that was offline when the keys were announced gets the announcement at its next session', async (t) => {
  const rig = await InProcessAgent.create();
  t.teardown(() => rig.close());
  const { service: sim, agentId } = rig;
  await rig.stopAgent();
  await sim.addSigningKey('k2');
  sim.announceServiceKeys({ kids: ['k1', 'k2'] });
  const acked = sim.waitFor('serviceKeysAck', (e) => e.agentId === agentId, 15_000);
  await rig.start();
  t.deepEqual((await acked).kids, ['k1', 'k2']);
  t.deepEqual(sim.keyAcks.get(agentId)?.kids, ['k1', 'k2']);
  await sim.useSigningKey('k2');
  t.is((await rig.command()).code, 'OK');
});

test('a version-1 session never carries key announcements: the agent refuses one sent anyway', async (t) => {
  const rig = await InProcessAgent.create({ subprotocols: [Subprotocol.v1] });
  t.teardown(() => rig.close());
  const { service: sim, agentId } = rig;
  t.like(sim.session(agentId), { protocol: Subprotocol.v1, features: [] });
  await sim.addSigningKey('k2');
  const frame = sim.announceServiceKeys({ kids: ['k1', 'k2'] });
  t.is(sim.transcript.entries.filter((e) => e.direction === 'out' && e.text === frame).length, 0, 'the service does not send it on v1');
  sim.sendRaw(agentId, frame);
  t.is((await rig.commandSignedWith('k2')).code, 'INVALID_SIGNATURE');
  t.regex(rig.log, /did not negotiate keyRotation/);
});
