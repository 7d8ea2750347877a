import { chmod, mkdir, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FileSecretStore } from '../../../../agent/secrets/file-secret-store.js';
import { SecretStoreError } from '../../../../agent/secrets/secret-store-error.js';
import { PrivatePathError } from '../../../../agent/state/private-path-error.js';
import { SecretName } from '../../../../agent/secrets/secret-store.js';

const KEY = 'MC4CAQAwBQYDK2VwBCIEIHx-private-key-material';

async function stateDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'wa-secrets-')), 'state');
}

test('creates the state dir 0700 and the file 0600, and round-trips secrets', async (t) => {
  const dir = await stateDir();
  const store = await FileSecretStore.open(dir);
  t.is((await stat(dir)).mode & 0o777, 0o700);
  t.is((await stat(store.path)).mode & 0o777, 0o600);
  t.is(await store.get(SecretName.signingKey), null);
  await store.set(SecretName.signingKey, KEY);
  await store.set(SecretName.encryptionKey, 'enc');
  t.is(await store.get(SecretName.signingKey), KEY);
  t.is((await stat(store.path)).mode & 0o777, 0o600);
  t.true(await store.delete(SecretName.encryptionKey));
  t.false(await store.delete(SecretName.encryptionKey));
  t.is(await store.get(SecretName.encryptionKey), null);
  const reopened = await FileSecretStore.open(dir);
  t.is(await reopened.get(SecretName.signingKey), KEY);
  t.deepEqual(
    (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary files left behind',
  );
});

test('concurrent writes are serialized and none is lost', async (t) => {
  const store = await FileSecretStore.open(await stateDir());
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`s${i}`, `v${i}`)));
  for (let i = 0; i < 20; i++) t.is(await store.get(`s${i}`), `v${i}`);
});

test('refuses a secrets file others can read, saying the chmod to run', async (t) => {
  const dir = await stateDir();
  const store = await FileSecretStore.open(dir);
  await store.set('x', KEY);
  await chmod(store.path, 0o644);
  const error = await t.throwsAsync(store.get('x'), { instanceOf: PrivatePathError });
  t.is(error.message, `${store.path} is accessible to other accounts (mode 0644); run: chmod 600 ${store.path}`);
  await t.throwsAsync(FileSecretStore.open(dir), { message: /run: chmod 600/ });
});

test('refuses a state dir others can enter, saying the chmod to run', async (t) => {
  const dir = await stateDir();
  await mkdir(dir, { mode: 0o755 });
  await chmod(dir, 0o755);
  await t.throwsAsync(FileSecretStore.open(dir), { instanceOf: PrivatePathError, message: `${dir} is accessible to other accounts (mode 0755); run: chmod 700 ${dir}` });
});

test('a corrupt file is reported without quoting its content', async (t) => {
  const dir = await stateDir();
  const store = await FileSecretStore.open(dir);
  await writeFile(store.path, `{"agent-signing-key": "${KEY}"`, { mode: 0o600 });
  const error = await t.throwsAsync(store.get('agent-signing-key'), { instanceOf: SecretStoreError });
  t.regex(error.message, /is not valid JSON/);
  t.false(error.message.includes(KEY));
  t.is(error.cause, undefined);
});

test('rejects names that are not plain identifiers', async (t) => {
  const store = await FileSecretStore.open(await stateDir());
  await t.throwsAsync(store.set('../etc/passwd', 'x'), { instanceOf: TypeError });
  t.is(await readFile(store.path, 'utf8'), '{}\n');
});
