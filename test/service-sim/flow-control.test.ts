import test from 'ava';
import { connectAgent, newIdentity, startService, TENANT } from './helpers/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { TestAgent } from './helpers/test-agent.js';

test('flow control: never more than maxInFlight outstanding, with 3 × maxInFlight commands issued', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const maxInFlight = 3;
  const agent = await connectAgent(t, sim, identity, { maxInFlight, mode: 'hold' });
  const seen: number[] = [];
  sim.on('commandSent', (event) => {
    seen.push(event.outstanding);
    if (event.outstanding > event.maxInFlight) t.fail(`outstanding ${event.outstanding} over ${event.maxInFlight}`);
  });
  const issued = Array.from({ length: 3 * maxInFlight }, () => sim.issueCommand({ tenantId: TENANT, op: 'getAccountState', target: { by: 'uid', value: 'u' } }));
  let answered = 0;
  while (answered < issued.length) {
    await eventually(() => agent.held.length > 0, { timeoutMs: 5_000, what: 'agent.held.length > 0' });
    t.true(sim.outstanding(identity.agentId) <= maxInFlight);
    // Give the service a moment to (wrongly) send more before answering.
    await new Promise((resolve) => setTimeout(resolve, 10));
    t.true(agent.held.length <= maxInFlight);
    agent.answer(agent.held[0]!);
    answered += 1;
  }
  await Promise.all(issued.map((command) => command.result));
  t.is(seen.length, issued.length);
  t.is(Math.max(...seen), maxInFlight);
  t.is(agent.maxOutstanding, maxInFlight);
  t.is(sim.outstanding(identity.agentId), 0);
});

