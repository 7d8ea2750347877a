import test from 'ava';
import { AgentError } from '../../../../agent/errors.js';
import { REDACTED, Redactor } from '../../../../agent/logging/redactor.js';

test('scrubs secret-named fields at any depth, keeps flags and dates', (t) => {
  const redactor = new Redactor();
  const out = redactor.redact({
    password: 'a',
    nested: { deeper: [{ bindPassword: 'b', newPassword: 'c', oldPassword: 'd', privateKey: 'e', client_secret: 'f', accessToken: 'g' }] },
    jwk: { kty: 'OKP', crv: 'Ed25519', x: 'public', d: 'private' },
    sealed: { alg: 'X25519-HKDF-SHA256-A256GCM', epk: 'epk', iv: 'iv', ct: 'ciphertext' },
    mustChangePassword: true,
    passwordLastSet: '2026-11-21T20:00:00.000Z',
    passwordMethod: 'passwordModify',
  });
  t.deepEqual(out, {
    password: REDACTED,
    nested: { deeper: [{ bindPassword: REDACTED, newPassword: REDACTED, oldPassword: REDACTED, privateKey: REDACTED, client_secret: REDACTED, accessToken: REDACTED }] },
    jwk: { kty: 'OKP', crv: 'Ed25519', x: 'public', d: REDACTED },
    sealed: { alg: 'X25519-HKDF-SHA256-A256GCM', epk: 'epk', iv: 'iv', ct: REDACTED },
    mustChangePassword: true,
    passwordLastSet: '2026-11-21T20:00:00.000Z',
    passwordMethod: 'passwordModify',
  });
});

test('replaces tracked values inside any string until untracked, counting overlapping commands', (t) => {
  const redactor = new Redactor();
  redactor.track('S3cret!pw');
  redactor.track('S3cret!pw');
  t.is(redactor.redactString('server said: bad value S3cret!pw for S3cret!pw'), `server said: bad value ${REDACTED} for ${REDACTED}`);
  t.deepEqual(redactor.redact({ note: ['x S3cret!pw y'] }), { note: [`x ${REDACTED} y`] });
  redactor.untrack('S3cret!pw');
  t.is(redactor.redactString('S3cret!pw'), REDACTED, 'still tracked by the other command');
  redactor.untrack('S3cret!pw');
  t.is(redactor.redactString('S3cret!pw'), 'S3cret!pw');
  t.is(redactor.trackedCount, 0);
});

test('tracked values with regex and JSON special characters are matched literally and in escaped form', (t) => {
  const redactor = new Redactor();
  redactor.track('a.b"c\\d(e)');
  t.is(redactor.redactString('x a.b"c\\d(e) y'), `x ${REDACTED} y`);
  t.is(redactor.redactString(JSON.stringify({ v: 'a.b"c\\d(e)' })), `{"v":"${REDACTED}"}`);
  t.is(redactor.redactString('aXb"c\\d(e)'), 'aXb"c\\d(e)');
});

test('errors become plain objects with message, stack, details and cause redacted', (t) => {
  const redactor = new Redactor();
  redactor.track('Pa55word');
  const cause = new Error('ldap said Pa55word is too short');
  const error = new AgentError('PASSWORD_POLICY', 'rejected Pa55word', { details: { reason: 'TOO_SHORT', newPassword: 'Pa55word' }, cause });
  const out = redactor.redact({ error }) as { error: Record<string, unknown> };
  const text = JSON.stringify(out);
  t.false(text.includes('Pa55word'));
  t.is(out.error.message, `rejected ${REDACTED}`);
  t.is(out.error.code, 'PASSWORD_POLICY');
  t.deepEqual(out.error.details, { reason: 'TOO_SHORT', newPassword: REDACTED });
  t.is((out.error.cause as Record<string, unknown>).message, `ldap said ${REDACTED} is too short`);
  t.regex(String(out.error.stack), /rejected \[REDACTED\]/);
});

test('cycles and buffers do not break serialization', (t) => {
  const redactor = new Redactor();
  const a: Record<string, unknown> = { name: 'a', raw: Buffer.from('secret bytes') };
  a.self = a;
  t.deepEqual(redactor.redact(a), { name: 'a', raw: '[12 bytes]', self: '[Circular]' });
});

test('an object reached twice without a cycle is copied both times; only a way back up is a cycle', (t) => {
  const redactor = new Redactor();
  const shared = { dn: 'CN=a' };
  const parent: Record<string, unknown> = { first: shared, second: shared, list: [shared, shared] };
  parent.child = { up: parent };
  t.deepEqual(redactor.redact(parent), { first: { dn: 'CN=a' }, second: { dn: 'CN=a' }, list: [{ dn: 'CN=a' }, { dn: 'CN=a' }], child: { up: '[Circular]' } });
});

test('strings shorter than every tracked value pass untouched; a shorter value tracked later is caught', (t) => {
  const redactor = new Redactor();
  redactor.track('a-long-password');
  t.is(redactor.redactString('OK'), 'OK');
  t.is(redactor.redactString('xa-long-passwordx'), `x${REDACTED}x`);
  redactor.track('pw1');
  t.is(redactor.redactString('pw1'), REDACTED);
  redactor.untrack('pw1');
  t.is(redactor.redactString('pw1'), 'pw1');
});

test('copies keep the order of object keys', (t) => {
  const redactor = new Redactor();
  t.is(JSON.stringify(redactor.redact({ z: 1, b: { y: 1, a: 2 }, a: [{ d: 1, c: 2 }] })), '{"z":1,"b":{"y":1,"a":2},"a":[{"d":1,"c":2}]}');
});
