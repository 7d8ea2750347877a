import test from 'ava';
import { outOfScopeReason } from '../../../../agent/policy/scope.js';

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
