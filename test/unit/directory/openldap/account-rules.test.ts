import test from 'ava';
import { accountFacts } from '../../../../agent/directory/openldap/account-facts.js';
import { precheckPassword } from '../../../../agent/directory/openldap/password-checks.js';
import { emptyPpolicy, toPasswordPolicy, type PpolicyEntry } from '../../../../agent/directory/openldap/ppolicy-entry.js';

const policy: PpolicyEntry = { ...emptyPpolicy(), dn: 'cn=default', minLength: 8, checkQuality: 2, minAgeSeconds: 3600, lockout: true, maxFailure: 3, inHistory: 5 };
const now = new Date('2026-11-21T12:00:00Z');

test('length is checked in UTF-8 bytes, as slapd counts, and only when pwdCheckQuality > 0', (t) => {
  t.is(precheckPassword('1234567', policy, 'passwordModify')?.details.reason, 'TOO_SHORT');
  t.is(precheckPassword('12345678', policy, 'passwordModify'), null);
  t.is(precheckPassword('ääää', policy, 'passwordModify'), null, '4 characters, 8 bytes');
  t.is(precheckPassword('short', { ...policy, checkQuality: 0 }, 'passwordModify'), null);
  t.is(precheckPassword('', { ...policy, checkQuality: 0 }, 'passwordModify')?.details.reason, 'TOO_SHORT');
});

test('a hash-looking value is refused for replace (it would be stored as the hash), allowed for Password Modify', (t) => {
  t.is(precheckPassword('{SSHA}abcdefghijkl', policy, 'replace')?.details.reason, 'QUALITY');
  t.is(precheckPassword('{SSHA}abcdefghijkl', policy, 'passwordModify'), null);
  t.false(JSON.stringify(precheckPassword('{SSHA}abcdefghijkl', policy, 'replace')?.details).includes('abcdefghijkl'));
});

test('account facts follow ppolicy: lockout with and without duration, administrator lock, pwdReset and minimum age', (t) => {
  const entry = (attrs: Record<string, string>) => ({ dn: 'uid=x', ...attrs });
  t.true(accountFacts(entry({ pwdAccountLockedTime: '20261121115900Z' }), policy, now).locked);
  t.false(accountFacts(entry({ pwdAccountLockedTime: '20261121115900Z' }), { ...policy, lockoutDurationSeconds: 30 }, now).locked);
  t.true(accountFacts(entry({ pwdAccountLockedTime: '20261121115945Z' }), { ...policy, lockoutDurationSeconds: 30 }, now).locked);
  const admin = accountFacts(entry({ pwdAccountLockedTime: '000001010000Z' }), policy, now);
  t.true(admin.disabled);
  t.false(admin.locked);
  const changed = accountFacts(entry({ pwdChangedTime: '20261121113000Z' }), policy, now);
  t.is(changed.passwordChangeAllowedAt?.toISOString(), '2026-11-21T12:30:00.000Z');
  t.is(accountFacts(entry({ pwdChangedTime: '20261121113000Z', pwdReset: 'TRUE' }), policy, now).passwordChangeAllowedAt, null);
  t.is(accountFacts(entry({ pwdChangedTime: '20261121113000Z' }), { ...policy, minAgeSeconds: 0 }, now).passwordChangeAllowedAt, null);
  t.true(accountFacts(entry({ pwdReset: 'TRUE' }), policy, now).mustChangePassword);
  t.is(accountFacts(undefined, policy, now).passwordLastSet, null);
});

test('the policy maps to the agent shape', (t) => {
  t.deepEqual(toPasswordPolicy(policy), { source: 'cn=default', minLength: 8, complexity: true, historyLength: 5, minAgeMs: 3_600_000, maxAgeMs: 0, lockoutThreshold: 3, lockoutDurationMs: 0 });
  t.is(toPasswordPolicy({ ...policy, lockout: false }).lockoutThreshold, 0);
});