test('an ack does not return credit: only a result does', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const agent = await connectAgent(t, sim, identity, { maxInFlight: 1, mode: 'hold' });
  const first = sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' });
  sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' });
  await eventually(() => sim.acks.has(first.id), { timeoutMs: 5_000, what: 'sim.acks.has(first.id)' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(agent.commands.length, 1);
  agent.answer(first.id);
  await eventually(() => agent.commands.length === 2, { timeoutMs: 5_000, what: 'the second command, once the first has its result' });
  t.is(sim.outstanding(identity.agentId), 1, 'the result returned the credit, and the second command took it');
});

test('redelivery: commands sent without a result are re-sent, byte for byte, after the agent reconnects', async (t) => {
  const sim = await startService(t);
  const identity = await newIdentity(sim);
  const first = await connectAgent(t, sim, identity, { maxInFlight: 2, mode: 'hold' });
  const redelivered: string[] = [];
  sim.on('commandSent', (event) => {
    if (event.redelivery) redelivered.push(event.commandId);
  });
  const issued = Array.from({ length: 3 }, (_, i) =>
    sim.issueCommand({ tenantId: TENANT, op: 'resetPassword', target: { by: 'uid', value: `u${i}` }, secret: { newPassword: `pw-${i}-long-enough` } }),
  );
  await eventually(() => first.held.length === 2, { timeoutMs: 5_000, what: 'first.held.length === 2' });
  const firstFrames = sim.transcript.entries.filter((entry) => entry.direction === 'out' && entry.text.includes('"type":"command"')).map((entry) => entry.text);
  t.is(firstFrames.length, 2);
  await first.terminate();
  await eventually(() => sim.connectedAgents().length === 0, { timeoutMs: 5_000, what: 'sim.connectedAgents().length === 0' });
  t.is(sim.pendingCommands, 3);

  const second = await TestAgent.connect(sim.url, identity, { maxInFlight: 2 });
  t.teardown(() => second.terminate());
  const results = await Promise.all(issued.map((command) => command.result));
  t.deepEqual(
    results.map((result) => result.commandId),
    issued.map((command) => command.id),
  );
  t.deepEqual(
    redelivered.sort(),
    issued
      .slice(0, 2)
      .map((command) => command.id)
      .sort(),
  );
  const allFrames = sim.transcript.entries.filter((entry) => entry.direction === 'out' && entry.text.includes('"type":"command"')).map((entry) => entry.text);
  t.is(allFrames.length, 5);
  for (const frame of firstFrames) t.true(allFrames.slice(2).includes(frame), 'the redelivered frame is identical');
  t.deepEqual(
    second.commands.map((command) => command.secret?.['newPassword']),
    ['pw-0-long-enough', 'pw-1-long-enough', 'pw-2-long-enough'],
  );
});

test('two agents of a tenant share the commands; what one held when it dropped waits for it and finishes there, exactly once', async (t) => {
  const sim = await startService(t);
  const a = await newIdentity(sim);
  const b = await newIdentity(sim);
  const agentA = await connectAgent(t, sim, a, { maxInFlight: 4, mode: 'hold' });
  const agentB = await connectAgent(t, sim, b, { maxInFlight: 4 });
  const resultEvents: string[] = [];
  sim.on('result', (event) => resultEvents.push(event.result.commandId));
  const issued = Array.from({ length: 12 }, (_, i) =>
    sim.issueCommand({ tenantId: TENANT, op: 'resetPassword', target: { by: 'uid', value: `user${i}` }, secret: { newPassword: `secret-${i}-xyz` } }),
  );
  await eventually(() => agentA.held.length === 4, { timeoutMs: 5_000, what: 'agentA.held.length === 4' });
  const heldByA = [...agentA.held];
  await agentA.terminate();
  // A sent command stays with its agent (docs/service.md): the rest finish on B, A's four wait for A.
  const others = issued.filter((command) => !heldByA.includes(command.id));
  const onOthers = await Promise.all(others.map((command) => command.result));
  t.true(onOthers.every((result) => result.agentId === b.agentId));
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.false(
    agentB.commands.some((command) => heldByA.includes(command.commandId ?? '')),
    'B never got what A held',
  );
  t.is(sim.pendingCommands, 4);

  const againA = await connectAgent(t, sim, a, { maxInFlight: 4 });
  const results = await Promise.all(issued.map((command) => command.result));
  t.is(results.length, 12);
  t.deepEqual([...resultEvents].sort(), issued.map((command) => command.id).sort(), 'one stored result per command');
  t.deepEqual(againA.commands.map((command) => command.commandId ?? '').sort(), [...heldByA].sort());
  const onB = agentB.commands.map((command) => command.commandId);
  t.is(new Set(onB).size, onB.length, 'B got every command of its own once');
  // A opened the copies sealed to its own key at submission.
  const heldIndex = issued.findIndex((command) => command.id === heldByA[0]);
  t.is(againA.commands.find((command) => command.commandId === heldByA[0])?.secret?.['newPassword'], `secret-${heldIndex}-xyz`);
  t.is(sim.pendingCommands, 0);
});

test('each session claims up to its own credit: two idle agents with credit 2 take 2 commands each', async (t) => {
  const sim = await startService(t);
  const a = await newIdentity(sim);
  const b = await newIdentity(sim);
  const agentA = await connectAgent(t, sim, a, { maxInFlight: 2, mode: 'hold' });
  const agentB = await connectAgent(t, sim, b, { maxInFlight: 2, mode: 'hold' });
  for (let i = 0; i < 4; i++) sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' });
  await eventually(() => agentA.held.length + agentB.held.length === 4, { timeoutMs: 5_000, what: 'agentA.held.length + agentB.held.length === 4' });
  t.is(agentA.held.length, 2);
  t.is(agentB.held.length, 2);
});

test('a command left by a dropped agent goes back to that agent when it returns before another has credit', async (t) => {
  const sim = await startService(t);
  const a = await newIdentity(sim);
  const b = await newIdentity(sim);
  const firstA = await connectAgent(t, sim, a, { maxInFlight: 1, mode: 'hold' });
  const agentB = await connectAgent(t, sim, b, { maxInFlight: 1, mode: 'hold' });
  const issued = [0, 1].map(() => sim.issueCommand({ tenantId: TENANT, op: 'checkPermissions' }));
  await eventually(() => firstA.held.length === 1 && agentB.held.length === 1, { timeoutMs: 5_000, what: 'firstA.held.length === 1 && agentB.held.length === 1' });
  const leftByA = firstA.held[0]!;
  await firstA.terminate();
  await eventually(() => sim.connectedAgents().length === 1, { timeoutMs: 5_000, what: 'sim.connectedAgents().length === 1' });
  const secondA = await TestAgent.connect(sim.url, a, { maxInFlight: 1 });
  t.teardown(() => secondA.terminate());
  const result = await issued.find((command) => command.id === leftByA)!.result;
  t.is(result.agentId, a.agentId);
  agentB.answerHeld();
  await Promise.all(issued.map((command) => command.result));
  t.deepEqual(
    agentB.commands.map((command) => command.commandId),
    issued.filter((command) => command.id !== leftByA).map((command) => command.id),
  );
});
