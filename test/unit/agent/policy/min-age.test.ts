import test from 'ava';
import type { DirectoryUser } from '../../../../agent/directory/driver.js';
import { checkMinimumAge, minimumAgeApplies, minimumAgeRefusal, passwordChangeAllowedAt } from '../../../../agent/policy/min-age.js';
import type { Command } from '../../../../protocol/index.js';

const DAY = 24 * 60 * 60 * 1000;
const lastSet = new Date('2026-11-20T12:00:00.000Z');

test('allowedAt is passwordLastSet plus the minimum age, or null without one', (t) => {
  t.deepEqual(passwordChangeAllowedAt(lastSet, DAY), new Date('2026-11-21T12:00:00.000Z'));
  t.is(passwordChangeAllowedAt(lastSet, 0), null);
  t.is(passwordChangeAllowedAt(null, DAY), null);
});

test('checkMinimumAge returns allowedAt while too young and null once old enough', (t) => {
  t.deepEqual(checkMinimumAge(lastSet, DAY, new Date('2026-11-21T11:59:59.999Z')), new Date('2026-11-21T12:00:00.000Z'));
  t.is(checkMinimumAge(lastSet, DAY, new Date('2026-11-21T12:00:00.000Z')), null);
  t.is(checkMinimumAge(null, DAY, new Date('2026-11-20T12:00:00.000Z')), null, 'never set or must change: no minimum age');
  t.is(checkMinimumAge(lastSet, 0, lastSet), null);
});

const user: DirectoryUser = {
  dn: 'uid=bob,ou=people,dc=example,dc=org',
  uuid: null,
  disabled: false,
  locked: false,
  passwordLastSet: lastSet,
  mustChangePassword: false,
  protectedReason: null,
  snapshot: null,
};
const command = (op: string, params: Record<string, unknown> = {}): Command => ({ op, params }) as unknown as Command;

test('the minimum age applies to a reset unless enforceMinimumAge is false, and to a change unless the user must change', (t) => {
  t.true(minimumAgeApplies(command('resetPassword'), user), 'enforced by default');
  t.false(minimumAgeApplies(command('resetPassword', { enforceMinimumAge: false }), user));
  t.true(minimumAgeApplies(command('changePassword'), user));
  t.false(minimumAgeApplies(command('changePassword'), { ...user, mustChangePassword: true }));
  t.false(minimumAgeApplies(command('changePassword'), { ...user, passwordLastSet: null }), 'never set: nothing to be young');
  t.false(minimumAgeApplies(command('unlockAccount'), user));
});

test('minimumAgeRefusal is PASSWORD_TOO_YOUNG with allowedAt while too young, null once old enough', (t) => {
  const refusal = minimumAgeRefusal(user, DAY, new Date('2026-11-21T11:00:00.000Z'));
  t.is(refusal?.code, 'PASSWORD_TOO_YOUNG');
  t.deepEqual(refusal?.details, { dn: user.dn, allowedAt: '2026-11-21T12:00:00.000Z', minimumAgeSeconds: 86_400 });
  t.is(minimumAgeRefusal(user, DAY, new Date('2026-11-21T12:00:00.000Z')), null);
});
