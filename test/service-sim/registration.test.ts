import test from 'ava';
import WebSocket from 'ws';
import { ServiceErrorCode } from '../../service-sim/index.js';
import { connectAgent, newIdentity, startService, TENANT } from './helpers/fixtures.js';
import { newAgentKeys, registerOverWire } from './helpers/test-agent.js';

test('register with a token: registered with a fresh agentId, the tenant and the service keys, then close', async (t) => {
  const sim = await startService(t);
  const token = sim.issueRegistrationToken(TENANT);
  const registered = sim.waitFor('registered');
  const { answer, closeCode } = await registerOverWire(sim.url, token, newAgentKeys());
  t.like(answer, { type: 'registered', tenantId: TENANT });
  t.deepEqual(answer?.type === 'registered' ? answer.serviceKeys : [], sim.serviceKeys());
  t.is(closeCode, 1000);
  t.is((await registered).tenantId, TENANT);
});

test('an unknown token gets INVALID_TOKEN and close 4001', async (t) => {
  const sim = await startService(t);
  const { answer, closeCode } = await registerOverWire(sim.url, 'not-a-token', newAgentKeys());
  t.like(answer, { type: 'error', code: ServiceErrorCode.INVALID_TOKEN });
  t.is(closeCode, 4001);
});

test('a token works once: the second registration gets INVALID_TOKEN', async (t) => {
  const sim = await startService(t);
  const token = sim.issueRegistrationToken(TENANT);
  t.like((await registerOverWire(sim.url, token, newAgentKeys())).answer, { type: 'registered' });
  t.like((await registerOverWire(sim.url, token, newAgentKeys())).answer, { type: 'error', code: 'INVALID_TOKEN' });
});

test('two agents registered for one tenant get different agentIds', async (t) => {
  const sim = await startService(t);
  const a = await newIdentity(sim);
  const b = await newIdentity(sim);
  t.not(a.agentId, b.agentId);
  t.is(a.tenantId, b.tenantId);
});

test('key rotation: registered announces every key, and commands are signed with the preferred key the agent trusts', async (t) => {
  const sim = await startService(t);
  await sim.addSigningKey('k2');
  const identity = await newIdentity(sim);
  t.deepEqual(
    identity.serviceKeys.map((key) => key.kid),
    ['k1', 'k2'],
  );
  const agent = await connectAgent(t, sim, identity);
  await sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' }).result;
  await sim.useSigningKey('k2');
  t.is(sim.activeKid, 'k2');
  const second = await sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' }).result;
  t.is(second.code, 'OK', 'the agent verified the k2 signature');
  t.deepEqual(
    agent.commands.map((command) => command.frame?.kid),
    ['k1', 'k2'],
  );
});

for (const [title, url, protocol] of [
  ['a handshake without the writeback.v1 subprotocol is refused', '', 'other.v1'],
  ['a handshake on another path is refused', '/elsewhere', 'writeback.v1'],
] as const) {
  test(title, async (t) => {
    const sim = await startService(t);
    const target = url === '' ? sim.url : sim.url.replace('/agent/v1', url);
    const ws = new WebSocket(target, protocol);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    t.true(status === 400 || status === 404, `status ${status}`);
  });
}
