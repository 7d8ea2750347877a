import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import type { LdapServerFixture, SlapdOptions } from '../fixtures/slapd/ldap-server-fixture.js';
import { freePort } from '../fixtures/slapd/free-port.js';
import { ldapTest, startLdapServer } from '../fixtures/slapd/select-fixture.js';
import { runCli, type CliResult } from '../helpers/agent-process.js';
import { startSim } from '../directory-sim/helpers/with-sim.js';

// `writeback-agent check-permissions` as an admin runs it: a real process, a config file, real servers.

interface DirectoryEntry {
  id: string;
  kind: 'activeDirectory' | 'openldap';
  urls: string[];
  baseDn: string;
  bindDn: string;
  caFile: string;
  include: string[];
}

const BIND_ENV = 'WBA_CHECK_BIND';

async function writeConfig(t: ExecutionContext, directory: DirectoryEntry): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wba-check-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'agent.json');
  await writeFile(
    file,
    JSON.stringify(
      {
        service: { url: 'wss://127.0.0.1:9/agent/v1' },
        stateDir: join(dir, 'state'),
        secretStore: 'file',
        directories: [
          {
            id: directory.id,
            kind: directory.kind,
            urls: directory.urls,
            baseDn: directory.baseDn,
            bindDn: directory.bindDn,
            bindPassword: { env: BIND_ENV },
            tls: { caFile: directory.caFile, startTls: false },
            scope: { include: directory.include, exclude: [], refuseProtectedAccounts: true, protectedGroups: [] },
            timeoutMs: 3_000,
          },
        ],
        logging: { level: 'error', dir: join(dir, 'logs') },
      },
      null,
      2,
    ),
  );
  return file;
}

async function slapdConfig(t: ExecutionContext, options: SlapdOptions = {}): Promise<{ slapd: LdapServerFixture; config: string }> {
  const slapd = await startLdapServer(t, options);
  t.teardown(() => slapd.destroy());
  const config = await writeConfig(t, {
    id: 'ldap',
    kind: 'openldap',
    urls: [slapd.ldapsUrl],
    baseDn: slapd.suffix,
    bindDn: slapd.layout.serviceDn,
    caFile: slapd.caFile,
    include: [slapd.layout.peopleDn],
  });
  return { slapd, config };
}

function checkPermissions(config: string, password: string, ...args: string[]): Promise<CliResult> {
  return runCli(['check-permissions', '--config', config, ...args], { env: { [BIND_ENV]: password } });
}

const STATUS_LINE = /^(OK|MISSING|WARN)\s+\w+: /;

ldapTest('OpenLDAP with =wm: one line per check, exit 0', async (t) => {
  const { slapd, config } = await slapdConfig(t);
  const result = await checkPermissions(config, slapd.layout.servicePassword);
  t.is(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  t.is(lines[0], 'directory ldap');
  for (const name of ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy', 'passwordAdministrator']) {
    t.true(
      lines.some((line) => STATUS_LINE.test(line) && line.includes(` ${name}: `)),
      name,
    );
  }
  t.true(lines.some((line) => line.startsWith('OK      resetPassword: ')));
  t.regex(result.stdout, /^all required checks pass/m);
  t.false(result.stdout.includes(slapd.layout.servicePassword));
});

ldapTest('OpenLDAP without rights: MISSING lines with their olcAccess fix, exit 1; --json gives SPEC.md details', async (t) => {
  const { slapd, config } = await slapdConfig(t, { rights: 'none' });
  const text = await checkPermissions(config, slapd.layout.servicePassword);
  t.is(text.code, 1, text.stderr);
  t.regex(text.stdout, /^MISSING resetPassword: /m);
  t.regex(text.stdout, /^\s+olcAccess: \{0\}to dn\.subtree="ou=people,dc=example,dc=org" attrs=userPassword by dn\.exact="cn=svc-writeback,dc=example,dc=org" =wm by \* break$/m);
  t.regex(text.stdout, /^required checks missing: resetPassword, writePwdLastSet, writeLockoutTime$/m);

  const json = await checkPermissions(config, slapd.layout.servicePassword, '--json');
  t.is(json.code, 1);
  const details = JSON.parse(json.stdout) as { directory: string; checks: { name: string; ok: boolean; detail: string; status: string; fix?: string }[] };
  t.is(details.directory, 'ldap');
  for (const name of ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy']) {
    const c = details.checks.find((check) => check.name === name);
    t.truthy(c, name);
    t.is(typeof c?.detail, 'string');
  }
  t.false(details.checks.find((c) => c.name === 'resetPassword')!.ok);
  t.true(details.checks.find((c) => c.name === 'bind')!.ok);
});

ldapTest('--user: a user outside scope exits 1 saying the agent refuses it anyway (no wider ACL); one inside exits 0; an unknown user exits 2', async (t) => {
  const { slapd, config } = await slapdConfig(t);
  const outside = await checkPermissions(config, slapd.layout.servicePassword, '--user', slapd.users.carol.uid, '--json');
  t.is(outside.code, 1, outside.stderr);
  const checks = (JSON.parse(outside.stdout) as { checks: { name: string; ok: boolean; detail: string; fix?: string }[] }).checks;
  const scope = checks.find((c) => c.name === 'userInScope')!;
  t.false(scope.ok);
  t.regex(scope.detail, /outside every subtree in scope\.include, so the agent refuses every command for this user/);
  t.true(checks.find((c) => c.name === 'resetPassword')!.ok, "the account's rights in scope are checked, not the out-of-scope user's");
  const text = await checkPermissions(config, slapd.layout.servicePassword, '--user', slapd.users.carol.uid);
  t.false(text.stdout.includes('olcAccess'), 'no ACL is proposed for a user the agent refuses');
  t.false(/\bDC\b/.test(text.stdout), 'OpenLDAP wording has no DC');
  const inside = await checkPermissions(config, slapd.layout.servicePassword, '--user', slapd.users.bob.dn);
  t.is(inside.code, 0, inside.stdout);
  const unknown = await checkPermissions(config, slapd.layout.servicePassword, '--user', 'nobody-here');
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /^writeback-agent check-permissions: directory ldap: no (such )?user/);
});

