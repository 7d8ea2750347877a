import test from 'ava';
import type { PermissionCheck, PermissionReport } from '../../agent/directory/driver.js';
import { setup } from './helpers/driver-fixture.js';

function check(report: PermissionReport, name: string): PermissionCheck {
  const found = report.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check ${name} in ${JSON.stringify(report.checks.map((c) => c.name))}`);
  return found;
}

const SPEC_CHECKS = ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy'];

test('=wm: every required check is OK, the account is a password administrator, and no entry changed', async (t) => {
  const { slapd, driver } = await setup(t);
  const before = await slapd.read(slapd.users.alice.dn, ['entryCSN', 'userPassword', 'pwdChangedTime', 'pwdReset']);
  const report = await driver.checkPermissions({});
  t.log(report.checks.map((c) => `${c.status} ${c.name}: ${c.detail}`).join('\n'));
  t.is(report.directory, 'test-openldap');
  for (const name of SPEC_CHECKS) t.is(check(report, name).status, 'OK', name);
  t.is(check(report, 'passwordAdministrator').status, 'OK');
  t.regex(check(report, 'passwordAdministrator').detail, /history/);
  t.is(check(report, 'readPwdChangedTime').status, 'OK');
  t.regex(check(report, 'tls').detail, /verified/);
  t.deepEqual(await slapd.read(slapd.users.alice.dn, ['entryCSN', 'userPassword', 'pwdChangedTime', 'pwdReset']), before);
});

test('=w: resets allowed but not as password administrator (WARN with the =wm fix)', async (t) => {
  const { driver } = await setup(t, { rights: '=w' });
  const report = await driver.checkPermissions({});
  t.is(check(report, 'resetPassword').status, 'OK');
  const admin = check(report, 'passwordAdministrator');
  t.is(admin.status, 'WARN');
  t.regex(admin.detail, /PASSWORD_TOO_YOUNG/);
  t.regex(admin.fix ?? '', /=wm/);
});

test('none: resetPassword, writePwdLastSet and writeLockoutTime are MISSING with a fix to paste', async (t) => {
  const { driver, slapd } = await setup(t, { rights: 'none' });
  const report = await driver.checkPermissions({});
  for (const name of ['resetPassword', 'writePwdLastSet', 'writeLockoutTime']) {
    const c = check(report, name);
    t.is(c.status, 'MISSING', name);
    t.true(c.required);
    t.true(c.fix?.includes(`dn.exact="${slapd.layout.serviceDn}"`), name);
  }
  t.is(check(report, 'bind').status, 'OK');
  t.is(report.checks.some((c) => c.name === 'passwordAdministrator'), false);
});

test('about one user: a user outside the delegated OU shows the missing rights', async (t) => {
  const { driver, user } = await setup(t);
  const report = await driver.checkPermissions({ user: await user('carol') });
  t.is(check(report, 'resetPassword').status, 'MISSING');
  const inside = await driver.checkPermissions({ user: await user('bob') });
  t.is(check(inside, 'resetPassword').status, 'OK');
});

test('a wrong service password: bind is MISSING and nothing else is claimed', async (t) => {
  const { slapd } = await setup(t);
  const { OpenLdapDriver } = await import('../../agent/directory/openldap/openldap-driver.js');
  const { CaptureLogger } = await import('./helpers/capture-logger.js');
  const driver = new OpenLdapDriver(slapd.directoryConfig(), { bindPassword: 'Not-The-Bind-Password-1', logger: new CaptureLogger(), now: () => new Date() });
  t.teardown(() => driver.close());
  const report = await driver.checkPermissions({});
  t.is(check(report, 'bind').status, 'MISSING');
  t.is(report.checks.length, 1);
});

test('the policy check reports what it read', async (t) => {
  const { driver, slapd } = await setup(t);
  const c = check(await driver.checkPermissions({}), 'readPasswordPolicy');
  t.true(c.detail.includes(slapd.layout.defaultPolicyDn));
  t.regex(c.detail, /pwdMinAge 3600s/);
});
