import test from 'ava';
import { Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Feature,
  generateKeyPair,
  keyPairFromJwk,
  Subprotocol,
  TrustedKeys,
  verifyCommandSignature,
  verifyServiceKeysSignature,
  type CommandMessage,
  type ServiceKeysMessage,
} from '../../protocol/index.js';
import { openMigrated } from '../../service/db/open-database.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { RawAgent } from '../helpers/raw-agent.js';
import { eventually } from '../helpers/eventually.js';
import { apiRequest } from '../helpers/service-process.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';

// `writeback-service keys rotate` end to end (docs/service.md, "Signing keys"): one `serve` node on
// SQLite, the real agent process (version 2, keyRotation) applying resets on a real slapd, and a
// hand-driven agent of another tenant that speaks version 1 and later version 2. The new key is
// announced, acknowledged, used for commands, and the old key retires only once every agent trusts
// the new one; forged and mismatched acknowledgements are refused.

const BETA = 'beta';
let slapd: SlapdFixture;
let env: ServiceEnvironment;
let agentUrl = '';
let ca: Buffer;
let oldKid = '';
let newKid = '';
let oldPublicKey = '';
let betaAgent: RawAgent;
const passwordsUsed: string[] = [];

function openStore() {
  return openMigrated({ url: null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
}

async function query<T>(read: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore();
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

const keyStatus = (kid: string) => query(async ({ db }) => (await db.selectFrom('signing_keys').select('status').where('kid', '=', kid).executeTakeFirstOrThrow()).status);
const trustedBy = (agentId: string) => query(async ({ db }) => (await db.selectFrom('agent_trusted_keys').select('kid').where('agent_id', '=', agentId).execute()).map((row) => row.kid).sort());

/** The node's log lines (JSON) with `message`. */
function nodeLog(message: string): Record<string, unknown>[] {
  return env.nodes[0]!.process.output.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const entry: Record<string, unknown> = JSON.parse(line);
      return entry;
    })
    .filter((entry) => entry['message'] === message);
}

function agentRegistration(): { serviceKeys: { kid: string }[] } {
  const file: { registration: { serviceKeys: { kid: string }[] } } = JSON.parse(readFileSync(join(env.dir, 'agent-state', 'registration.json'), 'utf8'));
  return file.registration;
}

async function canBind(dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [readFileSync(slapd.caFile)] } });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** A reset with a generated password through the admin API; returns the command id once it is done. */
async function resetApplied(user: 'alice' | 'bob'): Promise<string> {
  const response = await apiRequest(`${env.nodes[0]!.url}/api/v1/tenants/${env.tenant}/commands`, {
    method: 'POST',
    token: env.adminToken,
    ca,
    body: { op: 'resetPassword', target: { by: 'uid', value: user }, params: { enforceMinimumAge: false }, generate: true },
  });
  if (response.status !== 202) throw new Error(`submit: HTTP ${response.status}`);
  passwordsUsed.push(response.body.generatedPassword);
  const done = await env.waitResult(response.body.id);
  if (done.result?.code !== 'OK') throw new Error(`reset of ${user}: ${JSON.stringify(done.result)}`);
  if (!(await canBind(slapd.users[user].dn, response.body.generatedPassword))) throw new Error(`the new password of ${user} does not bind`);
  return response.body.id as string;
}

function sentWith(commandId: string): string[] {
  return nodeLog('command sent')
    .filter((entry) => entry.commandId === commandId)
    .map((entry) => entry.kid as string);
}

test.before(async () => {
  slapd = await startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0 } });
  passwordsUsed.push(slapd.layout.servicePassword, ...Object.values(slapd.users).map((u) => u.password));
  env = await ServiceEnvironment.create({
    directories: [slapdTestDirectory(slapd)],
  });
  const node = await env.startNode(0);
  agentUrl = `${node.url.replace(/^https/, 'wss')}/agent/v1`;
  ca = readFileSync(env.pki.caFile);
  await env.writeAgentConfig(node.url);
  await env.register();
  await env.startAgent();
  const [key] = await query(({ db }) => db.selectFrom('signing_keys').select(['kid', 'public_key']).execute());
  oldKid = key!.kid;
  oldPublicKey = key!.public_key;
  // A second tenant with a hand-driven agent registered before the rotation: it trusts the old key only.
  const tenant = await env.cli(['tenant', 'create', BETA]);
  if (tenant.code !== 0) throw new Error(tenant.stderr);
  const token = await env.cli(['token', 'create', '--tenant', BETA]);
  if (token.code !== 0) throw new Error(token.stderr);
  const registering = await RawAgent.connect(agentUrl, ca);
  registering.register(token.stdout.trim());
  const registered = await registering.next('registered');
  await registering.closed;
  registering.agentId = registered['agentId'];
  registering.tenantId = registered['tenantId'];
  betaAgent = registering;
});

