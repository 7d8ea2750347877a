import { ldapTest as test } from '../fixtures/slapd/select-fixture.js';
import { canBind, rejectsWith, setup } from './helpers/driver-fixture.js';

const noForce = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };

test('password administrator (=wm) resets with Password Modify; the new password binds, pwdReset is cleared when not forced', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const alice = await user('alice');
  const outcome = await driver.resetPassword(alice, 'Fresh-Reset-42', noForce);
  t.is(outcome.dn, alice.dn);
  t.true(await canBind(slapd, alice.dn, 'Fresh-Reset-42'));
  t.false(await canBind(slapd, alice.dn, slapd.users.alice.password));
  // slapd set pwdReset by itself (pwdMustChange TRUE); the driver removed it as the command asked.
  t.deepEqual((await slapd.read(alice.dn, ['pwdReset'])).pwdReset ?? [], []);
  t.false((await driver.getAccountState(alice)).mustChangePassword);
  // =wm skips the server's history check: said so in the outcome.
  t.is(outcome.details.historyEnforced, false);
  t.is(outcome.details.notApplied, undefined);
});

test('a locked account whose lock the agent may not write: slapd drops the lock with the reset, so the unlock is not reported missing', async (t) => {
  const { slapd, driver, user } = await setup(t, { readOnlyLock: ['erin'] });
  const erin = await user('erin');
  t.true((await driver.getAccountState(erin)).locked);
  const outcome = await driver.resetPassword(erin, 'Fresh-Unlock-42', noForce);
  t.is(outcome.details.notApplied, undefined, JSON.stringify(outcome.details));
  t.is(outcome.details.unlockedByServer, true);
  t.deepEqual((await slapd.read(erin.dn, ['pwdAccountLockedTime'])).pwdAccountLockedTime ?? [], []);
  t.false((await driver.getAccountState(erin)).locked);
  t.true(await canBind(slapd, erin.dn, 'Fresh-Unlock-42'));
});

test('forceChangeAtNextLogon sets pwdReset: TRUE', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const bob = await user('bob');
  await driver.resetPassword(bob, 'Forced-Change-42', { ...noForce, forceChangeAtNextLogon: true });
  t.deepEqual((await slapd.read(bob.dn, ['pwdReset'])).pwdReset, ['TRUE']);
  t.true((await driver.getAccountState(bob)).mustChangePassword);
});

test('a password shorter than pwdMinLength is refused before writing (TOO_SHORT), also for a password administrator', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const alice = await user('alice');
  const error = await rejectsWith(t, driver.resetPassword(alice, 'Short1', noForce), 'PASSWORD_POLICY');
  t.is(error.details.reason, 'TOO_SHORT');
  t.true(await canBind(slapd, alice.dn, slapd.users.alice.password), 'unchanged');
});

test("the user's own policy (pwdPolicySubentry) is the one applied: henry needs 12 characters", async (t) => {
  const { slapd, driver, user } = await setup(t);
  const henry = await user('henry');
  const policy = await driver.passwordPolicy(henry);
  t.is(policy.source, slapd.layout.strictPolicyDn);
  t.is(policy.minLength, 12);
  t.is((await rejectsWith(t, driver.resetPassword(henry, 'Eleven-Char', noForce), 'PASSWORD_POLICY')).details.reason, 'TOO_SHORT');
  await driver.resetPassword(henry, 'Twelve-Chars', noForce);
  t.true(await canBind(slapd, henry.dn, 'Twelve-Chars'));
});

test('the default policy is read from the overlay default (discovered, or configured)', async (t) => {
  const { slapd, driver, user } = await setup(t, {}, {}, { defaultPolicyDn: null });
  const policy = await driver.passwordPolicy(await user('alice'));
  t.deepEqual(policy, { source: slapd.layout.defaultPolicyDn, minLength: 8, complexity: true, historyLength: 5, minAgeMs: 3_600_000, maxAgeMs: 0, lockoutThreshold: 3, lockoutDurationMs: 0 });
});

test('a user outside the delegated OU is PERMISSION_DENIED with details.missing', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const carol = await user('carol');
  const error = await rejectsWith(t, driver.resetPassword(carol, 'Outside-OU-42', noForce), 'PERMISSION_DENIED');
  t.regex(String(error.details.missing), /userPassword/);
  t.true(await canBind(slapd, carol.dn, slapd.users.carol.password));
});

test('without rights (none) a reset is PERMISSION_DENIED', async (t) => {
  const { driver, user } = await setup(t, { rights: 'none' });
  await rejectsWith(t, driver.resetPassword(await user('alice'), 'No-Rights-42', noForce), 'PERMISSION_DENIED');
});

