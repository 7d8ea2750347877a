import test from 'ava';
import { SetupError } from '../../agent/errors.js';
import { OpenLdapDriver } from '../../agent/directory/openldap/openldap-driver.js';
import { CaptureLogger } from './helpers/capture-logger.js';
import { rejectsWith, setup } from './helpers/driver-fixture.js';

// Issue 24, item 2: OpenLDAP protected groups fail closed.

test('a protected group outside baseDn is read by its DN: its members are protected', async (t) => {
  // baseDn is the people OU; the groups live beside it, outside.
  const { slapd, driver } = await setup(t, {}, { baseDn: 'ou=people,dc=example,dc=org' });
  t.true(slapd.layout.adminsGroupDn.endsWith('ou=groups,dc=example,dc=org'));
  t.regex((await driver.resolveUser({ by: 'uid', value: 'rootops' })).protectedReason ?? '', /cn=admins/);
  t.regex((await driver.resolveUser({ by: 'uid', value: 'frank' })).protectedReason ?? '', /cn=admins/);
  t.regex((await driver.resolveUser({ by: 'uid', value: 'grace' })).protectedReason ?? '', /cn=helpdesk/);
  t.is((await driver.resolveUser({ by: 'uid', value: 'bob' })).protectedReason, null);
});

test('a posixGroup protects the uids in its memberUid', async (t) => {
  const { slapd } = await setup(t);
  const posixDn = 'cn=unix-admins,ou=groups,dc=example,dc=org';
  await slapd.asAdmin((client) => client.add(posixDn, { objectClass: ['posixGroup'], cn: 'unix-admins', gidNumber: '5000', memberUid: ['bob'] }));
  const logger = new CaptureLogger();
  const driver = new OpenLdapDriver(slapd.directoryConfig({ scope: { include: [slapd.layout.peopleDn], exclude: [], refuseProtectedAccounts: true, protectedGroups: [posixDn] } }), {
    bindPassword: slapd.layout.servicePassword,
    logger,
    now: () => new Date(),
  });
  t.teardown(() => driver.close());
  t.regex((await driver.resolveUser({ by: 'uid', value: 'bob' })).protectedReason ?? '', /unix-admins/);
  t.is((await driver.resolveUser({ by: 'uid', value: 'alice' })).protectedReason, null);
});

test('a configured group that cannot be read: every account counts as protected, and the agent refuses to start', async (t) => {
  const { slapd } = await setup(t);
  const missing = 'cn=no-such-group,ou=groups,dc=example,dc=org';
  const logger = new CaptureLogger();
  const driver = new OpenLdapDriver(
    slapd.directoryConfig({ scope: { include: [slapd.layout.peopleDn], exclude: [], refuseProtectedAccounts: true, protectedGroups: [slapd.layout.adminsGroupDn, missing] } }),
    { bindPassword: slapd.layout.servicePassword, logger, now: () => new Date() },
  );
  t.teardown(() => driver.close());
  t.regex((await driver.resolveUser({ by: 'uid', value: 'alice' })).protectedReason ?? '', /cn=no-such-group.*cannot be read/);
  const error = await t.throwsAsync(driver.startupCheck());
  t.true(error instanceof SetupError, String(error));
  t.regex(error?.message ?? '', /cn=no-such-group/);
});

test('no protected group configured: a warning at start', async (t) => {
  const { slapd } = await setup(t);
  const logger = new CaptureLogger();
  const driver = new OpenLdapDriver(slapd.directoryConfig({ scope: { include: [slapd.layout.peopleDn], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } }), {
    bindPassword: slapd.layout.servicePassword,
    logger,
    now: () => new Date(),
  });
  t.teardown(() => driver.close());
  await driver.startupCheck();
  t.true(
    logger.lines.some((line) => line.level === 'warn' && /no scope\.protectedGroups/.test(line.message)),
    logger.text(),
  );
});

test('only person entries resolve as users: not the suffix, a group, an OU or an application entry', async (t) => {
  const { slapd, driver } = await setup(t);
  await slapd.asAdmin((client) => client.add('uid=robot,ou=people,dc=example,dc=org', { objectClass: ['account', 'simpleSecurityObject'], uid: 'robot', userPassword: 'Robot#Pass1' }));
  for (const dn of ['dc=example,dc=org', slapd.layout.adminsGroupDn, slapd.layout.peopleDn, slapd.layout.defaultPolicyDn, 'uid=robot,ou=people,dc=example,dc=org']) {
    await rejectsWith(t, driver.resolveUser({ by: 'dn', value: dn }), 'USER_NOT_FOUND');
  }
  await rejectsWith(t, driver.resolveUser({ by: 'uid', value: 'robot' }), 'USER_NOT_FOUND');
  t.is((await driver.resolveUser({ by: 'uid', value: 'alice' })).dn, slapd.users.alice.dn);
});
