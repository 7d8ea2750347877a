import test from 'ava';
import { dnEquals, formatDn, InvalidDnError, isWithin, normalizeDn, parentDn, parseDn } from '../../../../agent/directory/ldap/dn.js';

test('parses RDNs with escapes, hex pairs, spaces around separators and multi-valued RDNs', (t) => {
  t.deepEqual(parseDn('CN=Smith\\, John , OU = Staff,DC=corp'), [[{ type: 'CN', value: 'Smith, John' }], [{ type: 'OU', value: 'Staff' }], [{ type: 'DC', value: 'corp' }]]);
  t.deepEqual(parseDn('cn=Jos\\C3\\A9+uid=jose,dc=x'), [
    [
      { type: 'cn', value: 'José' },
      { type: 'uid', value: 'jose' },
    ],
    [{ type: 'dc', value: 'x' }],
  ]);
  t.deepEqual(parseDn('cn=\\ a\\ ,dc=x')[0], [{ type: 'cn', value: ' a ' }]);
  t.deepEqual(parseDn('uid=a\\2a,dc=x')[0], [{ type: 'uid', value: 'a*' }]);
  t.deepEqual(parseDn('cn=#04024869,dc=x')[0], [{ type: 'cn', value: '04024869', hex: true }]);
  t.deepEqual(parseDn('cn="quoted, value",dc=x')[0], [{ type: 'cn', value: 'quoted, value' }]);
  t.deepEqual(parseDn(''), []);
});

test('refuses malformed DNs', (t) => {
  for (const bad of ['uid', 'uid=a,', '=a', 'uid=a\\', 'uid=a\\c3', 'uid=a=b', 'ui d=a', 'uid=a,,dc=x', 'cn=#0', 'cn="open']) {
    t.throws(() => parseDn(bad), { instanceOf: InvalidDnError }, bad);
  }
});

test('normalises attribute types and values case-insensitively, and multi-valued RDNs in a fixed order', (t) => {
  t.is(normalizeDn('UID=Alice , OU=People,DC=Example,DC=Org'), 'uid=alice,ou=people,dc=example,dc=org');
  t.is(normalizeDn('2.5.4.3=Bob,dc=x'), 'cn=bob,dc=x');
  t.is(normalizeDn('uid=b+cn=A,dc=x'), normalizeDn('cn=a+uid=B,dc=x'));
  t.is(normalizeDn('cn=a  b,dc=x'), 'cn=a b,dc=x');
});

test('dnEquals compares entries, not strings', (t) => {
  t.true(dnEquals('uid=alice,ou=people,dc=example,dc=org', 'UID=ALICE, OU=People, DC=example, DC=org'));
  t.true(dnEquals('cn=Smith\\2C John,dc=x', 'cn=Smith\\, John,dc=x'));
  t.false(dnEquals('uid=alice,dc=x', 'uid=alice2,dc=x'));
  t.false(dnEquals('uid=alice,dc=x', 'not a dn'));
  // A literal '#' is not the hex form.
  t.false(dnEquals('cn=\\#41,dc=x', 'cn=#41,dc=x'));
});

test('isWithin: the base itself and its descendants, nothing else', (t) => {
  const base = 'ou=people,dc=example,dc=org';
  t.true(isWithin('ou=people,dc=example,dc=org', base));
  t.true(isWithin('uid=alice,OU=People,dc=example,dc=org', base));
  t.true(isWithin('uid=u1,ou=bulk,ou=people,dc=example,dc=org', base));
  t.false(isWithin('uid=carol,ou=staff,dc=example,dc=org', base));
  t.false(isWithin('dc=example,dc=org', base));
  // A DN-looking value inside an RDN does not make the entry a descendant.
  t.false(isWithin('cn=ou\\=people\\,dc\\=example\\,dc\\=org,dc=evil', base));
  t.false(isWithin('uid=x,ou=people2,dc=example,dc=org', base));
  t.false(isWithin('garbage((', base));
});

test('formatDn escapes values and parentDn drops the first RDN', (t) => {
  t.is(formatDn([[{ type: 'cn', value: 'a,b' }], [{ type: 'dc', value: 'x' }]]), 'cn=a\\,b,dc=x');
  t.is(parentDn('uid=a,ou=people,dc=x'), 'ou=people,dc=x');
  t.is(parentDn('dc=x'), null);
});
