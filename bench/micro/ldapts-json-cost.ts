/**
 * What ldapts's eagerly built debug text costs per reset (issue 9): the text of
 * `Sending message: ${JSON.stringify(request)}` for a reset's three requests on OpenLDAP (the
 * lookup, the protected-group search, Password Modify), before and after request-json.ts.
 *
 *   node --import tsx bench/micro/ldapts-json-cost.ts [iterations]
 */
import { EqualityFilter, ExtendedRequest, SearchRequest, type Message } from 'ldapts';
import { encodePasswordModify } from '../../agent/directory/ldap/password-modify.js';
import { summarizeLdapMessagesInJson } from '../../agent/directory/ldap/request-json.js';
import { Oid } from '../../ldap-constants/oids.js';

const iterations = Number(process.argv[2] ?? 100_000);
const user = 'uid=user01234,ou=people,dc=example,dc=org';
const requests: Message[] = [
  new SearchRequest({
    messageId: 9,
    baseDN: 'ou=people,dc=example,dc=org',
    scope: 'sub',
    filter: new EqualityFilter({ attribute: 'uid', value: 'user01234' }),
    attributes: ['uid', 'pwdChangedTime', 'pwdReset', 'pwdAccountLockedTime', 'pwdPolicySubentry', 'entryUUID'],
  }),
  new SearchRequest({ messageId: 10, baseDN: 'ou=groups,dc=example,dc=org', scope: 'sub', filter: new EqualityFilter({ attribute: 'member', value: user }), attributes: ['1.1'] }),
  // Never a real secret.
  new ExtendedRequest({ messageId: 11, oid: Oid.passwordModify, value: encodePasswordModify({ userIdentity: user, newPassword: 'Micro-Bench-Value-1' }) }),
];

function measure(): number {
  let length = 0;
  const once = (): void => {
    for (const request of requests) length += `Sending message: ${JSON.stringify(request)}`.length;
  };
  for (let i = 0; i < iterations / 5; i++) once(); // warm-up
  const started = performance.now();
  for (let i = 0; i < iterations; i++) once();
  const perReset = ((performance.now() - started) * 1000) / iterations;
  if (length === 0) throw new Error('nothing was built');
  return perReset;
}

const before = measure();
summarizeLdapMessagesInJson();
const after = measure();
console.log(`ldapts debug text per reset (3 requests): ${before.toFixed(1)} µs as ldapts builds it, ${after.toFixed(1)} µs with request-json.ts (${iterations} iterations)`);
