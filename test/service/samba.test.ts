import test from 'ava';
import { PostgresFixture } from '../fixtures/postgres.js';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';

// The Samba run: a real Samba AD DC, an agent process, and `writeback-service` on its embedded SQLite
// database and, beside it, a second service on PostgreSQL with an agent of its own against the same DC
// (one DC for both: provisioning is the slow part). Each database resets its own user, so neither
// run depends on the other's password history. The CLI names users by sAMAccountName without --by
// because the agent reports an Active Directory directory (feature `directories`, docs/service.md
// "Whom --by names").

const DATABASES = {
  sqlite: { user: 'alice', name: 'Alice' },
  postgres: { user: 'carol', name: 'Carol' },
} as const;
type Database = keyof typeof DATABASES;

let dc: SambaDc;
let pg: PostgresFixture | null = null;
const envs = new Map<Database, ServiceEnvironment>();
const passwordsUsed: string[] = [];

async function startEnvironment(database: Database): Promise<ServiceEnvironment> {
  if (database === 'postgres') pg = await PostgresFixture.start();
  const env = await ServiceEnvironment.create({
    ...(pg === null ? {} : { dbUrl: await pg.createDatabase('writeback') }),
    directories: [
      {
        id: 'corp',
        kind: 'activeDirectory',
        urls: [dc.ldapsUrl],
        baseDn: dc.baseDn,
        bindDn: dc.svcDn,
        bindPassword: dc.svcPassword,
        caFile: dc.caFile,
        include: [dc.managedOu],
        protectedGroups: [dc.helpdeskAdminsDn],
        extra: { passwordMethod: 'replace', timeoutMs: 5_000 },
      },
    ],
  });
  envs.set(database, env);
  const node = await env.startNode(0);
  await env.writeAgentConfig(node.url);
  await env.register();
  await env.startAgent();
  return env;
}

test.before(async () => {
  dc = await startSambaDc();
  passwordsUsed.push(dc.adminPassword, dc.svcPassword, ...Object.values(dc.users).map((user) => user.password));
  await startEnvironment('sqlite');
  await startEnvironment('postgres');
});

test.after.always(async () => {
  for (const env of envs.values()) await env.close();
  await pg?.destroy();
  await dc?.destroy();
});

for (const [database, { user, name }] of Object.entries(DATABASES) as [Database, (typeof DATABASES)[Database]][]) {
  const env = (): ServiceEnvironment => envs.get(database)!;

  test.serial(`${database}: reset through the real service on Samba AD: a policy refusal exits 1; then exit 0, and the new password binds`, async (t) => {
    const refused = await env().cli(['reset', '--tenant', env().tenant, '--user', user, '--password-stdin'], { stdin: `Samba-${name}-2026!\n` });
    passwordsUsed.push(`Samba-${name}-2026!`);
    t.is(refused.code, 1, 'a result other than OK exits 1');
    t.regex(refused.stdout, /^PASSWORD_POLICY: .*account name/);
    const password = `Samba-Reset-${database}-2026!`;
    passwordsUsed.push(password);
    const run = await env().cli(['reset', '--tenant', env().tenant, '--user', user, '--password-stdin'], { stdin: `${password}\n` });
    t.is(run.code, 0, run.stdout + run.stderr);
    t.regex(run.stdout, /^OK: /);
    t.is(await dc.tryBind(dc.users[user].dn, password), null);
  });

  test.serial(`${database}: state and check-permissions on Samba AD through the CLI`, async (t) => {
    const state = await env().cli(['state', '--tenant', env().tenant, '--user', user, '--json']);
    t.is(state.code, 0, state.stderr);
    t.like(JSON.parse(state.stdout).result, { code: 'OK', details: { exists: true, dn: dc.users[user].dn } });
    const check = await env().cli(['check-permissions', '--tenant', env().tenant, '--json']);
    t.not(check.code, 2, check.stderr);
    t.true(JSON.parse(check.stdout).result.details.checks.length >= 6);
  });
}

test.serial('no password used is in either service database (the SQLite file, the PostgreSQL cluster), a log or any output', (t) => {
  const places = [...[...envs.values()].map((env) => env.dir), ...(pg === null ? [] : [pg.dir])];
  // The scan reads both databases: each agent's id is stored in its service's.
  for (const env of envs.values()) t.true(findSecrets(places, [env.agentId]).length > 0, `agent ${env.agentId} not found`);
  t.deepEqual(findSecrets(places, passwordsUsed), []);
});
