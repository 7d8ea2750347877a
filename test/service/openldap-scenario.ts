import test from 'ava';
import { Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openMigrated } from '../../service/db/open-database.js';
import { submitCommand } from '../../service/commands/submit-command.js';
import { PostgresFixture } from '../fixtures/postgres.js';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { freePort } from '../fixtures/slapd/free-port.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';
import { apiRequest } from '../helpers/service-process.js';
import { slapdTestDirectory } from '../helpers/agent-environment.js';

// The real thing on one machine: one `writeback-service serve` node, on its embedded SQLite
// database or on PostgreSQL, a real agent process and a real slapd. Operations go in through the
// CLI (password on stdin) and the admin API; the node is killed with commands in every state and
// restarted; nothing is lost and no password used reaches the database, a log or any file.

let slapd: SlapdFixture;
let env: ServiceEnvironment;
let pg: PostgresFixture | null = null;
const passwordsUsed: string[] = [];

/** The database the node uses: `url` null is the embedded SQLite file in the data directory. */
function openStore() {
  return openMigrated({ url: env.options.dbUrl ?? null, sqliteFile: join(env.dataDirs[0]!, 'service.db') });
}

/** Registers the scenario's tests on `database`. */
export function openLdapScenario(database: 'sqlite' | 'postgres'): void {
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

  test.before(async () => {
    if (database === 'postgres') pg = await PostgresFixture.start();
    slapd = await startSlapd({ rights: '=wm', policy: { minAgeSeconds: 0 } });
    passwordsUsed.push(slapd.layout.servicePassword, ...Object.values(slapd.users).map((u) => u.password));
    env = await ServiceEnvironment.create({
      ...(pg === null ? {} : { dbUrl: await pg.createDatabase('writeback') }),
      directories: [slapdTestDirectory(slapd)],
    });
    // Not a port of the kernel's choosing: the node is killed and started again on it below.
    const node = await env.startNode(0, await freePort());
    await env.writeAgentConfig(node.url);
    await env.register();
    await env.startAgent();
  });

  test.after.always(async () => {
    await env?.close();
    await slapd?.stop();
    await pg?.destroy();
  });

  test.serial('reset --password-stdin: exit 0, OK, and the new password works at the directory', async (t) => {
    const alice = slapd.users.alice;
    const password = 'Stdin-Alice-2026!';
    passwordsUsed.push(password);
    const run = await env.cli(['reset', '--tenant', env.tenant, '--user', 'alice', '--by', 'uid', '--password-stdin'], { stdin: `${password}\n` });
    t.is(run.code, 0, run.stderr);
    t.regex(run.stdout, /^OK: /);
    t.true(await canBind(alice.dn, password));
    t.false(await canBind(alice.dn, alice.password));
  });

  test.serial('reset --generate prints the password once, and it works; --json gives the signed result', async (t) => {
    const run = await env.cli(['reset', '--tenant', env.tenant, '--user', 'bob', '--by', 'uid', '--generate', '--json']);
    t.is(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    passwordsUsed.push(out.generatedPassword);
    t.like(out, { state: 'done', result: { code: 'OK', status: 'succeeded', agentId: env.agentId, details: { dn: slapd.users.bob.dn } } });
    t.is(typeof out.signature, 'string');
    t.true(await canBind(slapd.users.bob.dn, out.generatedPassword));
  });

  test.serial('state, unlock and check-permissions through the CLI; a refusal exits 1', async (t) => {
    const state = await env.cli(['state', '--tenant', env.tenant, '--user', 'erin', '--by', 'uid', '--json']);
    t.is(state.code, 0, state.stderr);
    t.like(JSON.parse(state.stdout).result, { code: 'OK', details: { locked: true } });
    const unlock = await env.cli(['unlock', '--tenant', env.tenant, '--user', 'erin', '--by', 'uid']);
    t.is(unlock.code, 0, unlock.stderr);
    const after = await env.cli(['state', '--tenant', env.tenant, '--user', 'erin', '--by', 'uid', '--json']);
    t.like(JSON.parse(after.stdout).result, { details: { locked: false } });
    const check = await env.cli(['check-permissions', '--tenant', env.tenant, '--json']);
    t.is(check.code, 0, check.stderr);
    t.true(JSON.parse(check.stdout).result.details.checks.length >= 6);
    const missing = await env.cli(['state', '--tenant', env.tenant, '--user', 'nobody', '--by', 'uid']);
    t.is(missing.code, 1);
    t.regex(missing.stdout, /^USER_NOT_FOUND: /);
  });

  test.serial('usage errors exit 2 in one line; a password is never an argument', async (t) => {
    const noPassword = await env.cli(['reset', '--tenant', env.tenant, '--user', 'bob']);
    t.is(noPassword.code, 2);
    t.is(noPassword.stderr.trim().split('\n').length, 1);
    const asArgument = await env.cli(['reset', '--tenant', env.tenant, '--user', 'bob', 'Plain-Arg-2026!']);
    t.is(asArgument.code, 2);
    t.regex(asArgument.stderr, /never taken as an argument/);
    const noTenant = await env.cli(['state', '--tenant', 'nope', '--user', 'bob']);
    t.is(noTenant.code, 2);
    t.regex(noTenant.stderr, /tenant create/);
  });

  test.serial('agents list shows the agent connected with its capabilities', async (t) => {
    const list = await env.cli(['agents', 'list', '--tenant', env.tenant, '--json']);
    t.is(list.code, 0, list.stderr);
    const [agent] = JSON.parse(list.stdout);
    t.like(agent, { id: env.agentId, connected: true, name: 'e2e' });
    t.true((agent.capabilities as string[]).includes('resetPassword'));
  });

  test.serial('the admin API refuses a missing token and takes a reset with a generated password', async (t) => {
    const id = await env.submit({ op: 'getAccountState', target: { by: 'uid', value: 'alice' } });
    t.like(await env.waitResult(id), { state: 'done', result: { code: 'OK' } });
    const unauthorized = await apiRequest(`${env.nodes[0]!.url}/api/v1/tenants/${env.tenant}/commands/${id}`, { ca: readFileSync(env.pki.caFile) });
    t.is(unauthorized.status, 401);
    const health = await apiRequest(`${env.nodes[0]!.url}/api/v1/health`, { ca: readFileSync(env.pki.caFile) });
    t.like(health, { status: 200, body: { ok: true } });
    const agents = await apiRequest(`${env.nodes[0]!.url}/api/v1/tenants/${env.tenantId}/agents`, { token: env.adminToken, ca: readFileSync(env.pki.caFile) });
    t.like(agents.body.agents[0], { id: env.agentId, connected: true });
    const forged = await apiRequest(`${env.nodes[0]!.url}/api/v1/tenants/${env.tenant}/commands/${id}`, { token: 'wba_not-a-token-of-this-service', ca: readFileSync(env.pki.caFile) });
    t.is(forged.status, 401);
    const generated = await apiRequest(`${env.nodes[0]!.url}/api/v1/tenants/${env.tenant}/commands`, {
      method: 'POST',
      token: env.adminToken,
      ca: readFileSync(env.pki.caFile),
      body: { op: 'resetPassword', target: { by: 'uid', value: 'henry' }, params: { enforceMinimumAge: false }, generate: true },
    });
    t.is(generated.status, 202);
    passwordsUsed.push(generated.body.generatedPassword);
    t.like(await env.waitResult(generated.body.id), { result: { code: 'OK' } });
    t.true(await canBind(slapd.users.henry.dn, generated.body.generatedPassword));
  });

  test.serial('a node killed with commands queued, sent and acknowledged loses none after a restart', async (t) => {
    const port = Number(new URL(env.nodes[0]!.url).port);
    // Written to the database in one go (as the CLI does), faster than the agent answers: at the
    // kill some are done, some sent or acknowledged, some still queued.
    const store = await openStore();
    const submit = async (): Promise<string> =>
      (
        await submitCommand(store, {
          tenantId: env.tenantId,
          request: { op: 'getAccountState', target: { by: 'uid', value: 'alice' }, params: {} },
          submittedBy: 'test',
          defaultTtlMs: 300_000,
          now: new Date(),
        })
      ).id;
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) ids.push(await submit());
    const deadline = Date.now() + 30_000;
    while ((await store.db.selectFrom('results').select('command_id').where('command_id', 'in', ids).execute()).length < 10) {
      if (Date.now() > deadline) throw new Error('no results before the kill');
      await new Promise((r) => setTimeout(r, 10));
    }
    await env.nodes[0]!.process.stop('SIGKILL');
    const states = await store.db.selectFrom('commands').select(['state']).where('id', 'in', ids).execute();
    const count = (state: string): number => states.filter((s) => s.state === state).length;
    t.log(`at the kill: ${count('done')} done, ${count('sent') + count('acknowledged')} sent or acknowledged, ${count('queued')} queued`);
    t.true(count('done') < ids.length, 'the kill came before every command was done');
    // Queued while the node is down: written to the database by the code the CLI uses.
    const queuedWhileDown: string[] = [];
    for (let i = 0; i < 5; i++) queuedWhileDown.push(await submit());
    await store.close();
    await env.startNode(0, port);
    await env.agent!.waitFor(/session established[\s\S]*session established/, 30_000);
    for (const id of [...ids, ...queuedWhileDown]) t.like(await env.waitResult(id, 0, 60_000), { state: 'done', result: { code: 'OK' } }, id);
  });

  test.serial('SIGTERM drains the node: exit 0', async (t) => {
    t.is(await env.nodes[0]!.process.stop('SIGTERM'), 0);
    t.regex(env.nodes[0]!.process.output, /service node stopped/);
  });

  test.serial('no password used is in the database file, its tables, a log or any output', async (t) => {
    // The scan finds the agent id, which is meant to be there: it reads the database files.
    t.true(findSecrets([env.dir, ...(pg === null ? [] : [pg.dir])], [env.agentId]).length > 0);
    t.deepEqual(findSecrets([env.dir, ...(pg === null ? [] : [pg.dir])], passwordsUsed), []);
    const store = await openStore();
    const secrets = await store.db.selectFrom('command_secrets').selectAll().execute();
    const commands = await store.db.selectFrom('commands').select(['id', 'state']).execute();
    const tables = JSON.stringify(
      await Promise.all((['commands', 'command_secrets', 'results', 'agents', 'registration_tokens', 'admin_tokens'] as const).map((table) => store.db.selectFrom(table).selectAll().execute())),
    );
    await store.close();
    t.deepEqual(
      passwordsUsed.filter((p) => tables.includes(p)),
      [],
      'no table holds a password in plain',
    );
    t.deepEqual(secrets, [], 'every sealed copy is dropped once its result is stored');
    t.true(
      commands.every((c) => c.state === 'done'),
      JSON.stringify(commands.filter((c) => c.state !== 'done')),
    );
  });
}