ldapTest('a wrong bind password exits 2 and names the bind; the password is not printed', async (t) => {
  const { config } = await slapdConfig(t);
  const result = await checkPermissions(config, 'Wrong-Bind-Password-7');
  t.is(result.code, 2);
  t.regex(result.stdout, /^MISSING bind: /m);
  t.false(`${result.stdout}${result.stderr}`.includes('Wrong-Bind-Password-7'));
});

ldapTest('an unreachable URL exits 2', async (t) => {
  const { slapd } = await slapdConfig(t);
  const config = await writeConfig(t, {
    id: 'ldap',
    kind: 'openldap',
    // Nothing listens there: freePort() draws from outside the range other tests' listen(0) can take.
    urls: [`ldaps://127.0.0.1:${await freePort()}`],
    baseDn: slapd.suffix,
    bindDn: slapd.layout.serviceDn,
    caFile: slapd.caFile,
    include: [slapd.layout.peopleDn],
  });
  const result = await checkPermissions(config, slapd.layout.servicePassword, '--json');
  t.is(result.code, 2, result.stderr);
  const details = JSON.parse(result.stdout) as { checks: { name: string; ok: boolean }[] };
  t.deepEqual(
    details.checks.map((c) => [c.name, c.ok]),
    [['bind', false]],
  );
});

test('Active Directory (directory-sim, Windows): exit 0, and a scope outside the delegation exits 1 with dsacls fixes', async (t) => {
  const sim = await startSim({ mode: 'windows', defaultSeed: { grantUnexpirePassword: true } });
  t.teardown(() => sim.stop());
  const base = { id: 'corp', kind: 'activeDirectory' as const, urls: [sim.ldapsUrl!], baseDn: sim.baseDn, bindDn: `${SeededAccount.svcWriteback.rdn},${sim.baseDn}`, caFile: sim.caFile! };
  const good = await checkPermissions(await writeConfig(t, { ...base, include: [`OU=Staff,${sim.baseDn}`] }), SeededAccount.svcWriteback.password);
  t.is(good.code, 0, good.stdout + good.stderr);
  t.regex(good.stdout, /^OK {6}resetPassword: Reset Password: users in OU=Staff,DC=sim,DC=test: granted/m);
  t.regex(good.stdout, /^WARN {4}usersThatWillFail: .*CN=Pat Admin/m);
  const outside = await checkPermissions(await writeConfig(t, { ...base, include: [`OU=Contractors,${sim.baseDn}`] }), SeededAccount.svcWriteback.password);
  t.is(outside.code, 1);
  t.regex(outside.stdout, /^\s+fix: dsacls "OU=Contractors,DC=sim,DC=test" \/I:S \/G "svc-writeback@sim\.test:CA;Reset Password;user"$/m);
  const alice = await checkPermissions(await writeConfig(t, { ...base, include: [`OU=Staff,${sim.baseDn}`] }), SeededAccount.svcWriteback.password, '--user', 'alice', '--json');
  t.is(alice.code, 0, alice.stdout);
  t.true((JSON.parse(alice.stdout) as { checks: { name: string }[] }).checks.some((c) => c.name === 'targetUser'));
});
