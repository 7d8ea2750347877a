import test from 'ava';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { ServiceEnvironment } from '../helpers/service-environment.js';

// The Samba run: a real Samba AD DC, the agent process, and `writeback-service` on SQLite. The
// CLI names users by sAMAccountName without --by because the agent reports an Active Directory
// directory (feature `directories`, docs/service.md "Whom --by names").

let dc: SambaDc;
let env: ServiceEnvironment;
const passwordsUsed: string[] = [];

test.before(async () => {
  dc = await startSambaDc();
  passwordsUsed.push(dc.adminPassword, dc.svcPassword, dc.users.alice.password);
  env = await ServiceEnvironment.create({
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
  const node = await env.startNode(0);
  await env.writeAgentConfig(node.url);
  await env.register();
  await env.startAgent();
});

test.after.always(async () => {
  await env?.close();
  await dc?.destroy();
});

test.serial('reset through the real service on Samba AD: a policy refusal exits 1; then exit 0, and the new password binds', async (t) => {
  const refused = await env.cli(['reset', '--tenant', env.tenant, '--user', 'alice', '--password-stdin'], { stdin: 'Samba-Alice-2026!\n' });
  passwordsUsed.push('Samba-Alice-2026!');
  t.is(refused.code, 1, 'a result other than OK exits 1');
  t.regex(refused.stdout, /^PASSWORD_POLICY: .*account name/);
  const password = 'Samba-Reset-2026!';
  passwordsUsed.push(password);
  const run = await env.cli(['reset', '--tenant', env.tenant, '--user', 'alice', '--password-stdin'], { stdin: `${password}\n` });
  t.is(run.code, 0, run.stdout + run.stderr);
  t.regex(run.stdout, /^OK: /);
  t.is(await dc.tryBind(dc.users.alice.dn, password), null);
});

test.serial('state and check-permissions on Samba AD through the CLI', async (t) => {
  const state = await env.cli(['state', '--tenant', env.tenant, '--user', 'alice', '--json']);
  t.is(state.code, 0, state.stderr);
  t.like(JSON.parse(state.stdout).result, { code: 'OK', details: { exists: true, dn: dc.users.alice.dn } });
  const check = await env.cli(['check-permissions', '--tenant', env.tenant, '--json']);
  t.not(check.code, 2, check.stderr);
  t.true(JSON.parse(check.stdout).result.details.checks.length >= 6);
});

test.serial('no password used is in the service database, a log or any output', (t) => {
  t.deepEqual(findSecrets([env.dir], passwordsUsed), []);
});
