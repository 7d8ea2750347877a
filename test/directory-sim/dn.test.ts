import test from 'ava';
import { dnKeys, escapeDnValue, normalizeDn, parseDn } from '../../directory-sim/store/dn.js';
import { startSim, ldapsClient } from './helpers/with-sim.js';
import { createObject } from '../../directory-sim/seed/create-object.js';

test('DNs: escapes, hex pairs, spaces and case normalize to one key', (t) => {
  t.deepEqual(parseDn('CN=Smith\\, John+UID=js,OU=Staff'), [
    [
      { type: 'CN', value: 'Smith, John' },
      { type: 'UID', value: 'js' },
    ],
    [{ type: 'OU', value: 'Staff' }],
  ]);
  t.deepEqual(parseDn('cn=\\c3\\a9t\\c3\\a9 , dc=x'), [[{ type: 'cn', value: 'été' }], [{ type: 'dc', value: 'x' }]]);
  t.is(normalizeDn('CN=Smith\\, John,OU=Staff,DC=Sim,DC=Test'), normalizeDn('cn=smith\\2c john, ou=staff,dc=sim,dc=test'));
  t.deepEqual(dnKeys('CN=A,OU=B,DC=c'), { key: 'cn=a,ou=b,dc=c', parentKey: 'ou=b,dc=c' });
  t.is(escapeDnValue(' a,b+c"d\\e<f>g;h=i#'), '\\ a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h\\=i\\#');
  t.deepEqual(parseDn(''), []);
  for (const broken of ['CN', 'CN=a,', '=a', 'CN=a\\']) t.throws(() => parseDn(broken), undefined, broken);
});

test('an entry whose RDN needs escaping is found and bound by any spelling of its DN', async (t) => {
  const sim = await startSim();
  t.teardown(() => sim.stop());
  createObject(sim.directory, {
    dn: 'CN=Smith\\, John,OU=Staff,DC=sim,DC=test',
    password: 'Comma#Name12',
    attributes: { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: 'jsmith' },
  });
  const client = ldapsClient(sim);
  await client.bind('cn=SMITH\\2C JOHN,ou=staff,dc=sim,dc=test', 'Comma#Name12');
  const { searchEntries } = await client.search('ou=staff,dc=sim,dc=test', { filter: '(sAMAccountName=jsmith)', attributes: ['cn'] });
  t.is(searchEntries[0]?.dn, 'CN=Smith\\, John,OU=Staff,DC=sim,DC=test');
  t.is(searchEntries[0]?.cn, 'Smith, John');
  await client.unbind();
});
