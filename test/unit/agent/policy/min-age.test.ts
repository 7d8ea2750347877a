import test from 'ava';
import { checkMinimumAge, passwordChangeAllowedAt } from '../../../../agent/policy/min-age.js';

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
