import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError } from '../../../../agent/config/config-error.js';
import { resolveSecretRef } from '../../../../agent/secrets/resolve-secret-ref.js';
import { FileSecretStore } from '../../../../agent/secrets/file-secret-store.js';

const PATH = 'directories[0].bindPassword';

test('env: the variable value, or an error naming the variable', async (t) => {
  t.is(await resolveSecretRef({ env: 'BIND_PW' }, null, { env: { BIND_PW: 'pw from env' } }), 'pw from env');
  const error = await t.throwsAsync(resolveSecretRef({ env: 'BIND_PW' }, null, { path: PATH, env: {} }), { instanceOf: ConfigError });
  t.regex(error.message, /^config error at directories\[0\]\.bindPassword: environment variable BIND_PW is not set; set BIND_PW/);
});

test('file: the content without its trailing newline, or an error naming the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-ref-'));
  const file = join(dir, 'bind.txt');
  await writeFile(file, ' pw with spaces \n', { mode: 0o600 });
  t.is(await resolveSecretRef({ file }, null), ' pw with spaces ');
  await writeFile(file, 'crlf\r\n');
  t.is(await resolveSecretRef({ file }, null), 'crlf');
  const missing = join(dir, 'missing.txt');
  await t.throwsAsync(resolveSecretRef({ file: missing }, null, { path: PATH }), { message: new RegExp(`^config error at directories\\[0\\]\\.bindPassword: cannot read ${missing} \\(ENOENT\\)`) });
  await writeFile(file, '\n');
  await t.throwsAsync(resolveSecretRef({ file }, null), { message: /is empty/ });
});

test('secret: from the secret store, or an error naming the secret', async (t) => {
  const store = await FileSecretStore.open(join(await mkdtemp(join(tmpdir(), 'wa-ref-')), 'state'));
  await store.set('corp-bind', 'pw from store');
  t.is(await resolveSecretRef({ secret: 'corp-bind' }, store), 'pw from store');
  await t.throwsAsync(resolveSecretRef({ secret: 'lab-bind' }, store, { path: PATH }), { message: /the secret "lab-bind" is not in the file secret store/ });
});

test('file: ${CREDENTIALS_DIRECTORY} is expanded when read (systemd LoadCredential=), and an unset one is named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-cred-'));
  await writeFile(join(dir, 'corp-bind'), 'from-credential\n', { mode: 0o600 });
  const ref = { file: '${CREDENTIALS_DIRECTORY}/corp-bind' };
  t.is(await resolveSecretRef(ref, null, { env: { CREDENTIALS_DIRECTORY: dir } }), 'from-credential');
  await t.throwsAsync(resolveSecretRef(ref, null, { path: PATH, env: {} }), {
    message: /^config error at directories\[0\]\.bindPassword: uses \$\{CREDENTIALS_DIRECTORY\} but it is not set; run the agent under systemd/,
  });
});
