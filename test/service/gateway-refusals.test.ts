import test from 'ava';
import { readFileSync } from 'node:fs';
import { generateKeyPair, keyPairFromJwk, TrustedKeys, type ServiceKey } from '../../protocol/index.js';
import { RawAgent } from '../helpers/raw-agent.js';
import type { ParsedJson } from '../helpers/service-process.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';

// The agent gateway of the real service process (SQLite), driven by a hand-written agent over a
// real WebSocket: registration tokens are one-time, expiring and attempt-limited; a forged or
// misattributed result is refused (not stored, not acknowledged) and the real one is then stored;
// a hello signed with another key and a frame over 64 KiB are refused as SPEC.md says.

const MAX_FAILURES = 6;
let env: ServiceEnvironment;
let agentUrl = '';
let ca: Buffer;
let registered: RawAgent;
let serviceKeys: ServiceKey[] = [];

test.before(async () => {
  env = await ServiceEnvironment.create({ directories: [], serviceConfig: (config) => (config.registration.maxFailures = MAX_FAILURES) });
  const node = await env.startNode(0);
  agentUrl = `${node.url.replace(/^https/, 'wss')}/agent/v1`;
  ca = readFileSync(env.pki.caFile);
});

test.after.always(async () => {
  await env?.close();
});

async function token(ttl?: string): Promise<string> {
  const run = await env.cli(['token', 'create', '--tenant', env.tenant, ...(ttl === undefined ? [] : ['--ttl', ttl])]);
  if (run.code !== 0) throw new Error(run.stderr);
  return run.stdout.trim();
}

async function registerWith(value: string, keysFrom?: RawAgent): Promise<{ agent: RawAgent; reply: ParsedJson }> {
  const agent = await RawAgent.connect(agentUrl, ca, keysFrom);
  agent.register(value);
  const reply = await Promise.race([agent.next('registered'), agent.next('error')]);
  await agent.closed;
  return { agent, reply };
}

test.serial('a registration token works once: the second use is refused with INVALID_TOKEN and 4001', async (t) => {
  const once = await token();
  const first = await registerWith(once);
  t.is(first.reply['type'], 'registered');
  t.is(first.reply['tenantId'], env.tenantId);
  t.is(first.agent.closeCode, 1000);
  registered = first.agent;
  registered.agentId = first.reply['agentId'];
  registered.tenantId = first.reply['tenantId'];
  serviceKeys = first.reply['serviceKeys'];
  const again = await registerWith(once);
  t.like(again.reply, { type: 'error', code: 'INVALID_TOKEN' });
  t.is(again.agent.closeCode, 4001);
});

test.serial('an expired registration token is refused', async (t) => {
  const short = await token('1s');
  await new Promise((r) => setTimeout(r, 1_500));
  const late = await registerWith(short);
  t.like(late.reply, { type: 'error', code: 'INVALID_TOKEN' });
});

test.serial('a hello signed with another key is refused with INVALID_SIGNATURE and 4001', async (t) => {
  const agent = await RawAgent.connect(agentUrl, ca, registered);
  await agent.hello({ signWith: keyPairFromJwk(generateKeyPair('Ed25519').jwk) });
  t.like(await agent.next('error'), { code: 'INVALID_SIGNATURE' });
  t.is(await agent.closed, 4001);
});

