import { ldapTest as test } from '../fixtures/slapd/select-fixture.js';
import { canBind, rejectsWith, setup } from './helpers/driver-fixture.js';

test('a user changes their own password with the old one (Password Modify as the user)', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const bob = await user('bob');
  const outcome = await driver.changePassword(bob, slapd.users.bob.password, 'Bob-Own-Change-42');
  t.is(outcome.dn, bob.dn);
  t.true(await canBind(slapd, bob.dn, 'Bob-Own-Change-42'));
  t.false((await driver.getAccountState(bob)).mustChangePassword);
});

test('passwordMethod replace: the change is a delete of the old value and an add of the new, as the user', async (t) => {
  const { slapd, driver, user } = await setup(t, {}, { passwordMethod: 'replace' });
  const bob = await user('bob');
  await driver.changePassword(bob, slapd.users.bob.password, 'Bob-Replace-42');
  t.true(await canBind(slapd, bob.dn, 'Bob-Replace-42'));
  await rejectsWith(t, driver.changePassword(bob, 'Not-The-Old-One-1', 'Bob-Replace-43'), 'WRONG_PASSWORD');
});

test('a wrong old password is WRONG_PASSWORD and nothing changes', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const bob = await user('bob');
  await rejectsWith(t, driver.changePassword(bob, 'Not-The-Old-One-1', 'Bob-New-Pass-42'), 'WRONG_PASSWORD');
  t.true(await canBind(slapd, bob.dn, slapd.users.bob.password));
});

test('a change inside pwdMinAge is PASSWORD_TOO_YOUNG with allowedAt', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const ivan = await user('ivan');
  const error = await rejectsWith(t, driver.changePassword(ivan, slapd.users.ivan.password, 'Ivan-Too-Soon-42'), 'PASSWORD_TOO_YOUNG');
  t.is(new Date(String(error.details.allowedAt)).getTime(), ivan.passwordLastSet!.getTime() + 3_600_000);
});

test('the current password again is HISTORY; too short is TOO_SHORT', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const bob = await user('bob');
  t.is((await rejectsWith(t, driver.changePassword(bob, slapd.users.bob.password, slapd.users.bob.password), 'PASSWORD_POLICY')).details.reason, 'HISTORY');
  t.is((await rejectsWith(t, driver.changePassword(bob, slapd.users.bob.password, 'abc'), 'PASSWORD_POLICY')).details.reason, 'TOO_SHORT');
});

test('an earlier password from pwdHistory is HISTORY (server-side check)', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const bob = await user('bob');
  await driver.changePassword(bob, slapd.users.bob.password, 'Bob-Second-42');
  await slapd.backdatePasswordChange(bob.dn);
  const error = await rejectsWith(t, driver.changePassword(bob, 'Bob-Second-42', slapd.users.bob.password), 'PASSWORD_POLICY');
  t.is(error.details.reason, 'HISTORY');
  t.is(error.details.ppolicyError, 8);
});

test('a locked user cannot change: ACCOUNT_DISABLED (LOCKED)', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const erin = await user('erin');
  const error = await rejectsWith(t, driver.changePassword(erin, slapd.users.erin.password, 'Erin-Change-42'), 'ACCOUNT_DISABLED');
  t.is(error.details.reason, 'LOCKED');
});

test('a must-change user (pwdReset) can change, the minimum age does not apply, and the flag goes away', async (t) => {
  const { slapd, driver, user } = await setup(t, { pwdChanged: 'now' });
  const dave = await user('dave');
  t.true(dave.mustChangePassword);
  t.is((await driver.getAccountState(dave)).passwordChangeAllowedAt, null);
  await driver.changePassword(dave, slapd.users.dave.password, 'Dave-Changed-42');
  t.false((await driver.getAccountState(dave)).mustChangePassword);
  t.true(await canBind(slapd, dave.dn, 'Dave-Changed-42'));
});
