import test from 'ava';
import { Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Feature, generateKeyPair, keyPairFromJwk, signDirectories, Subprotocol, type CommandMessage } from '../../protocol/index.js';
import { openMigrated } from '../../service/db/open-database.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';
import { RawAgent } from '../helpers/raw-agent.js';
import { PostgresFixture } from '../fixtures/postgres.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { apiRequest } from '../helpers/service-process.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';

// What the service knows of its agents, end to end on one `serve` node (SQLite or PostgreSQL), the real agent
// process on a real slapd and hand-driven agents of the same tenant:
// - the agent reports its directories' kinds (feature `directories`), so `state`/`reset` without
//   --by name an OpenLDAP user by uid, and refuse (exit 2, naming --by) rather than guess when an
//   agent never reported or the agents disagree (docs/service.md, "Whom --by names");
// - `agents remove` retires a record: refused while connected unless --force, which ends the
//   session; what only that agent could act on expires, the rest reaches the other agents; a
//   re-registered agent's old record, named by `keys rotate`, stops holding back key retirement.

let slapd: SlapdFixture;
let env: ServiceEnvironment;
let agentUrl = '';
let ca: Buffer;
let raw: RawAgent;
let pg: PostgresFixture | null = null;
const passwordsUsed: string[] = [];

function openStore() {
  return openMigrated({ url: env.options.dbUrl ?? null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
}

async function query<T>(read: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore();
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const agentRow = (id: string) => query(({ db }) => db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst());
const commandRow = (id: string) => query(({ db }) => db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
const keyStatus = (kid: string) => query(async ({ db }) => (await db.selectFrom('signing_keys').select('status').where('kid', '=', kid).executeTakeFirstOrThrow()).status);
const trustedBy = (agentId: string) => query(async ({ db }) => (await db.selectFrom('agent_trusted_keys').select('kid').where('agent_id', '=', agentId).execute()).map((row) => row.kid).sort());

function nodeLog(message: string): Record<string, unknown>[] {
  return env.nodes[0]!.process.output.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry['message'] === message);
}

async function submit(body: Record<string, unknown>): Promise<{ id: string; generatedPassword?: string }> {
  const response = await apiRequest(`${env.nodes[0]!.url}/api/v1/tenants/${env.tenant}/commands`, { method: 'POST', token: env.adminToken, ca, body });
  if (response.status !== 202) throw new Error(`submit: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  if (typeof response.body.generatedPassword === 'string') passwordsUsed.push(response.body.generatedPassword);
  return response.body as { id: string; generatedPassword?: string };
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

/** A hand-driven agent of the tenant, registered with a token from `token create`. */
async function registerRaw(): Promise<RawAgent> {
  const token = await env.cli(['token', 'create', '--tenant', env.tenant]);
  if (token.code !== 0) throw new Error(token.stderr);
  const registering = await RawAgent.connect(agentUrl, ca);
  registering.register(token.stdout.trim());
  const registered = await registering.next('registered');
  await registering.closed;
  registering.agentId = registered['agentId'];
  registering.tenantId = registered['tenantId'];
  return registering;
}

/** Registers the tests on `database`. */
export function agentRecordsScenario(database: 'sqlite' | 'postgres'): void {
  test.before(async () => {
    if (database === 'postgres') pg = await PostgresFixture.start();
    slapd = await startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0 } });
    passwordsUsed.push(slapd.layout.servicePassword, ...Object.values(slapd.users).map((u) => u.password));
    env = await ServiceEnvironment.create({ ...(pg === null ? {} : { dbUrl: await pg.createDatabase('writeback') }), directories: [slapdTestDirectory(slapd)] });
    const node = await env.startNode(0);
    agentUrl = `${node.url.replace(/^https/, 'wss')}/agent/v1`;
    ca = readFileSync(env.pki.caFile);
    await env.writeAgentConfig(node.url);
    await env.register();
    await env.startAgent();
  });

  test.after.always(async () => {
    await env?.close();
    await slapd?.stop();
    await pg?.destroy();
  });

  test.serial('the real agent reports its OpenLDAP directory; `state --user alice` without --by names her by uid', async (t) => {
    await until('the agent reports its directories', async () => (await agentRow(env.agentId))?.directories !== null);
    const list = await env.cli(['agents', 'list', '--tenant', env.tenant, '--json']);
    t.is(list.code, 0, list.stderr);
    const [agent] = JSON.parse(list.stdout) as { features: string[]; directories: unknown }[];
    t.true(agent?.features.includes(Feature.directories));
    t.deepEqual(agent?.directories, { directories: [{ id: 'ldap', kind: 'openldap' }], defaultDirectory: 'ldap' });

    const state = await env.cli(['state', '--tenant', env.tenant, '--user', 'alice', '--json']);
    t.is(state.code, 0, state.stderr);
    const view = JSON.parse(state.stdout) as { commandId: string; result: { code: string } };
    t.is(view.result.code, 'OK');
    t.deepEqual(JSON.parse((await commandRow(view.commandId)).target!), { by: 'uid', value: 'alice' });
  });

  test.serial('an agent that never reported its directories (version 1) makes --by required: exit 2, one line naming --by', async (t) => {
    raw = await registerRaw();
    raw = await RawAgent.connect(agentUrl, ca, raw);
    await raw.hello({ maxInFlight: 1 });
    await raw.next('welcome');
    const state = await env.cli(['state', '--tenant', env.tenant, '--user', 'alice']);
    t.is(state.code, 2);
    t.regex(state.stderr, /^writeback-service state: agent \S+ \(raw\) has not reported its directories' kinds \(version 1 or an older agent\); give --by/);
    t.is(state.stderr.trim().split('\n').length, 1);
    t.is(state.stdout, '');
  });

  test.serial('agents of one tenant that serve different kinds of directory make --by required; a forged report is refused', async (t) => {
    raw.close();
    await raw.closed;
    raw = await RawAgent.connect(agentUrl, ca, raw, [Subprotocol.v2]);
    await raw.hello({ maxInFlight: 1, features: [Feature.directories] });
    t.like(await raw.next('welcome'), { features: [Feature.keyRotation, Feature.auditCheckpoint, Feature.directories] });
    const report = { agentId: raw.agentId, directories: [{ id: 'corp', kind: 'activeDirectory' }], defaultDirectory: 'corp', sentAt: new Date().toISOString() };
    raw.send(signDirectories({ ...report, directories: [{ id: 'corp', kind: 'openldap' }] }, keyPairFromJwk(generateKeyPair('Ed25519').jwk).privateKey));
    await until('the forged report is refused', () => nodeLog('directories report refused: not signed by the session agent').length === 1, 5_000);
    t.is((await agentRow(raw.agentId))?.directories, null);
    raw.send(signDirectories(report, raw.signing.privateKey));
    await until('the report is recorded', async () => (await agentRow(raw.agentId))?.directories !== null);

    const state = await env.cli(['state', '--tenant', env.tenant, '--user', 'alice']);
    t.is(state.code, 2);
    t.regex(state.stderr, /agents serve directories of different kinds \(activeDirectory, openldap\); give --by$/m);
    // Naming the directory picks the agents that serve it.
    const named = await env.cli(['state', '--tenant', env.tenant, '--user', 'alice', '--directory', 'nowhere']);
    t.is(named.code, 2);
    t.regex(named.stderr, /no agent of the tenant reports a directory "nowhere"; give --by/);
  });

  test.serial('agents remove: refused for a connected agent; --force ends its session, expires what only it held, keeps the rest queued for the others', async (t) => {
    // The real agent away: the hand-driven one takes the next command and keeps it unanswered.
    await env.agent!.stop('SIGTERM');
    const held = await submit({ op: 'getAccountState', target: { by: 'uid', value: 'alice' } });
    const sent = (await raw.next('command')) as CommandMessage;
    t.is(sent.command.id, held.id);
    // Sealed to both agents; the hand-driven one has no credit left, so it stays queued.
    const reset = await submit({ op: 'resetPassword', target: { by: 'uid', value: 'bob' }, params: { enforceMinimumAge: false }, generate: true });
    t.is((await commandRow(reset.id)).state, 'queued');

    const refused = await env.cli(['agents', 'remove', '--tenant', env.tenant, '--agent', raw.agentId]);
    t.is(refused.code, 2);
    t.regex(refused.stderr, /is connected; stop it first, or add --force to close its session/);
    t.is((await agentRow(raw.agentId))?.removed_at, null);

    const removed = await env.cli(['agents', 'remove', '--tenant', env.tenant, '--agent', raw.agentId, '--force']);
    t.is(removed.code, 0, removed.stderr);
    t.regex(removed.stdout, /^removed agent \S+ \(its session closes within a heartbeat\); its stored results are kept$/m);
    t.regex(removed.stdout, /^1 command\(s\) only it could act on expired$/m);
    t.is((await commandRow(held.id)).state, 'expired');
    t.is((await commandRow(reset.id)).state, 'queued');
    t.deepEqual(await query(({ db }) => db.selectFrom('command_secrets').select('command_id').where('agent_id', '=', raw.agentId).execute()), []);
    const row = await agentRow(raw.agentId);
    t.truthy(row?.removed_at, 'the record stays, marked removed, for audit');
    t.is(row?.signing_key, raw.signingKeyRaw);

    // The node holding the session ends it at its next heartbeat, as a removed agent; its next hello is refused.
    t.like(await raw.next('error', 10_000), { code: 'UNKNOWN_AGENT' });
    t.is(await raw.closed, 4001);
    raw = await RawAgent.connect(agentUrl, ca, raw, [Subprotocol.v2]);
    await raw.hello();
    t.like(await raw.next('error'), { code: 'UNKNOWN_AGENT' });
    t.is(await raw.closed, 4001);
    const list = await env.cli(['agents', 'list', '--tenant', env.tenant, '--json']);
    t.deepEqual(
      (JSON.parse(list.stdout) as { id: string }[]).map((a) => a.id),
      [env.agentId],
    );
    const again = await env.cli(['agents', 'remove', '--tenant', env.tenant, '--agent', raw.agentId]);
    t.is(again.code, 2);
    t.regex(again.stderr, /no agent "\S+" in this tenant/);

    // The queued reset reaches the real agent when it is back; --by is no longer ambiguous.
    await env.startAgent();
    const done = await env.waitResult(reset.id);
    t.is(done.result?.code, 'OK');
    t.true(await canBind(slapd.users.bob.dn, reset.generatedPassword!));
    const state = await env.cli(['state', '--tenant', env.tenant, '--user', 'bob']);
    t.is(state.code, 0, state.stderr);
  });

  test.serial("a re-registered agent's old record holds back key retirement; keys rotate names it; removing it retires the old key", async (t) => {
    const oldAgentId = env.agentId;
    const [oldKey] = await query(({ db }) => db.selectFrom('signing_keys').select('kid').where('status', '=', 'active').execute());
    await env.agent!.stop('SIGTERM');
    await env.register();
    t.not(env.agentId, oldAgentId);
    await env.startAgent();

    const rotate = await env.cli(['keys', 'rotate']);
    t.is(rotate.code, 0, rotate.stderr);
    const newKid = /^added signing key (\S+)$/m.exec(rotate.stdout)![1]!;
    t.regex(rotate.stdout, /^older keys stay active until these agents trust the newest:$/m);
    t.true(rotate.stdout.includes(`  ${oldAgentId} (e2e on `), rotate.stdout);
    t.regex(rotate.stdout, /writeback-service agents remove --tenant TENANT --agent ID$/m);

    await until('the new agent acknowledges the new key', async () => (await trustedBy(env.agentId)).includes(newKid));
    const status = await env.cli(['keys', 'status']);
    t.is(status.code, 0, status.stderr);
    t.regex(status.stdout, new RegExp(`^${oldKey!.kid}  active`, 'm'));
    t.true(status.stdout.includes(`  ${oldAgentId} (e2e on `), status.stdout);
    t.false(status.stdout.includes(`  ${env.agentId} (`), 'the agent that trusts the new key holds nothing back');
    t.is(await keyStatus(oldKey!.kid), 'active');

    const removed = await env.cli(['agents', 'remove', '--tenant', env.tenant, '--agent', oldAgentId]);
    t.is(removed.code, 0, removed.stderr);
    t.regex(removed.stdout, new RegExp(`^retired ${oldKey!.kid} \\(every remaining agent trusts the newest key\\)$`, 'm'));
    t.is(await keyStatus(oldKey!.kid), 'retired');
    // The node announces the set without the old key; the agent trusts only the new one.
    await until('the agent trusts only the new key', async () => (await trustedBy(env.agentId)).join() === newKid);
    const after = await env.cli(['keys', 'status']);
    t.false(after.stdout.includes('older keys stay active'));
    const id = await submit({ op: 'resetPassword', target: { by: 'uid', value: 'alice' }, params: { enforceMinimumAge: false }, generate: true });
    t.is((await env.waitResult(id.id)).result?.code, 'OK');
    t.true(nodeLog('command sent').some((entry) => entry.commandId === id.id && entry.kid === newKid));
  });

  test.serial('the admin API removes an agent record the same way (DELETE), refusing a connected one without force', async (t) => {
    const stale = await registerRaw();
    const url = `${env.nodes[0]!.url}/api/v1/tenants/${env.tenant}/agents`;
    // The agent must be connected as the node sees it right now (a session, refreshed within three
    // heartbeats), not only running: on a loaded machine it may be between sessions.
    await until('the agent is connected', async () => {
      const list = await apiRequest(url, { method: 'GET', token: env.adminToken, ca });
      return (list.body.agents as { id: string; connected: boolean }[]).some((agent) => agent.id === env.agentId && agent.connected);
    });
    const connected = await apiRequest(`${url}/${env.agentId}`, { method: 'DELETE', token: env.adminToken, ca });
    t.is(connected.status, 409);
    t.is(connected.body.error, 'CONFLICT');
    const removed = await apiRequest(`${url}/${stale.agentId}`, { method: 'DELETE', token: env.adminToken, ca });
    t.is(removed.status, 200);
    t.like(removed.body, { agentId: stale.agentId, wasConnected: false, expired: 0 });
    const missing = await apiRequest(`${url}/${stale.agentId}`, { method: 'DELETE', token: env.adminToken, ca });
    t.is(missing.status, 404);
  });

  test.serial('no password used is in the service data, a log or any output', (t) => {
    t.deepEqual(findSecrets([env.dir, ...(pg === null ? [] : [pg.dir])], passwordsUsed), []);
  });
}
