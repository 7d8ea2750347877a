import test from 'ava';
import { dnSyntaxError, isDnWithin } from '../../../../agent/config/dn-syntax.js';

test('accepts ordinary, escaped, multi-valued and hex-valued DNs', (t) => {
  for (const dn of [
    'DC=corp,DC=example',
    'CN=Smith\\, John,OU=Staff,DC=corp',
    'cn=a+uid=b,dc=x',
    'OU=Staff, DC=corp',
    '1.3.6.1.4.1.1466.0=#04024869,DC=x',
    'CN=caf\\C3\\A9,DC=x',
    'CN=📎 clip  ,DC=x',
  ]) {
    t.is(dnSyntaxError(dn), null, dn);
  }
  t.true(isDnWithin('CN=x,OU=Café,DC=y', 'OU=caf\\c3\\a9,DC=y'), 'hex escapes decode as UTF-8');
});

test('names what is wrong with a malformed DN', (t) => {
  t.is(dnSyntaxError(''), 'is empty');
  t.is(dnSyntaxError('   '), 'is empty');
  t.is(dnSyntaxError('OU=,DC=x'), 'OU has an empty value');
  for (const bad of ['Staff', 'OU=Staff,', 'OU=Staff+', 'O U=x', 'CN=#zz', 'CN=a\\', 'CN="open']) {
    t.regex(dnSyntaxError(bad) ?? 'accepted', /^invalid DN at position \d+: /, bad);
  }
});

test('isDnWithin compares case-insensitively and by whole RDNs', (t) => {
  t.true(isDnWithin('OU=Staff,DC=corp,DC=example', 'dc=CORP, dc=example'));
  t.true(isDnWithin('DC=corp,DC=example', 'DC=corp,DC=example'));
  t.false(isDnWithin('OU=Staff,DC=notcorp,DC=example', 'DC=corp,DC=example'));
  t.false(isDnWithin('DC=example', 'DC=corp,DC=example'));
  t.true(isDnWithin('CN=x,OU=A\\,B,DC=y', 'OU=A\\2CB,DC=y'), 'escapes compare by value');
});
