import test from 'ava';
import { domainPolicyFrom, PolicyCache, psoPolicyFrom } from '../../../../agent/directory/ad/password-policy.js';

test('domain root attributes become a PasswordPolicy (Samba defaults as seeded)', (t) => {
  const policy = domainPolicyFrom({
    dn: 'DC=test,DC=local',
    minPwdLength: '7',
    pwdProperties: '1',
    pwdHistoryLength: '3',
    minPwdAge: '-864000000000',
    maxPwdAge: '-36288000000000',
    lockoutThreshold: '0',
    lockoutDuration: '-18000000000',
  });
  t.deepEqual(policy, {
    source: 'DC=test,DC=local',
    minLength: 7,
    complexity: true,
    historyLength: 3,
    minAgeMs: 86_400_000,
    maxAgeMs: 3_628_800_000,
    lockoutThreshold: 0,
    lockoutDurationMs: 1_800_000,
  });
});

test('a PSO: complexity from TRUE/FALSE, "never" ages as 0', (t) => {
  const policy = psoPolicyFrom({
    dn: 'CN=strict',
    'msDS-MinimumPasswordLength': '12',
    'msDS-PasswordComplexityEnabled': 'FALSE',
    'msDS-PasswordHistoryLength': '24',
    'msDS-MinimumPasswordAge': '0',
    'msDS-MaximumPasswordAge': '-9223372036854775808',
    'msDS-LockoutThreshold': '5',
    'msDS-LockoutDuration': '-9223372036854775808',
  });
  t.like(policy, { minLength: 12, complexity: false, historyLength: 24, minAgeMs: 0, maxAgeMs: 0, lockoutThreshold: 5, lockoutDurationMs: 0 });
});

test('the policy cache keeps an entry for its TTL on the injected clock, and nothing with TTL 0', (t) => {
  let now = 1_000_000;
  const cache = new PolicyCache(5000, () => new Date(now));
  const policy = domainPolicyFrom({ dn: 'DC=x', minPwdLength: '8' });
  cache.set('CN=A,DC=x', policy);
  t.is(cache.get('cn=a,dc=x'), policy);
  now += 4999;
  t.is(cache.get('CN=A,DC=x'), policy);
  now += 1;
  t.is(cache.get('CN=A,DC=x'), null);
  const off = new PolicyCache(0, () => new Date(now));
  off.set('CN=A,DC=x', policy);
  t.is(off.get('CN=A,DC=x'), null);
});