test.after.always(async () => {
  await env?.close();
  await slapd?.stop();
});

test.serial('the real agent gets a v2 session with keyRotation; the hand-driven agent offering only v1 gets v1 and no features', async (t) => {
  t.like(
    nodeLog('agent connected').find((entry) => entry.agentId === env.agentId),
    { protocol: Subprotocol.v2, kid: oldKid },
  );
  t.deepEqual(nodeLog('agent connected').find((entry) => entry.agentId === env.agentId)?.features, [Feature.keyRotation, Feature.auditCheckpoint, Feature.directories]);
  betaAgent = await RawAgent.connect(agentUrl, ca, betaAgent);
  await betaAgent.hello({ features: [Feature.keyRotation] });
  const welcome = await betaAgent.next('welcome');
  t.false('features' in welcome);
  t.like(
    nodeLog('agent connected').find((entry) => entry.agentId === betaAgent.agentId),
    { protocol: Subprotocol.v1, features: [] },
  );
  const list = await env.cli(['agents', 'list', '--json']);
  t.is(list.code, 0, list.stderr);
  const agents: { id: string; protocol: string | null; features: string[] }[] = JSON.parse(list.stdout);
  t.like(
    agents.find((a) => a.id === env.agentId),
    { protocol: Subprotocol.v2 },
  );
  t.deepEqual(agents.find((a) => a.id === env.agentId)?.features, [Feature.keyRotation, Feature.auditCheckpoint, Feature.directories]);
  t.like(
    agents.find((a) => a.id === betaAgent.agentId),
    { protocol: Subprotocol.v1, features: [] },
  );
});

test.serial('keys rotate: the v2 agent is told the new key and acknowledges it; commands to it are signed with the new key; the v1 agent keeps the old one', async (t) => {
  const rotate = await env.cli(['keys', 'rotate']);
  t.is(rotate.code, 0, rotate.stderr);
  newKid = /^added signing key (\S+)$/m.exec(rotate.stdout)![1]!;
  t.regex(rotate.stdout, /2 agent\(s\) do not trust the new key yet/);
  await eventually(async () => (await trustedBy(env.agentId)).includes(newKid), { timeoutMs: 20_000, intervalMs: 100, what: 'the agent acknowledges the new key' });
  t.deepEqual(await trustedBy(env.agentId), [oldKid, newKid].sort());
  t.deepEqual(
    agentRegistration()
      .serviceKeys.map((k) => k.kid)
      .sort(),
    [oldKid, newKid].sort(),
  );
  // The v1 agent never trusts the new key, so the old one must keep signing for it.
  t.is(await keyStatus(oldKid), 'active');
  t.false(await betaAgent.arrives('serviceKeys', 500));

  const id = await resetApplied('alice');
  t.deepEqual(sentWith(id), [newKid]);

  const submitted = await apiRequest(`${env.nodes[0]!.url}/api/v1/tenants/${BETA}/commands`, {
    method: 'POST',
    token: env.adminToken,
    ca,
    body: { op: 'getAccountState', target: { by: 'uid', value: 'alice' } },
  });
  t.is(submitted.status, 202);
  const command = (await betaAgent.next('command')) as CommandMessage;
  t.is(command.kid, oldKid);
  t.true(verifyCommandSignature(command, new TrustedKeys([{ kid: oldKid, publicKey: oldPublicKey }])));
  betaAgent.result(command.command.id, 'OK');
  t.like(await betaAgent.next('resultAck'), { commandId: command.command.id });

  // A serviceKeysAck on a version-1 session is not part of the protocol: ignored.
  betaAgent.serviceKeysAck(new Date().toISOString(), [oldKid, newKid]);
  await eventually(() => nodeLog('ignored an agent frame').some((entry) => entry.type === 'serviceKeysAck' && entry.error === 'UNEXPECTED_MESSAGE'), {
    timeoutMs: 5_000,
    intervalMs: 100,
    what: 'the node logs the unexpected ack',
  });
  t.deepEqual(await trustedBy(betaAgent.agentId), [oldKid]);
});

