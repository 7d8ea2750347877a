import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { buildResult, encodeMessage, signResult } from '../../protocol/index.js';
import { ResultRefusal } from '../../service-sim/index.js';
import { connectAgent, newIdentity, recordingLogger, startService, TENANT } from './helpers/fixtures.js';
import { eventually } from '../helpers/eventually.js';

test('a result with a forged signature is logged, not stored and not acknowledged; the genuine one is', async (t) => {
  const logger = recordingLogger();
  const sim = await startService(t, { logger });
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { mode: 'hold' });
  const issued = sim.issueCommand({ tenantId: TENANT, op: 'unlockAccount', target: { by: 'uid', value: 'dave' } });
  await eventually(() => agent.held.length === 1, { timeoutMs: 5_000, what: 'agent.held.length === 1' });
  const refused = sim.waitFor('resultRefused');
  agent.answer(issued.id, { signWith: generateKeyPairSync('ed25519').privateKey });
  t.like(await refused, { commandId: issued.id, reason: ResultRefusal.INVALID_SIGNATURE });
  t.is(await sim.storedResult(issued.id), undefined);
  t.is(sim.outstanding(identity.agentId), 1, 'a refused result returns no credit');
  t.true(logger.lines.some((line) => line.includes('result refused') && line.includes('INVALID_SIGNATURE')));
  agent.answer(issued.id);
  t.like(await issued.result, { commandId: issued.id, code: 'OK' });
  await eventually(() => agent.resultAcks.length === 1, { timeoutMs: 5_000, what: 'agent.resultAcks.length === 1' });
  t.deepEqual(agent.resultAcks, [issued.id]);
});

test('a result in the name of another agent is refused', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const other = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { mode: 'hold' });
  const issued = sim.issueCommand({ tenantId: TENANT, agentId: identity.agentId, op: 'checkPermissions' });
  await eventually(() => agent.held.length === 1, { timeoutMs: 5_000, what: 'agent.held.length === 1' });
  const forged = signResult(buildResult({ commandId: issued.id, agentId: other.agentId, code: 'OK', message: 'x', completedAt: new Date() }), identity.signing.privateKey);
  const refused = sim.waitFor('resultRefused');
  agent.send(encodeMessage(forged));
  t.like(await refused, { reason: ResultRefusal.WRONG_AGENT });
  t.is(await sim.storedResult(issued.id), undefined);
});

test('the first result wins; a re-sent identical result is acknowledged again, a different one is not stored', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { mode: 'hold' });
  const issued = sim.issueCommand({ tenantId: TENANT, op: 'unlockAccount', target: { by: 'uid', value: 'erin' } });
  await eventually(() => agent.held.length === 1, { timeoutMs: 5_000, what: 'agent.held.length === 1' });
  const duplicates: boolean[] = [];
  sim.on('duplicateResult', (event) => duplicates.push(event.identical));
  let stored = 0;
  sim.on('result', () => (stored += 1));
  const first = agent.answer(issued.id);
  agent.send(encodeMessage(first));
  agent.answer(issued.id, { code: 'INTERNAL' });
  await eventually(() => agent.resultAcks.length === 3, { timeoutMs: 5_000, what: 'agent.resultAcks.length === 3' });
  t.deepEqual(agent.resultAcks, [issued.id, issued.id, issued.id]);
  t.deepEqual(duplicates, [true, false]);
  t.is(stored, 1);
  t.is((await sim.storedResult(issued.id))?.code, 'OK');
  t.deepEqual(await issued.result, first.result);
});

