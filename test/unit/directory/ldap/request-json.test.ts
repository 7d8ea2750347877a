import test from 'ava';
import { Attribute, Change, ExtendedRequest, ModifyRequest, SearchRequest, EqualityFilter } from 'ldapts';
import { summarizeLdapMessagesInJson } from '../../../../agent/directory/ldap/request-json.js';
import { encodePasswordModify } from '../../../../agent/directory/ldap/password-modify.js';
import { encodeUnicodePwd } from '../../../../agent/directory/ad/unicode-pwd.js';
import { Oid } from '../../../../ldap-constants/oids.js';

// Never a real secret: a marker whose bytes are looked for in the JSON text.
const PASSWORD = 'Json-Leak-Marker-7';

function requests(): { modify: ModifyRequest; exop: ExtendedRequest; search: SearchRequest } {
  const modify = new ModifyRequest({
    messageId: 7,
    dn: 'CN=alice,CN=Users,DC=example,DC=test',
    changes: [new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(PASSWORD)] }) })],
  });
  const exop = new ExtendedRequest({ messageId: 8, oid: Oid.passwordModify, value: encodePasswordModify({ userIdentity: 'uid=alice,ou=people,dc=example,dc=test', newPassword: PASSWORD }) });
  const search = new SearchRequest({ messageId: 9, baseDN: 'dc=example,dc=test', scope: 'sub', filter: new EqualityFilter({ attribute: 'uid', value: 'alice' }), attributes: ['uid'] });
  return { modify, exop, search };
}

/** The password as JSON.stringify renders a Buffer holding it: its bytes as numbers. */
function byteRuns(): string[] {
  const json = (bytes: Buffer): string => JSON.stringify([...bytes]).slice(1, -1);
  return [json(encodeUnicodePwd(PASSWORD)), json(Buffer.from(PASSWORD, 'utf8'))];
}

function encoded(message: { write(): Buffer }): string {
  return message.write().toString('hex');
}

test.serial('without the summary, ldapts requests stringify with the password bytes in them', (t) => {
  // The premise of the module: if ldapts ever stops doing this, this test says so.
  const { modify, exop } = requests();
  const text = JSON.stringify(modify) + JSON.stringify(exop);
  const [utf16, utf8] = byteRuns();
  t.true(text.includes(utf16!) || text.includes(utf8!));
});

test.serial('with the summary, a request stringifies to its id and type only, and encodes the same bytes', (t) => {
  const before = requests();
  const wire = [encoded(before.modify), encoded(before.exop), encoded(before.search)];
  summarizeLdapMessagesInJson();
  summarizeLdapMessagesInJson();
  const { modify, exop, search } = requests();
  t.deepEqual(JSON.parse(JSON.stringify(modify)), { messageId: 7, messageType: 'ModifyRequest' });
  t.deepEqual(JSON.parse(JSON.stringify(exop)), { messageId: 8, messageType: 'ExtendedRequest' });
  t.deepEqual(JSON.parse(JSON.stringify(search)), { messageId: 9, messageType: 'SearchRequest' });
  const text = JSON.stringify({ modify, exop });
  for (const run of byteRuns()) t.false(text.includes(run));
  t.false(text.includes(PASSWORD));
  t.deepEqual([encoded(modify), encoded(exop), encoded(search)], wire);
  t.false(Object.keys(modify).includes('toJSON'));
});
