import test from 'ava';
import { OpenLdapDriver } from '../../agent/directory/openldap/openldap-driver.js';
import { startSlapd } from '../fixtures/slapd.js';
import { CaptureLogger } from './helpers/capture-logger.js';

/**
 * What a reset costs slapd in requests, from slapd's own `-d stats` log. Issue 9's benchmark
 * found six per reset where raw LDAP needs two; the lookup, the protected-group search and the
 * Password Modify operation are what is left once the password-administrator probe is known for
 * the container (plus the pwdReset clean-up this fixture's pwdMustChange policy calls for).
 */
test('a reset costs four requests once the agent knows its rights in the container: lookup, protected groups, Password Modify, pwdReset', async (t) => {
  const slapd = await startSlapd({ logOperations: true });
  t.teardown(() => slapd.destroy());
  let offsetMs = 0;
  const config = slapd.directoryConfig();
  t.true(config.scope.protectedGroups.length > 0);
  const driver = new OpenLdapDriver(config, { bindPassword: slapd.layout.servicePassword, logger: new CaptureLogger(), now: () => new Date(Date.now() + offsetMs) });
  t.teardown(() => driver.close());
  const options = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };

  const alice = await driver.resolveUser({ by: 'uid', value: slapd.users.alice.uid });
  await driver.passwordPolicy(alice);
  const first = await driver.resetPassword(alice, 'Fresh#Start-2026a', options);
  t.is(first.details.historyEnforced, false, 'the fixture agent is a password administrator (=wm): slapd skips history for it');

  const mark = await slapd.loggedOperations();
  const bob = await driver.resolveUser({ by: 'uid', value: slapd.users.bob.uid });
  t.is(bob.protectedReason, null);
  await driver.passwordPolicy(bob);
  const second = await driver.resetPassword(bob, 'Fresh#Start-2026b', options);
  t.is(second.details.historyEnforced, false, 'the cached probe gives the same answer');
  const { counts } = await slapd.loggedOperations(mark.bytes);
  t.log(counts);
  // The fixture's policy has pwdMustChange: slapd sets pwdReset on an administrator's reset, and
  // the command did not ask for a forced change, so the agent deletes it (one more request).
  t.deepEqual(counts, { SRCH: 2, EXT: 1, MOD: 1 });

  // After policyCacheMs the probe runs again (ACLs can change), and a user object resolved long
  // ago is read again rather than trusted.
  offsetMs = config.policyCacheMs + 1;
  const later = await slapd.loggedOperations();
  await driver.resetPassword(bob, 'Fresh#Start-2026c', options);
  const { counts: again } = await slapd.loggedOperations(later.bytes);
  t.log(again);
  t.true((again.SRCH ?? 0) >= 1, 're-read of the account');
  t.is(again.MOD, 2, 'the No-Op probe of the password-administrator right, and pwdReset');
});
