import test from 'ava';
import { formatGeneralizedTime, parseGeneralizedTime } from '../../../../agent/directory/ldap/generalized-time.js';
import { encodePasswordModify } from '../../../../agent/directory/ldap/password-modify.js';

test('Password Modify request value matches RFC 3062 bytes', (t) => {
  // SEQUENCE { [0] "uid=a", [1] "old", [2] "new" }
  t.is(
    encodePasswordModify({ userIdentity: 'uid=a', oldPassword: 'old', newPassword: 'new' }).toString('hex'),
    '3011' + '8005' + Buffer.from('uid=a').toString('hex') + '8103' + Buffer.from('old').toString('hex') + '8203' + Buffer.from('new').toString('hex'),
  );
  t.is(encodePasswordModify({ userIdentity: 'uid=a', newPassword: 'n' }).toString('hex'), '300a' + '8005' + Buffer.from('uid=a').toString('hex') + '8201' + Buffer.from('n').toString('hex'));
  t.is(encodePasswordModify({}).toString('hex'), '3000');
});

test('Password Modify carries non-ASCII passwords as UTF-8 bytes', (t) => {
  const encoded = encodePasswordModify({ newPassword: 'pässwörd' });
  t.is(encoded.subarray(2).toString('hex'), '820a' + Buffer.from('pässwörd', 'utf8').toString('hex'));
});

test('GeneralizedTime parses the forms slapd writes and rejects others', (t) => {
  t.is(parseGeneralizedTime('20261121204500Z')?.toISOString(), '2026-11-21T20:45:00.000Z');
  t.is(parseGeneralizedTime('20261121204500.123Z')?.toISOString(), '2026-11-21T20:45:00.123Z');
  t.is(parseGeneralizedTime('202611212045Z')?.toISOString(), '2026-11-21T20:45:00.000Z');
  t.is(parseGeneralizedTime('20261121204500+0130')?.toISOString(), '2026-11-21T19:15:00.000Z');
  t.is(parseGeneralizedTime('000001010000Z')?.getUTCFullYear(), 0);
  t.is(parseGeneralizedTime('yesterday'), null);
  t.is(parseGeneralizedTime('2026-11-21T20:45:00Z'), null);
  t.is(formatGeneralizedTime(new Date('2026-11-21T20:45:00.999Z')), '20261121204500Z');
});