test('plain write (=w): a reset inside pwdMinAge is PASSWORD_TOO_YOUNG with allowedAt', async (t) => {
  const { driver, user, slapd } = await setup(t, { rights: '=w' });
  const ivan = await user('ivan');
  const error = await rejectsWith(t, driver.resetPassword(ivan, 'Too-Young-42', noForce), 'PASSWORD_TOO_YOUNG');
  t.is(error.details.ppolicyError, 7);
  const allowedAt = new Date(String(error.details.allowedAt));
  const changed = ivan.passwordLastSet!;
  t.is(allowedAt.getTime(), changed.getTime() + 3_600_000);
  t.true(await canBind(slapd, ivan.dn, slapd.users.ivan.password));
});

test('plain write (=w): reusing a password from history is HISTORY, and history counts as enforced', async (t) => {
  const { driver, user, slapd } = await setup(t, { rights: '=w' });
  const bob = await user('bob');
  const error = await rejectsWith(t, driver.resetPassword(bob, slapd.users.bob.password, noForce), 'PASSWORD_POLICY');
  t.is(error.details.reason, 'HISTORY');
  const outcome = await driver.resetPassword(bob, 'Brand-New-Bob-42', noForce);
  t.is(outcome.details.historyEnforced, undefined);
  // As a non-administrator, slapd does not set pwdReset on its own.
  t.deepEqual((await slapd.read(bob.dn, ['pwdReset'])).pwdReset ?? [], []);
});

test('passwordMethod replace: userPassword is replaced and stored hashed; a hash-looking value is refused (QUALITY)', async (t) => {
  const { slapd, driver, user } = await setup(t, {}, { passwordMethod: 'replace' });
  const alice = await user('alice');
  await driver.resetPassword(alice, 'Replaced-Pass-42', noForce);
  t.true(await canBind(slapd, alice.dn, 'Replaced-Pass-42'));
  t.regex((await slapd.read(alice.dn, ['userPassword'])).userPassword?.[0] ?? '', /^\{SSHA\}/);
  const error = await rejectsWith(t, driver.resetPassword(alice, '{SSHA}c29tZWhhc2hlZHZhbHVl', noForce), 'PASSWORD_POLICY');
  t.is(error.details.reason, 'QUALITY');
});

test('a reset clears a lockout; slapd itself unlocks on a password change even with unlock: false, and the outcome says so', async (t) => {
  for (const rights of ['=wm', '=w'] as const) {
    const { slapd, driver, user } = await setup(t, { rights });
    const erin = await user('erin');
    t.true(erin.locked);
    const outcome = await driver.resetPassword(erin, 'Erin-Reset-42', { ...noForce, unlock: false });
    t.is(outcome.details.unlockedByServer, true, rights);
    t.false((await driver.getAccountState(erin)).locked, rights);
    t.true(await canBind(slapd, erin.dn, 'Erin-Reset-42'), rights);
  }
});

test('a user deleted after resolution is USER_NOT_FOUND', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const bob = await user('bob');
  await slapd.asAdmin((client) => client.del(bob.dn));
  await rejectsWith(t, driver.resetPassword(bob, 'Gone-User-42', noForce), 'USER_NOT_FOUND');
});

test('an account disabled by an administrator (000001010000Z) is not reset: ACCOUNT_DISABLED, and it stays disabled', async (t) => {
  const { slapd, driver, user } = await setup(t);
  const olga = await user('olga');
  t.is((await rejectsWith(t, driver.resetPassword(olga, 'Olga-Reset-42', noForce), 'ACCOUNT_DISABLED')).details.reason, 'ADMIN_LOCKED');
  t.deepEqual((await slapd.read(olga.dn, ['pwdAccountLockedTime'])).pwdAccountLockedTime, ['000001010000Z']);
});

test('when the server is stricter than the cached policy, its ppolicy reason comes through (TOO_SHORT from slapd)', async (t) => {
  const { slapd, driver, user } = await setup(t, { rights: '=w' });
  const bob = await user('bob');
  t.is((await driver.passwordPolicy(bob)).minLength, 8); // now cached for policyCacheMs
  await slapd.setAttributes(slapd.layout.defaultPolicyDn, { pwdMinLength: ['20'] });
  const error = await rejectsWith(t, driver.resetPassword(bob, 'Ten-Chars1', noForce), 'PASSWORD_POLICY');
  t.is(error.details.reason, 'TOO_SHORT');
  t.is(error.details.ppolicyError, 6);
});