test.serial('a forged result is refused: not stored, not acknowledged; the real one is stored once', async (t) => {
  const agent = await RawAgent.connect(agentUrl, ca, registered);
  await agent.hello();
  await agent.next('welcome');
  const id = await env.submit({ op: 'getAccountState', target: { by: 'uid', value: 'alice' } });
  const frame = await agent.next('command');
  t.is(frame['command'].id, id);
  t.true(new TrustedKeys(serviceKeys).verify(frame['command'], frame['kid'], frame['signature']), 'the command is signed with a key given at registration');
  agent.send({ type: 'ack', commandId: id });

  agent.result(id, 'OK', { signWith: keyPairFromJwk(generateKeyPair('Ed25519').jwk) });
  t.false(await agent.arrives('resultAck', 1_500), 'a forged signature gets no resultAck');
  agent.result(id, 'OK', { agentId: 'someone-else' });
  t.false(await agent.arrives('resultAck', 1_500), 'a result naming another agent gets no resultAck');
  agent.result(id, 'INVALID_SIGNATURE', { details: { preAuthentication: true } });
  t.false(await agent.arrives('resultAck', 1_500), 'a refusal before authentication (anyone could have sent a frame with this id) is not the result');
  const { apiRequest } = await import('../helpers/service-process.js');
  const pending = await apiRequest(`${env.nodes[0]!.url}/api/v1/tenants/${env.tenant}/commands/${id}`, { token: env.adminToken, ca });
  t.like(pending.body, { state: 'acknowledged', result: null });

  agent.result(id, 'USER_NOT_FOUND');
  t.like(await agent.next('resultAck'), { commandId: id });
  t.like(await env.waitResult(id), { state: 'done', result: { code: 'USER_NOT_FOUND', agentId: registered.agentId } });
  agent.result(id, 'OK');
  t.like(await agent.next('resultAck'), { commandId: id }, 'a re-sent result is acknowledged again');
  t.like(await env.waitResult(id), { result: { code: 'USER_NOT_FOUND' } }, 'the first stored result stays');
  agent.close();
});

test.serial('a frame over 64 KiB closes the connection with 1009', async (t) => {
  const agent = await RawAgent.connect(agentUrl, ca);
  agent.sendText(JSON.stringify({ type: 'hello', padding: 'x'.repeat(70 * 1024) }));
  t.is(await agent.closed, 1009);
});

test.serial('keys rotate: agents keep commands signed with a key they trust; new registrations get both keys', async (t) => {
  const rotate = await env.cli(['keys', 'rotate']);
  t.is(rotate.code, 0, rotate.stderr);
  const newKid = /added signing key (\S+)/.exec(rotate.stdout)?.[1] ?? '';
  t.regex(rotate.stdout, /1 agent\(s\) do not trust the new key yet/);
  t.is(await env.nodes[0]!.process.stop('SIGTERM'), 0);
  const node = await env.startNode(0);
  agentUrl = `${node.url.replace(/^https/, 'wss')}/agent/v1`;

  const old = await RawAgent.connect(agentUrl, ca, registered);
  await old.hello();
  await old.next('welcome');
  await env.submit({ op: 'getAccountState', target: { by: 'uid', value: 'alice' } });
  const oldFrame = await old.next('command');
  t.is(oldFrame['kid'], serviceKeys[0]!.kid, 'an agent that only knows the old key still gets commands it can verify');
  old.close();
  await old.closed;

  const fresh = await registerWith(await token());
  const keys = fresh.reply['serviceKeys'] as ServiceKey[];
  t.deepEqual(keys.map((k) => k.kid).sort(), [serviceKeys[0]!.kid, newKid].sort());
  const agent = await RawAgent.connect(agentUrl, ca, Object.assign(fresh.agent, { agentId: fresh.reply['agentId'], tenantId: env.tenantId }));
  await agent.hello();
  await agent.next('welcome');
  // The command above stays pinned to the old agent, which had it; a new one goes to this one.
  await env.submit({ op: 'getAccountState', target: { by: 'uid', value: 'bob' } });
  const frame = await agent.next('command');
  t.is(frame['command'].agentId, fresh.reply['agentId']);
  t.is(frame['kid'], newKid, 'an agent that trusts the new key gets commands signed with it');
  t.true(new TrustedKeys(keys).verify(frame['command'], frame['kid'], frame['signature']));
  agent.close();
});

test.serial('brute force: after too many bad tokens from one address even a valid token is refused', async (t) => {
  let refused = 0;
  for (let i = 0; i < MAX_FAILURES; i++) {
    const { reply } = await registerWith(`wbr_guess${i}`);
    if (reply['code'] === 'INVALID_TOKEN') refused++;
  }
  t.is(refused, MAX_FAILURES);
  const { reply } = await registerWith(await token());
  t.like(reply, { type: 'error', code: 'INVALID_TOKEN' });
  t.regex(reply['message'], /too many failed/);
});
