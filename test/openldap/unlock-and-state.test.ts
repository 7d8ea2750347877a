import { ldapTest as test } from '../fixtures/slapd/select-fixture.js';
import { canBind, rejectsWith, setup } from './helpers/driver-fixture.js';

test('locked by failed binds, then unlocked: the right password binds again; unlocking again is harmless', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const alice = slapd.users.alice;
  for (let i = 0; i < 3; i += 1) t.false(await canBind(slapd, alice.dn, `Wrong-Guess-${i}`));
  const locked = await user('alice');
  t.true(locked.locked);
  t.true((await driver.getAccountState(locked)).locked);
  t.false(await canBind(slapd, alice.dn, alice.password), 'locked: even the right password fails');

  const outcome = await driver.unlockAccount(locked);
  t.is(outcome.details.wasLocked, true);
  t.false((await driver.getAccountState(locked)).locked);
  t.true(await canBind(slapd, alice.dn, alice.password));

  const again = await driver.unlockAccount(locked);
  t.is(again.details.wasLocked, false);
  t.deepEqual((await slapd.read(alice.dn, ['pwdAccountLockedTime'])).pwdAccountLockedTime ?? [], []);
});

test('an administrator lock (000001010000Z) is not cleared: ACCOUNT_DISABLED', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const olga = await user('olga');
  t.is((await rejectsWith(t, driver.unlockAccount(olga), 'ACCOUNT_DISABLED')).details.reason, 'ADMIN_LOCKED');
  t.deepEqual((await slapd.read(olga.dn, ['pwdAccountLockedTime'])).pwdAccountLockedTime, ['000001010000Z']);
  const state = await driver.getAccountState(olga);
  t.true(state.disabled);
});

test('unlock without rights is PERMISSION_DENIED with details.missing', async (t) => {
  const { driver, user } = await setup(t, { rights: 'none' });
  const error = await rejectsWith(t, driver.unlockAccount(await user('erin')), 'PERMISSION_DENIED');
  t.regex(String(error.details.missing), /pwdAccountLockedTime/);
});

test('unlock outside the delegated OU is PERMISSION_DENIED', async (t) => {
  const { driver, slapd, user } = await setup(t);
  await slapd.setAttributes(slapd.users.carol.dn, { pwdAccountLockedTime: ['20260101000000Z'] });
  await rejectsWith(t, driver.unlockAccount(await user('carol')), 'PERMISSION_DENIED');
});

test('getAccountState: passwordChangeAllowedAt is pwdChangedTime + pwdMinAge; an absent entry does not exist', async (t) => {
  const { driver, user } = await setup(t);
  const ivan = await user('ivan');
  const state = await driver.getAccountState(ivan);
  t.true(state.exists);
  t.is(state.dn, ivan.dn);
  t.false(state.locked);
  t.false(state.disabled);
  t.false(state.mustChangePassword);
  t.is(state.passwordChangeAllowedAt!.getTime(), state.passwordLastSet!.getTime() + 3_600_000);
  t.true(Math.abs(state.passwordLastSet!.getTime() - Date.now()) < 60_000);

  const old = await driver.getAccountState(await user('bob'));
  t.is(old.passwordLastSet?.toISOString(), '2020-01-01T00:00:00.000Z');
  t.is(old.passwordChangeAllowedAt?.toISOString(), '2020-01-01T01:00:00.000Z');

  const gone = await driver.getAccountState({ ...ivan, dn: 'uid=nobody,ou=people,dc=example,dc=org' });
  t.false(gone.exists);
});

test('a lockout with a duration ends by itself in the account state', async (t) => {
  const { driver, slapd, user } = await setup(t, { policy: { lockoutDurationSeconds: 60 } });
  await slapd.setAttributes(slapd.users.bob.dn, { pwdAccountLockedTime: ['20200101000000Z'] });
  t.false((await driver.getAccountState(await user('bob'))).locked);
  await slapd.setAttributes(slapd.users.bob.dn, {
    pwdAccountLockedTime: [
      new Date()
        .toISOString()
        .replace(/[-:T]/g, '')
        .replace(/\.\d+Z$/, 'Z'),
    ],
  });
  t.true((await driver.getAccountState(await user('bob'))).locked);
});
