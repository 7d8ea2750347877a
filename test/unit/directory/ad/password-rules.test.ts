import test from 'ava';
import { checkPasswordRules, type AccountNames } from '../../../../agent/directory/ad/password-rules.js';
import type { PasswordPolicy } from '../../../../agent/directory/driver.js';

const policy: PasswordPolicy = { source: 'DC=test', minLength: 7, complexity: true, historyLength: 3, minAgeMs: 0, maxAgeMs: 0, lockoutThreshold: 0, lockoutDurationMs: 0 };
const names: AccountNames = { sAMAccountName: 'jsmith', displayName: 'John Smith-Jones' };
const reason = (password: string, p: PasswordPolicy = policy, n = names) => checkPasswordRules(password, p, n)?.reason ?? null;

test('length counts characters, not bytes', (t) => {
  t.is(reason('Ab1#xy'), 'TOO_SHORT');
  t.is(reason('Ab1#xyz'), null);
  t.is(reason('Äb1#ÿzé'), null);
});

test('complexity: three of upper, lower, digit, symbol, other letters', (t) => {
  t.is(reason('abcdefg1'), 'COMPLEXITY');
  t.is(reason('ABCDEFG#'), 'COMPLEXITY');
  t.is(reason('abcdEFG1'), null);
  t.is(reason('abcd#fg1'), null);
  t.is(reason('日本語abc1x'), null);
  t.is(reason('abcdefg1', { ...policy, complexity: false }), null);
});

test('complexity: not the account name, nor a display-name part of three or more characters', (t) => {
  t.is(reason('xxJSMITH#1'), 'COMPLEXITY');
  t.is(reason('Jones#2024x'), 'COMPLEXITY');
  t.is(reason('Smith#2024x'), 'COMPLEXITY');
  t.is(reason('Jo#Hn2024xx', policy, { sAMAccountName: 'jo', displayName: 'Jo Li' }), null);
  t.is(reason('Valid#Pass1', policy, { sAMAccountName: null, displayName: null }), null);
});

test('failure messages never contain the password', (t) => {
  const failure = checkPasswordRules('Smith#2024x', policy, names);
  t.false(failure?.message.includes('Smith#2024x'));
});
