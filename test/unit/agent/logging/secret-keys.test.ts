import test from 'ava';
import { findSecretField, isSecretField, isSecretKey } from '../../../../agent/logging/secret-keys.js';

test('secret keys: exact names and suffixes, any case, ignoring - and _', (t) => {
  for (const key of ['password', 'newPassword', 'bind_password', 'userPwd', 'client_secret', 'accessToken', 'X-API-Key', 'privateKey', 'Authorization', 'd', 'ct', 'credentials']) {
    t.true(isSecretKey(key), key);
    t.true(isSecretKey(key), `${key} (remembered)`);
  }
  for (const key of ['dn', 'passwordLastSet', 'tokenId', 'code', 'directory', 'x']) {
    t.false(isSecretKey(key), key);
    t.false(isSecretKey(key), `${key} (remembered)`);
  }
  t.true(isSecretKey('mustChangePassword'));
  t.false(isSecretField('mustChangePassword', true));
  t.false(isSecretField('password', true));
  t.false(isSecretField('password', 3));
  t.false(isSecretField('password', null));
  t.true(isSecretField('password', ''));
  t.true(isSecretField('token', { any: 'object' }));
});

test('findSecretField names the first secret field depth-first, through objects and arrays', (t) => {
  t.is(findSecretField(null), null);
  t.is(findSecretField('password'), null);
  t.is(findSecretField({ op: 'resetPassword', mustChangePassword: true, target: { by: 'uid', value: 'alice' } }), null);
  t.is(findSecretField({ a: 1, newPassword: 'x' }), 'newPassword');
  t.is(findSecretField({ result: { details: { ok: true, bindPassword: 'x' } } }), 'result.details.bindPassword');
  t.is(findSecretField({ items: [{ id: 1 }, { id: 2, token: 't' }] }), 'items[1].token');
  t.is(findSecretField([[{ a: 1 }], [{ b: 2 }, { secret: 's' }]]), '[1][1].secret');
  t.is(findSecretField({ grid: [[{}, { pwd: 'p' }]] }), 'grid[0][1].pwd');
  t.is(findSecretField({ first: { token: 'a' }, second: { password: 'b' } }), 'first.token');
  t.is(findSecretField({ deep: { token: 'a' } }, 'record'), 'record.deep.token');
  t.is(findSecretField([{ token: 'a' }], 'list'), 'list[0].token');
  t.is(findSecretField({ list: ['password', 'token'] }), null, 'array items are values, not keys');
});
