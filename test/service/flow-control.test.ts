import test from 'ava';
import { readFileSync } from 'node:fs';
import { RawAgent } from '../helpers/raw-agent.js';
import type { ParsedJson } from '../helpers/service-process.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';

// Flow control of the real service process (SQLite), seen from a hand-driven agent: never more than
// the hello's maxInFlight commands outstanding to it; an ack does not free a slot, a stored result
// does (protocol.md section 6).

const MAX_IN_FLIGHT = 2;
const QUIET_MS = 1_500;
let env: ServiceEnvironment;
let agent: RawAgent;

test.before(async () => {
  env = await ServiceEnvironment.create({ directories: [] });
  const node = await env.startNode(0);
  const url = `${node.url.replace(/^https/, 'wss')}/agent/v1`;
  const ca = readFileSync(env.pki.caFile);
  const token = await env.cli(['token', 'create', '--tenant', env.tenant]);
  const registering = await RawAgent.connect(url, ca);
  registering.register(token.stdout.trim());
  const registered = await registering.next('registered');
  await registering.closed;
  agent = await RawAgent.connect(url, ca, Object.assign(registering, { agentId: registered['agentId'], tenantId: registered['tenantId'] }));
  await agent.hello({ maxInFlight: MAX_IN_FLIGHT });
  await agent.next('welcome');
});

test.after.always(async () => {
  agent?.close();
  await env?.close();
});

test.serial('never more than maxInFlight outstanding: an ack frees no slot, each stored result frees one', async (t) => {
  const submitted: string[] = [];
  for (let i = 0; i < 3 * MAX_IN_FLIGHT; i++) submitted.push(await env.submit({ op: 'getAccountState', target: { by: 'uid', value: `user${i}` } }));
  const received: ParsedJson[] = [];
  for (let i = 0; i < MAX_IN_FLIGHT; i++) received.push(await agent.next('command'));
  t.false(await agent.arrives('command', QUIET_MS), `no command beyond the ${MAX_IN_FLIGHT} allowed`);
  for (const frame of received) agent.send({ type: 'ack', commandId: frame['command'].id });
  t.false(await agent.arrives('command', QUIET_MS), 'acks free no slot');

  // From here on, each result is answered with exactly one more command, until the queue is empty.
  while (received.length < submitted.length) {
    const done = received.find((frame) => frame['answered'] !== true)!;
    done['answered'] = true;
    agent.result(done['command'].id, 'OK');
    await agent.next('resultAck');
    received.push(await agent.next('command'));
    t.false(await agent.arrives('command', 300), 'one result, one more command');
  }
  t.deepEqual(received.map((frame): string => String(frame['command'].id)).sort(), [...submitted].sort(), 'every command went out once');
  for (const frame of received.filter((f) => f['answered'] !== true)) agent.result(frame['command'].id, 'OK');
  for (const id of submitted) t.like(await env.waitResult(id), { state: 'done', result: { code: 'OK' } });
});
