import test from 'ava';
import { parseFilter } from '../../directory-sim/filter/parse-filter.js';
import { startSim } from './helpers/with-sim.js';

test('RFC 4515 grammar: every item kind, escapes, nesting, empty and/or', (t) => {
  t.deepEqual(parseFilter('(cn=a\\2ab\\28\\29\\5c)'), { kind: 'equal', attribute: 'cn', value: Buffer.from('a*b()\\') });
  t.deepEqual(parseFilter('(cn=*)'), { kind: 'present', attribute: 'cn' });
  t.deepEqual(parseFilter('(cn=ab*cd*ef)'), { kind: 'substrings', attribute: 'cn', initial: Buffer.from('ab'), any: [Buffer.from('cd')], final: Buffer.from('ef') });
  t.deepEqual(parseFilter('(cn=*x*)'), { kind: 'substrings', attribute: 'cn', any: [Buffer.from('x')] });
  t.like(parseFilter('(badPwdCount>=3)'), { kind: 'greaterOrEqual', attribute: 'badPwdCount' });
  t.like(parseFilter('(badPwdCount<=3)'), { kind: 'lessOrEqual' });
  t.like(parseFilter('(sn~=smith)'), { kind: 'approx' });
  t.deepEqual(parseFilter('(userAccountControl:1.2.840.113556.1.4.803:=2)'), {
    kind: 'extensible',
    attribute: 'userAccountControl',
    rule: '1.2.840.113556.1.4.803',
    value: Buffer.from('2'),
    dnAttributes: false,
  });
  t.like(parseFilter('(ou:dn:=Staff)'), { kind: 'extensible', attribute: 'ou', dnAttributes: true });
  t.like(parseFilter('(:1.2.3:=x)'), { kind: 'extensible', rule: '1.2.3' });
  t.like(parseFilter('(memberOf:1.2.840.113556.1.4.1941:=CN=G\\2c1,DC=x)'), { kind: 'extensible', value: Buffer.from('CN=G,1,DC=x') });
  t.like(parseFilter('(&(a=1)(|(b=2)(!(c=3))))'), { kind: 'and', filters: [{ kind: 'equal' }, { kind: 'or', filters: [{ kind: 'equal' }, { kind: 'not' }] }] });
  t.deepEqual(parseFilter('(&)'), { kind: 'and', filters: [] });
  t.deepEqual(parseFilter('(|)'), { kind: 'or', filters: [] });
  t.deepEqual(parseFilter('(cn=\\c3\\a9)'), { kind: 'equal', attribute: 'cn', value: Buffer.from('é') });
  t.like(parseFilter('objectClass=user'), { kind: 'equal', attribute: 'objectClass' });
  for (const broken of ['(cn=a', '(cn=a))', '(=a)', '(cn=a(b)', '(cn=\\zz)', '(&(a=1)x)', '(cn=a**b)']) {
    t.throws(() => parseFilter(broken), { message: /bad filter/ }, broken);
  }
});

test('sim.find searches the store directly', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  t.deepEqual(
    sim
      .find('(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=CN=All Staff,CN=Users,DC=sim,DC=test))')
      .map((entry) => entry.dn)
      .sort(),
    ['CN=Alice Anders,OU=Staff,DC=sim,DC=test', 'CN=Bob Brown,OU=Staff,DC=sim,DC=test'],
  );
  t.is(sim.find('(objectClass=user)', { base: 'OU=Staff,DC=sim,DC=test', scope: 'one' }).length, 6);
  t.deepEqual(sim.find('(|)'), []);
  t.is(sim.find('(&)', { base: 'OU=Contractors,DC=sim,DC=test', scope: 'base' }).length, 1);
});
