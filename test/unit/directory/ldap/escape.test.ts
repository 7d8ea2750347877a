import test from 'ava';
import { FilterParser } from 'ldapts';
import { escapeDnValue, escapeFilterValue, UnencodableValueError } from '../../../../agent/directory/ldap/escape.js';
import { parseDn } from '../../../../agent/directory/ldap/dn.js';

/** What the server would see: ldapts parses the filter string into the BER it sends. */
function assertedValue(filter: string): string {
  const parsed = FilterParser.parseString(filter) as unknown as { attribute: string; value: string };
  return parsed.value;
}

const hostile = ['*', '*)(uid=*', 'a\\2a', 'nul\0byte', '\0', '(', ')', '\\', 'x'.repeat(10_000), 'uid=admin,ou=people,dc=example,dc=org', 'é ü 中文 😀'];

test('filter escaping turns each hostile value into one literal equality assertion', (t) => {
  for (const value of hostile) {
    const filter = `(uid=${escapeFilterValue(value)})`;
    const parsed = FilterParser.parseString(filter);
    t.is(parsed.constructor.name, 'EqualityFilter', value.slice(0, 40));
    t.is(assertedValue(filter), value, value.slice(0, 40));
  }
});

test('filter escaping uses RFC 4515 hex escapes for the special characters', (t) => {
  t.is(escapeFilterValue('*'), '\\2a');
  t.is(escapeFilterValue('*)(uid=*'), '\\2a\\29\\28uid=\\2a');
  t.is(escapeFilterValue('a\\2a'), 'a\\5c2a');
  t.is(escapeFilterValue('a\0b'), 'a\\00b');
  t.is(escapeFilterValue('tab\there'), 'tab\\09here');
  t.is(escapeFilterValue('plain.user-1'), 'plain.user-1');
});

test('filter escaping keeps non-ASCII as UTF-8 text (ldapts would decode hex escapes as Latin-1)', (t) => {
  t.is(escapeFilterValue('josé'), 'josé');
  t.is(escapeFilterValue('😀*'), '😀\\2a');
});

test('both escapers refuse a lone surrogate, which has no UTF-8 form', (t) => {
  t.throws(() => escapeFilterValue('a\uD800b'), { instanceOf: UnencodableValueError });
  t.throws(() => escapeDnValue('\uDC00'), { instanceOf: UnencodableValueError });
});

test('DN escaping follows RFC 4514 and round-trips through the DN parser', (t) => {
  t.is(escapeDnValue('Smith, John'), 'Smith\\, John');
  t.is(escapeDnValue(' lead'), '\\ lead');
  t.is(escapeDnValue('trail '), 'trail\\ ');
  t.is(escapeDnValue('#hash'), '\\#hash');
  t.is(escapeDnValue('a+b=c<d>e;f"g\\h'), 'a\\+b\\=c\\<d\\>e\\;f\\"g\\\\h');
  t.is(escapeDnValue('nul\0'), 'nul\\00');
  for (const value of [...hostile, ' both ', '#', ' ', 'a,b+c']) {
    const rdns = parseDn(`uid=${escapeDnValue(value)},ou=people,dc=example,dc=org`);
    t.is(rdns.length, 4, value.slice(0, 40));
    t.deepEqual(rdns[0], [{ type: 'uid', value }], value.slice(0, 40));
  }
});
