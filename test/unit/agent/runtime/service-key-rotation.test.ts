import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustedKeys, generateKeyPair, keyPairFromJwk, signServiceKeys, verifyServiceKeysAck, type ServiceKeysAckMessage } from '../../../../protocol/index.js';
import { ServiceKeyRotation } from '../../../../agent/runtime/service-key-rotation.js';
import { RegistrationState } from '../../../../agent/state/registration-state.js';
import { captureLogger } from '../../../helpers/capture-logger.js';

// The agent's handling of key announcements against a real state directory; the wire is in
// test/integration/key-rotation.test.ts.

const k1 = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
const k2 = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
const agent = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
const now = new Date('2026-11-21T20:00:00.000Z');

async function setup(audit: { append(): Promise<unknown> }) {
  const stateDir = join(await mkdtemp(join(tmpdir(), 'wa-rotation-')), 'state');
  const state = await RegistrationState.open(stateDir);
  state.save({ agentId: 'agent-1', tenantId: 't', serviceKeys: [{ kid: 'k1', publicKey: k1.publicKeyRaw }], registeredAt: now.toISOString(), serviceUrl: 'wss://service.example/agent/v1' });
  const trusted = new TrustedKeys([{ kid: 'k1', publicKey: k1.publicKeyRaw }], () => now);
  const sent: ServiceKeysAckMessage[] = [];
  const logger = captureLogger();
  const rotation = new ServiceKeyRotation({
    agentId: 'agent-1',
    stateDir,
    trusted,
    configuredKeys: [],
    lastIssuedAt: null,
    signingKey: agent.privateKey,
    audit,
    logger,
    send: (message) => sent.push(message) > 0,
    clockSkewMs: 60_000,
    now: () => now,
  });
  return { stateDir, trusted, sent, rotation, logger };
}

const announce = (kids: ('k1' | 'k2')[], signer: 'k1' | 'k2', at: Date) =>
  signServiceKeys({ keys: kids.map((kid) => ({ kid, publicKey: (kid === 'k1' ? k1 : k2).publicKeyRaw })), issuedAt: at, kid: signer }, (signer === 'k1' ? k1 : k2).privateKey);

test('announcements are applied one at a time, in order, each persisted and acknowledged with a signed ack', async (t) => {
  const { stateDir, trusted, sent, rotation } = await setup({ append: () => Promise.resolve() });
  const first = announce(['k1', 'k2'], 'k1', new Date(now.getTime() - 2000));
  const second = announce(['k2'], 'k2', new Date(now.getTime() - 1000));
  // The second is signed by k2, trusted only once the first is applied: order matters.
  void rotation.handle(first);
  await rotation.handle(second);
  t.deepEqual(trusted.kids, ['k2']);
  t.deepEqual(
    sent.map((ack) => ack.kids),
    [['k1', 'k2'], ['k2']],
  );
  t.true(sent.every((ack) => verifyServiceKeysAck(ack, agent.publicKey)));
  t.like(await RegistrationState.read(stateDir), { serviceKeys: [{ kid: 'k2' }], serviceKeysIssuedAt: second.issuedAt });
});

test('when the audit log cannot be written, the state file is put back and nothing is trusted or acknowledged', async (t) => {
  const { stateDir, trusted, sent, rotation, logger } = await setup({ append: () => Promise.reject(new Error('disk full')) });
  const before = await RegistrationState.read(stateDir);
  await rotation.handle(announce(['k1', 'k2'], 'k1', now));
  t.deepEqual(await RegistrationState.read(stateDir), before);
  t.deepEqual(trusted.kids, ['k1']);
  t.deepEqual(sent, []);
  t.regex(logger.text(), /could not apply a service key announcement/);
});
