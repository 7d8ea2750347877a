import { ldapTest as test } from '../fixtures/slapd/select-fixture.js';
import { freePort } from '../fixtures/slapd/free-port.js';
import { canBind, rejectsWith, setup } from './helpers/driver-fixture.js';

const opts = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };

test('slapd stopped mid-run: DIRECTORY_UNAVAILABLE for reads and writes, then recovery after restart', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const alice = await user('alice');
  await slapd.stop();
  await rejectsWith(t, driver.resolveUser({ by: 'uid', value: 'alice' }), 'DIRECTORY_UNAVAILABLE');
  await rejectsWith(t, driver.resetPassword(alice, 'While-Down-42', opts), 'DIRECTORY_UNAVAILABLE');
  await rejectsWith(t, driver.getAccountState(alice), 'DIRECTORY_UNAVAILABLE');
  await slapd.start();
  t.is((await driver.resolveUser({ by: 'uid', value: 'alice' })).dn, alice.dn);
  await driver.resetPassword(alice, 'After-Restart-42', opts);
  t.true(await canBind(slapd, alice.dn, 'After-Restart-42'));
});

test('a second URL takes over when the first is dead', async (t) => {
  const dead = `ldaps://127.0.0.1:${await freePort()}`;
  const { slapd, driver, logger } = await setup(t, {}, {});
  const config = slapd.directoryConfig({ urls: [dead, slapd.ldapsUrl] });
  const { OpenLdapDriver } = await import('../../agent/directory/openldap/openldap-driver.js');
  const failover = new OpenLdapDriver(config, { bindPassword: slapd.layout.servicePassword, logger, now: () => new Date() });
  t.teardown(() => failover.close());
  const bob = await failover.resolveUser({ by: 'uid', value: 'bob' });
  await failover.resetPassword(bob, 'Via-Second-URL-42', opts);
  t.true(await canBind(slapd, bob.dn, 'Via-Second-URL-42'));
  t.true(logger.lines.some((l) => l.message.includes('failover') && l.meta?.url === slapd.ldapsUrl));
  t.truthy(driver);
});

test('passwordAlreadyApplied: true for the applied password, false for another, false when set before `since`', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const bob = await user('bob');
  const since = new Date();
  await driver.resetPassword(bob, 'Applied-Once-42', opts);
  t.true(await driver.passwordAlreadyApplied(bob, 'Applied-Once-42', since));
  t.false(await driver.passwordAlreadyApplied(bob, 'Never-Applied-42', since));
  t.false(await driver.passwordAlreadyApplied(bob, 'Applied-Once-42', new Date(Date.now() + 5_000)));
  // Set before `since` (backdated): not this command's doing.
  await slapd.backdatePasswordChange(bob.dn);
  t.false(await driver.passwordAlreadyApplied(bob, 'Applied-Once-42', since));
});

test('passwordAlreadyApplied: a forced-change reset (bind answers changeAfterReset) counts as applied', async (t) => {
  const { driver, user } = await setup(t);
  const alice = await user('alice');
  const since = new Date();
  await driver.resetPassword(alice, 'Must-Change-42', { ...opts, forceChangeAtNextLogon: true });
  t.true(await driver.passwordAlreadyApplied(alice, 'Must-Change-42', since));
});