test.serial('forged and mismatched acks are refused; once the last agent acknowledges, the old key retires and the agents are told the new set', async (t) => {
  betaAgent.close();
  await betaAgent.closed;
  betaAgent = await RawAgent.connect(agentUrl, ca, betaAgent, [Subprotocol.v2, Subprotocol.v1]);
  await betaAgent.hello({ features: [Feature.keyRotation] });
  t.like(await betaAgent.next('welcome'), { features: [Feature.keyRotation] });
  const announcement = (await betaAgent.next('serviceKeys')) as ServiceKeysMessage;
  t.is(announcement.kid, oldKid, 'signed with the key the agent trusts');
  t.deepEqual(announcement.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort());
  t.true(verifyServiceKeysSignature(announcement, new TrustedKeys([{ kid: oldKid, publicKey: oldPublicKey }])));

  const stranger = keyPairFromJwk(generateKeyPair('Ed25519').jwk);
  betaAgent.serviceKeysAck(announcement.issuedAt, [oldKid, newKid], { signWith: stranger });
  await eventually(() => nodeLog('serviceKeysAck refused').some((entry) => entry.reason === 'INVALID_SIGNATURE'), { timeoutMs: 5_000, intervalMs: 100, what: 'the forged ack is refused' });
  betaAgent.serviceKeysAck(announcement.issuedAt, [oldKid]);
  await eventually(() => nodeLog('serviceKeysAck refused').some((entry) => entry.reason === 'MISMATCHED'), { timeoutMs: 5_000, intervalMs: 100, what: 'the mismatched ack is refused' });
  t.deepEqual(await trustedBy(betaAgent.agentId), [oldKid]);
  t.is(await keyStatus(oldKid), 'active');

  betaAgent.serviceKeysAck(announcement.issuedAt, [oldKid, newKid]);
  await eventually(async () => (await keyStatus(oldKid)) === 'retired', { timeoutMs: 20_000, intervalMs: 100, what: 'the old key retires' });
  // Both agents are told the set without the old key, signed by the new one.
  const reduced = (await betaAgent.next('serviceKeys')) as ServiceKeysMessage;
  t.like(reduced, { kid: newKid, keys: [{ kid: newKid }] });
  betaAgent.serviceKeysAck(reduced.issuedAt, [newKid]);
  await eventually(() => agentRegistration().serviceKeys.every((k) => k.kid === newKid), { timeoutMs: 20_000, intervalMs: 100, what: 'the real agent trusts only the new key' });
  await eventually(async () => (await trustedBy(env.agentId)).join() === newKid && (await trustedBy(betaAgent.agentId)).join() === newKid, {
    timeoutMs: 20_000,
    intervalMs: 100,
    what: 'the service records it',
  });

  const id = await resetApplied('bob');
  t.deepEqual(sentWith(id), [newKid]);
  t.true(nodeLog('signing keys retired: every agent trusts a newer one').some((entry) => (entry.kids as string[]).includes(oldKid)));
});

test.serial('the real agent reports its signed audit checkpoint; the service prints it for `audit verify --checkpoint`', async (t) => {
  let printed = '';
  await eventually(
    async () => {
      const run = await env.cli(['agents', 'checkpoint', '--agent', env.agentId]);
      printed = run.stdout;
      return run.code === 0;
    },
    { timeoutMs: 20_000, intervalMs: 100, what: 'the agent reports a checkpoint' },
  );
  const checkpoint = JSON.parse(printed) as { v: number; lastHash: string; bytes: number; signature: string };
  t.is(checkpoint.v, 1);
  t.regex(checkpoint.lastHash, /^[0-9a-f]{64}$/);
  t.true(checkpoint.bytes > 0);
});

test.serial('no password used is in the service data, a log or any output', (t) => {
  t.deepEqual(findSecrets([env.dir], passwordsUsed), []);
});
