import test from 'ava';
import { dnSyntaxError, isDnWithin, parseDn } from '../../../../agent/config/dn-syntax.js';

test('accepts ordinary, escaped, multi-valued and hex-valued DNs', (t) => {
  for (const dn of ['DC=corp,DC=example', 'CN=Smith\\, John,OU=Staff,DC=corp', 'cn=a+uid=b,dc=x', 'OU=Staff, DC=corp', '1.3.6.1.4.1.1466.0=#04024869,DC=x', 'CN=caf\\C3\\A9,DC=x']) {
    t.is(dnSyntaxError(dn), null, dn);
  }
  t.deepEqual(parseDn('CN=Smith\\, John,DC=x'), [[{ type: 'CN', value: 'Smith, John' }], [{ type: 'DC', value: 'x' }]]);
  t.deepEqual(parseDn('cn=a+uid=b,dc=x')[0], [
    { type: 'cn', value: 'a' },
    { type: 'uid', value: 'b' },
  ]);
  t.is(parseDn('CN=caf\\C3\\A9,DC=x')[0]![0]!.value, 'café', 'hex escapes decode as UTF-8');
  t.is(parseDn('CN=📎 clip  ,DC=x')[0]![0]!.value, '📎 clip', 'astral characters kept, trailing spaces dropped');
  t.true(isDnWithin('CN=x,OU=Café,DC=y', 'OU=caf\\c3\\a9,DC=y'));
});

test('names what is wrong with a malformed DN', (t) => {
  t.is(dnSyntaxError(''), 'is empty');
  t.is(dnSyntaxError('Staff'), '"Staff" has no "="');
  t.is(dnSyntaxError('OU=Staff,'), 'ends with ","');
  t.is(dnSyntaxError('OU=Staff+'), 'ends with "+"');
  t.is(dnSyntaxError('OU=,DC=x'), 'OU has an empty value');
  t.is(dnSyntaxError('O U=x'), '"O U" is not an attribute type');
  t.is(dnSyntaxError('CN=a\\qb'), 'bad escape "\\q" in the value of CN');
  t.is(dnSyntaxError('CN=a;b'), 'unescaped ";" in the value of CN (escape it with a backslash)');
  t.is(dnSyntaxError('CN=#zz'), 'the value of CN starts with "#" but is not a hex string');
});

test('isDnWithin compares case-insensitively and by whole RDNs', (t) => {
  t.true(isDnWithin('OU=Staff,DC=corp,DC=example', 'dc=CORP, dc=example'));
  t.true(isDnWithin('DC=corp,DC=example', 'DC=corp,DC=example'));
  t.false(isDnWithin('OU=Staff,DC=notcorp,DC=example', 'DC=corp,DC=example'));
  t.false(isDnWithin('DC=example', 'DC=corp,DC=example'));
  t.true(isDnWithin('CN=x,OU=A\\,B,DC=y', 'OU=A\\2CB,DC=y'), 'escapes compare by value');
});