test('sendSignedCommand: a command signed with a key the agent does not trust gets INVALID_SIGNATURE, a refusal before authentication: not acked, not stored, no resultAck', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity);
  const command = await sim.buildCommand({ tenantId: TENANT, agentId: identity.agentId, op: 'resetPassword', target: { by: 'uid', value: 'x' }, secret: { newPassword: 'pw-forged-1' } });
  const refused = sim.waitFor('refusedBeforeAuthentication');
  sim.sendSignedCommand(identity.agentId, command, { kid: 'k1', signWith: generateKeyPairSync('ed25519').privateKey });
  const { result } = await refused;
  t.like(result, { commandId: command.id, code: 'INVALID_SIGNATURE', status: 'rejected' });
  t.is(sim.refusalsBeforeAuthentication.get(command.id), result);
  t.is(await sim.storedResult(command.id), undefined, 'a refusal of a frame is never the result of the command (docs/protocol.md section 7)');
  t.false(sim.acks.has(command.id));
  t.is(agent.commands[0]?.refusal, 'INVALID_SIGNATURE');
  // The genuine command with that id is still applied; the service never issued this raw one, so it
  // acknowledges the result without storing it (a result is stored only for a command it gave the agent).
  const genuine = sim.waitFor('unstoredResult', (event) => event.result.commandId === command.id);
  sim.sendSignedCommand(identity.agentId, command);
  t.like((await genuine).result, { code: 'OK' });
  await agent.waitFor((message) => message.type === 'resultAck' && message.commandId === command.id);
  t.is(agent.resultAcks.filter((id) => id === command.id).length, 1, 'only the verified result was acknowledged');
  t.is(await sim.storedResult(command.id), undefined);
});

test('sendSignedCommand: a command built for another agent gets WRONG_AGENT', async (t) => {
  const sim = await startService(t);
  const a = await newIdentity(sim);
  const b = await newIdentity(sim);
  await connectAgent(t, sim, a);
  const frame = sim.sendSignedCommand(a.agentId, await sim.buildCommand({ tenantId: TENANT, agentId: b.agentId, op: 'checkPermissions' }));
  const id = (JSON.parse(frame) as { command: { id: string } }).command.id;
  t.is((await sim.answer(id)).code, 'WRONG_AGENT');
});

test('sendRaw writes the bytes as given, text or binary, and records them', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity);
  const binary = new Promise<boolean>((resolve) => agent.socket.once('message', (_data, isBinary) => resolve(isBinary)));
  sim.sendRaw(identity.agentId, Buffer.from('{"type":"resultAck","commandId":"x"}'));
  t.true(await binary);
  sim.sendRaw(identity.agentId, '{"type":"resultAck","commandId":"raw-text"}');
  await eventually(() => agent.resultAcks.includes('raw-text'), { timeoutMs: 5_000, what: "agent.resultAcks.includes('raw-text')" });
  const out = sim.transcript.entries.filter((entry) => entry.direction === 'out').slice(-2);
  t.deepEqual(
    out.map((entry) => entry.binary),
    [true, false],
  );
  t.throws(() => sim.sendRaw('not-connected', 'x'));
});

test("prepared frames are built before and sent later, raw, within the agent's maxInFlight, as prepared", async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { maxInFlight: 4 });
  const prepared = await sim.prepareCommands(
    Array.from({ length: 20 }, (_, i) => ({ tenantId: TENANT, op: 'resetPassword', target: { by: 'uid' as const, value: `p${i}` }, secret: { newPassword: `prepared-${i}-pw` } })),
  );
  t.is(prepared.length, 20);
  t.true(prepared.every((item) => item.agentId === identity.agentId && !item.frame.includes('prepared-')));
  let maxOutstanding = 0;
  sim.on('commandSent', (event) => (maxOutstanding = Math.max(maxOutstanding, event.outstanding)));
  const issued = sim.sendPrepared(prepared);
  const results = await Promise.all(issued.map((command) => command.result));
  t.true(results.every((result) => result.code === 'OK'));
  t.true(maxOutstanding <= 4);
  const sent = sim.transcript.entries.filter((entry) => entry.direction === 'out' && entry.text.includes('"type":"command"')).map((entry) => entry.text);
  t.deepEqual(
    sent,
    prepared.map((item) => item.frame),
  );
  t.is(agent.commands[19]?.secret?.['newPassword'], 'prepared-19-pw');
});

test('stop closes every agent with SHUTTING_DOWN and 1001 and rejects results still pending', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { mode: 'hold' });
  const issued = sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' });
  await eventually(() => agent.held.length === 1, { timeoutMs: 5_000, what: 'agent.held.length === 1' });
  await sim.stop();
  t.is(await agent.closed, 1001);
  t.like(
    agent.messages.find((message) => message.type === 'error'),
    { code: 'SHUTTING_DOWN' },
  );
  await t.throwsAsync(issued.result, { message: /stopped/ });
  t.throws(() => sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' }), { message: /stopped/ });
});
