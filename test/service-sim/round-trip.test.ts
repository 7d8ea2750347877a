import test from 'ava';
import { randomUUID } from 'node:crypto';
import { connectAgent, newIdentity, recordingLogger, startService, TENANT } from './helpers/fixtures.js';

test('a command makes the round trip challenge → hello → welcome → command → ack → result → resultAck', async (t) => {
  const logger = recordingLogger();
  const sim = await startService(t, { logger });
  const identity = await newIdentity(sim);
  t.is(identity.tenantId, TENANT);
  t.deepEqual(identity.serviceKeys, sim.serviceKeys());
  t.like(await sim.agent(identity.agentId), { signingKey: identity.signing.publicKeyRaw, encryptionKey: identity.encryption.publicKeyRaw });

  const connected = sim.waitFor('agentConnected');
  const agent = await connectAgent(t, sim, identity, { maxInFlight: 8 });
  const session = await connected;
  t.like(session, { agentId: identity.agentId, tenantId: TENANT, maxInFlight: 8 });

  const password = `Tr0ub4dor&3-${randomUUID()}`;
  const issued = sim.issueCommand({
    tenantId: TENANT,
    op: 'resetPassword',
    target: { by: 'sAMAccountName', value: 'alice' },
    params: { forceChangeAtNextLogon: true },
    secret: { newPassword: password },
  });
  const result = await issued.result;
  t.like(result, { commandId: issued.id, agentId: identity.agentId, status: 'succeeded', code: 'OK' });
  await agent.waitFor((message) => message.type === 'resultAck');

  // The agent opened the sealed secret with its own key: it was sealed to it, bound to the id.
  t.deepEqual(agent.commands[0]?.secret, { newPassword: password });
  t.like(agent.commands[0]?.frame?.command, { id: issued.id, agentId: identity.agentId, tenantId: TENANT, op: 'resetPassword' });
  t.is(agent.commands[0]?.frame?.kid, 'k1');
  t.deepEqual(agent.resultAcks, [issued.id]);
  t.deepEqual(await sim.storedResult(issued.id), result);
  t.is(sim.acks.get(issued.id)?.agentId, identity.agentId);

  t.deepEqual(sim.transcript.types({ connectionId: session.connectionId }), ['challenge', 'hello', 'welcome', 'command', 'ack', 'result', 'resultAck']);
  const sealed = agent.commands[0]?.frame?.command.secret;
  t.truthy(sealed);
  t.true(sim.transcript.toString().includes(sealed!.ct), 'the transcript holds the sealed secret');
  t.false(sim.transcript.toString().includes(password), 'the transcript never holds the password');
  t.false(JSON.stringify(sim.transcript.entries).includes(password));
  t.false(logger.lines.join('\n').includes(password), 'the log never holds the password');
});

test('commands issued before any agent is connected wait for one', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const issued = sim.issueCommand({ tenantId: TENANT, op: 'unlockAccount', target: { by: 'uid', value: 'bob' } });
  t.is(sim.pendingCommands, 1);
  await connectAgent(t, sim, identity);
  t.like(await issued.result, { commandId: issued.id, code: 'OK' });
  t.is(sim.pendingCommands, 0);
});

test('a command pinned to an agent goes to that agent only', async (t) => {
  const sim = await startService(t);
  const a = await newIdentity(sim);
  const b = await newIdentity(sim);
  const agentA = await connectAgent(t, sim, a);
  const agentB = await connectAgent(t, sim, b);
  const issued = Array.from({ length: 5 }, () => sim.issueCommand({ tenantId: TENANT, agentId: b.agentId, op: 'getAccountState', target: { by: 'uid', value: 'carol' } }));
  const results = await Promise.all(issued.map((command) => command.result));
  t.true(results.every((result) => result.agentId === b.agentId));
  t.is(agentA.commands.length, 0);
  t.is(agentB.commands.length, 5);
  await t.throwsAsync(sim.issueCommand({ tenantId: 'other-tenant', agentId: b.agentId, op: 'checkPermissions' }).result, { message: /another tenant/ });
});
