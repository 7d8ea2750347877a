import { ldapTest as test } from '../fixtures/slapd/select-fixture.js';
import type { PermissionCheck, PermissionReport } from '../../agent/directory/driver.js';
import { SUFFIX } from '../fixtures/slapd/ldap-server-fixture.js';
import { setup } from './helpers/driver-fixture.js';

function check(report: PermissionReport, name: string): PermissionCheck {
  const found = report.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check ${name} in ${JSON.stringify(report.checks.map((c) => c.name))}`);
  return found;
}

const SPEC_CHECKS = ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy'];

/** The olcAccess line inside a fix (the fix also holds the ldapsearch/ldapmodify around it). */
function olcAccess(fix: string | undefined): string {
  const line = (fix ?? '').split('\n').find((l) => l.startsWith('olcAccess: '));
  if (line === undefined) throw new Error(`no olcAccess line in ${fix}`);
  return line;
}

test('=wm: every required check is OK, the account is a password administrator, and no entry changed', async (t) => {
  const { slapd, driver } = await setup(t);
  const users = [slapd.users.alice.dn, slapd.users.bob.dn];
  const attrs = ['entryCSN', 'userPassword', 'pwdChangedTime', 'pwdReset', 'pwdAccountLockedTime'];
  const before = await Promise.all(users.map((dn) => slapd.read(dn, attrs)));
  const report = await driver.checkPermissions({});
  t.log(report.checks.map((c) => `${c.status} ${c.name}: ${c.detail}`).join('\n'));
  t.is(report.directory, 'test-openldap');
  for (const name of SPEC_CHECKS.filter((n) => n !== 'tls')) t.is(check(report, name).status, 'OK', name);
  t.is(check(report, 'passwordAdministrator').status, 'OK');
  t.regex(check(report, 'passwordAdministrator').detail, /history/);
  t.is(check(report, 'readPwdChangedTime').status, 'OK');
  // The fixture's certificate lives two days: verified, and a WARN for its days to expiry.
  t.is(check(report, 'tls').status, 'WARN');
  t.regex(check(report, 'tls').detail, /verified, expires \d{4}-\d\d-\d\d \([01] days?\)/);
  t.regex(check(report, 'resetPassword').detail, /No-Op probe answered allowed on \d+ users?, nothing changed/);
  t.deepEqual(await Promise.all(users.map((dn) => slapd.read(dn, attrs))), before);
});

test('=w: resets allowed but not as password administrator (WARN with the exact =wm olcAccess line)', async (t) => {
  const { driver, slapd } = await setup(t, { rights: '=w' });
  const report = await driver.checkPermissions({});
  t.is(check(report, 'resetPassword').status, 'OK');
  const admin = check(report, 'passwordAdministrator');
  t.is(admin.status, 'WARN');
  t.false(admin.required);
  t.regex(admin.detail, /PASSWORD_TOO_YOUNG/);
  t.is(olcAccess(admin.fix), `olcAccess: {0}to dn.subtree="${slapd.layout.peopleDn}" attrs=userPassword by dn.exact="${slapd.layout.serviceDn}" =wm by * break`);
});

test('none: resetPassword, writePwdLastSet and writeLockoutTime are MISSING with the olcAccess lines to add', async (t) => {
  const { driver, slapd } = await setup(t, { rights: 'none' });
  const report = await driver.checkPermissions({});
  t.log(report.checks.map((c) => `${c.status} ${c.name}: ${c.detail}\n${c.fix ?? ''}`).join('\n'));
  const svc = `by dn.exact="${slapd.layout.serviceDn}"`;
  const expected = {
    resetPassword: `olcAccess: {0}to dn.subtree="${slapd.layout.peopleDn}" attrs=userPassword ${svc} =wm by * break`,
    writePwdLastSet: `olcAccess: {0}to dn.subtree="${slapd.layout.peopleDn}" attrs=pwdReset,pwdAccountLockedTime ${svc} write by * break`,
    writeLockoutTime: `olcAccess: {0}to dn.subtree="${slapd.layout.peopleDn}" attrs=pwdReset,pwdAccountLockedTime ${svc} write by * break`,
  };
  for (const [name, line] of Object.entries(expected)) {
    const c = check(report, name);
    t.is(c.status, 'MISSING', name);
    t.true(c.required);
    t.is(olcAccess(c.fix), line, name);
    // The database is found by its suffix, from the rootDSE's namingContexts.
    t.true(c.fix!.startsWith(`DB=$(ldapsearch -Q -LLL -Y EXTERNAL -H ldapi:/// -b cn=config '(olcSuffix=${SUFFIX})' dn`), name);
  }
  t.is(check(report, 'bind').status, 'OK');
  t.is(check(report, 'readPasswordPolicy').status, 'OK');
  t.is(
    report.checks.some((c) => c.name === 'passwordAdministrator'),
    false,
  );
});

test('about one user: a user outside the delegated OU shows the missing rights', async (t) => {
  const { driver, user, slapd } = await setup(t);
  const report = await driver.checkPermissions({ user: await user('carol') });
  t.is(check(report, 'resetPassword').status, 'MISSING');
  t.regex(check(report, 'resetPassword').detail, /on the 1 probed user/);
  // Outside every included subtree: the fix names the user's own parent.
  t.is(olcAccess(check(report, 'resetPassword').fix), `olcAccess: {0}to dn.subtree="${slapd.layout.staffDn}" attrs=userPassword by dn.exact="${slapd.layout.serviceDn}" =wm by * break`);
  const inside = await driver.checkPermissions({ user: await user('bob') });
  t.is(check(inside, 'resetPassword').status, 'OK');
});

test('a wrong service password: bind is MISSING and nothing else is claimed', async (t) => {
  const { slapd } = await setup(t);
  const { OpenLdapDriver } = await import('../../agent/directory/openldap/openldap-driver.js');
  const { CaptureLogger } = await import('./helpers/capture-logger.js');
  const logger = new CaptureLogger();
  const driver = new OpenLdapDriver(slapd.directoryConfig(), { bindPassword: 'Not-The-Bind-Password-1', logger, now: () => new Date() });
  t.teardown(() => driver.close());
  const report = await driver.checkPermissions({});
  t.is(check(report, 'bind').status, 'MISSING');
  t.is(report.checks.length, 1);
  t.false(JSON.stringify(report).includes('Not-The-Bind-Password-1'));
  t.false(logger.text().includes('Not-The-Bind-Password-1'));
});

test('the policy check reports what it read', async (t) => {
  const { driver, slapd } = await setup(t);
  const c = check(await driver.checkPermissions({}), 'readPasswordPolicy');
  t.true(c.detail.includes(slapd.layout.defaultPolicyDn));
  t.regex(c.detail, /pwdMinAge 3600s/);
});

test('=wm with a policy that has no quality check: the manage probe says it cannot tell, not OK', async (t) => {
  const { driver } = await setup(t, { policy: { checkQuality: 0 } });
  const admin = check(await driver.checkPermissions({}), 'passwordAdministrator');
  t.is(admin.status, 'WARN');
  t.regex(admin.detail, /cannot tell manage from write/);
});
