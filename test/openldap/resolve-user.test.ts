import { ldapTest as test } from '../fixtures/slapd/select-fixture.js';
import { OpenLdapDriver } from '../../agent/directory/openldap/openldap-driver.js';
import { CaptureLogger } from './helpers/capture-logger.js';
import { rejectsWith, setup } from './helpers/driver-fixture.js';

test('resolves a user by uid, mail, dn (any case and spacing) and entryUUID to the same entry', async (t) => {
  const { slapd, driver } = await setup(t);
  const alice = slapd.users.alice;
  const byUid = await driver.resolveUser({ by: 'uid', value: 'alice' });
  t.is(byUid.dn, alice.dn);
  t.regex(byUid.uuid ?? '', /^[0-9a-f-]{36}$/);
  t.is((await driver.resolveUser({ by: 'mail', value: alice.mail })).dn, alice.dn);
  t.is((await driver.resolveUser({ by: 'dn', value: 'UID=alice, OU=People, DC=example, DC=org' })).dn, alice.dn);
  t.is((await driver.resolveUser({ by: 'entryUUID', value: byUid.uuid! })).dn, alice.dn);
  t.false(byUid.locked);
  t.false(byUid.disabled);
  t.false(byUid.mustChangePassword);
  t.is(byUid.protectedReason, null);
  t.true(byUid.passwordLastSet instanceof Date);
});

test('AD target kinds map to the nearest attribute; objectGUID is USER_NOT_FOUND with a reason', async (t) => {
  const { slapd, driver } = await setup(t);
  t.is((await driver.resolveUser({ by: 'sAMAccountName', value: 'bob' })).dn, slapd.users.bob.dn);
  t.is((await driver.resolveUser({ by: 'userPrincipalName', value: 'bob@example.org' })).dn, slapd.users.bob.dn);
  const error = await rejectsWith(t, driver.resolveUser({ by: 'objectGUID', value: '00000000-0000-0000-0000-000000000000' }), 'USER_NOT_FOUND');
  t.is(error.details.reason, 'TARGET_KIND_NOT_SUPPORTED');
});

test('two entries with the same mail are AMBIGUOUS_USER', async (t) => {
  const { driver } = await setup(t);
  await rejectsWith(t, driver.resolveUser({ by: 'mail', value: 'twin@example.org' }), 'AMBIGUOUS_USER');
});

test('hostile targets never widen the search: each is USER_NOT_FOUND', async (t) => {
  const { driver, slapd } = await setup(t);
  const hostile = ['*', '*)(uid=*', 'alice)(uid=*', 'a\\2a', 'ali*', '\0', 'alice\0', 'x'.repeat(5_000), slapd.users.alice.dn, '(|(uid=*))', 'a\uD800'];
  for (const value of hostile) {
    for (const by of ['uid', 'mail'] as const) {
      const error = await rejectsWith(t, driver.resolveUser({ by, value }), 'USER_NOT_FOUND');
      t.not(error.details.reason, undefined);
    }
  }
  await rejectsWith(t, driver.resolveUser({ by: 'entryUUID', value: '*' }), 'USER_NOT_FOUND');
  await rejectsWith(t, driver.resolveUser({ by: 'uid', value: '' }), 'USER_NOT_FOUND');
});

test('DN targets: outside baseDn, malformed, or absent are USER_NOT_FOUND', async (t) => {
  const { driver } = await setup(t);
  t.is((await rejectsWith(t, driver.resolveUser({ by: 'dn', value: 'uid=alice,ou=people,dc=other,dc=org' }), 'USER_NOT_FOUND')).details.reason, 'OUTSIDE_BASE_DN');
  t.is((await rejectsWith(t, driver.resolveUser({ by: 'dn', value: 'uid=alice,,dc=x' }), 'USER_NOT_FOUND')).details.reason, 'INVALID_DN');
  t.is((await rejectsWith(t, driver.resolveUser({ by: 'dn', value: 'uid=nobody,ou=people,dc=example,dc=org' }), 'USER_NOT_FOUND')).details.reason, 'NO_MATCH');
  t.is((await rejectsWith(t, driver.resolveUser({ by: 'dn', value: 'uid=*,ou=people,dc=example,dc=org' }), 'USER_NOT_FOUND')).details.reason, 'NO_MATCH');
});

test('protected accounts: direct member, nested member, uniqueMember', async (t) => {
  const { user, slapd } = await setup(t);
  t.regex((await user('rootops')).protectedReason ?? '', /cn=admins/);
  t.regex((await user('frank')).protectedReason ?? '', /nested/);
  t.regex((await user('grace')).protectedReason ?? '', /cn=helpdesk/);
  t.is((await user('bob')).protectedReason, null);
  t.truthy(slapd);
});

test("the agent's own service account is never a target: not a person here, and protected when it is", async (t) => {
  const { driver, slapd } = await setup(t);
  // The fixture's service account is an applicationProcess: only person entries resolve (issue 24).
  await rejectsWith(t, driver.resolveUser({ by: 'dn', value: slapd.layout.serviceDn.toUpperCase() }), 'USER_NOT_FOUND');
  // An agent bound as a person entry: that entry is protected.
  const asAlice = new OpenLdapDriver(slapd.directoryConfig({ bindDn: slapd.users.alice.dn }), { bindPassword: slapd.users.alice.password, logger: new CaptureLogger(), now: () => new Date() });
  t.teardown(() => asAlice.close());
  const alice = await asAlice.resolveUser({ by: 'dn', value: slapd.users.alice.dn.toUpperCase() });
  t.is(alice.protectedReason, "the agent's own service account");
});

test('a group cycle does not loop', async (t) => {
  const { user, slapd } = await setup(t);
  // nested-admins <-> loop, with bob in loop; neither is protected.
  await slapd.asAdmin(async (client) => {
    await client.add(`cn=loop,${slapd.layout.groupsDn}`, { objectClass: 'groupOfNames', cn: 'loop', member: [slapd.users.bob.dn, `cn=loop2,${slapd.layout.groupsDn}`] });
    await client.add(`cn=loop2,${slapd.layout.groupsDn}`, { objectClass: 'groupOfNames', cn: 'loop2', member: [`cn=loop,${slapd.layout.groupsDn}`] });
  });
  t.is((await user('bob')).protectedReason, null);
});

test('account flags: locked (erin), disabled by an administrator (olga), must change (dave)', async (t) => {
  const { user } = await setup(t);
  const erin = await user('erin');
  t.true(erin.locked);
  t.false(erin.disabled);
  const olga = await user('olga');
  t.true(olga.disabled);
  t.false(olga.locked);
  t.true((await user('dave')).mustChangePassword);
});
