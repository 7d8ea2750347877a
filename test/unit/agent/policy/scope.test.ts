import test from 'ava';
import { isWithin, isWithinExactly } from '../../../../agent/directory/ldap/dn.js';
import { outOfScopeReason, scopeRefusal } from '../../../../agent/policy/scope.js';

const rules = { include: ['OU=Staff,DC=corp,DC=example'], exclude: ['OU=Admins,OU=Staff,DC=corp,DC=example'] };

test('inside an include subtree is in scope, whatever the case and spacing of the DN', (t) => {
  t.is(outOfScopeReason('CN=Alice,OU=Staff,DC=corp,DC=example', rules), null);
  t.is(outOfScopeReason('cn=alice, ou=staff, dc=CORP, dc=example', rules), null);
  t.is(outOfScopeReason('CN=Smith\\, John,OU=Sales,OU=Staff,DC=corp,DC=example', rules), null);
});

test('outside every include, or under an exclude, is out of scope', (t) => {
  t.truthy(outOfScopeReason('CN=Bob,OU=Other,DC=corp,DC=example', rules));
  t.truthy(outOfScopeReason('CN=Root,OU=Admins,OU=Staff,DC=corp,DC=example', rules));
  t.truthy(outOfScopeReason('OU=Staff,DC=corp,DC=example,DC=evil', rules));
});

test('escaped characters cannot fake a subtree', (t) => {
  // One RDN whose value contains ",OU=Staff": not below OU=Staff.
  t.truthy(outOfScopeReason('CN=x\\,OU=Staff\\,DC=corp\\,DC=example,OU=Other,DC=corp,DC=example', rules));
  t.truthy(outOfScopeReason('not a dn', rules));
});

test('isWithinExactly keeps apart what the lossy normal form merges: an escaped trailing space, U+212A KELVIN SIGN', (t) => {
  t.true(isWithin('CN=x,OU=Staff\\ ,DC=corp', 'OU=Staff,DC=corp'), 'the lossy form merges them (why scope needs more)');
  t.false(isWithinExactly('CN=x,OU=Staff\\ ,DC=corp', 'OU=Staff,DC=corp'));
  t.false(isWithinExactly('CN=x,OU=\u212Aiosk,DC=corp', 'OU=Kiosk,DC=corp'));
  t.true(isWithinExactly('cn=x,ou=Staff,dc=corp', 'OU=Staff,DC=corp'), 'attribute types are case-insensitive');
  t.true(isWithinExactly('CN=x,OU=St\\61ff,DC=corp', 'OU=Staff,DC=corp'), 'escapes are decoded');
  t.false(isWithinExactly('CN=x,OU=staff,DC=corp', 'OU=Staff,DC=corp'), 'values are compared exactly');
});

test('scopeRefusal: an include base the directory does not know admits nobody', async (t) => {
  const rules = { include: ['OU=Staff,DC=corp'], exclude: [] };
  t.truthy(await scopeRefusal('CN=x,OU=Staff,DC=corp', rules, () => Promise.resolve(null)));
  t.is(await scopeRefusal('CN=x,OU=Staff,DC=corp', rules, (dn) => Promise.resolve(dn)), null);
  t.truthy(await scopeRefusal('CN=x,OU=Staff\\ ,DC=corp', rules, (dn) => Promise.resolve(dn)));
});
