import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { ConfigError } from '../../../../agent/config/config-error.js';
import { openSecretStore } from '../../../../agent/secrets/open-secret-store.js';

const run = promisify(execFile);
const headlessLinux = process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS;

test('on a headless Linux server the keychain probe fails with one line saying to use the file store', async (t) => {
  if (!headlessLinux) {
    t.pass('this machine has a session bus; the headless case is covered on Linux servers and CI');
    return;
  }
  const error = await t.throwsAsync(openSecretStore('keychain', { stateDir: '/var/lib/writeback-agent-test' }), { instanceOf: ConfigError });
  t.is(error.path, 'secretStore');
  t.regex(error.message, /^config error at secretStore: the operating system keychain is not usable on this machine .*; set "secretStore": "file" in the config/);
  t.false(error.message.includes('\n'));
});

test('the keychain backend stores, reads and deletes (Linux kernel keyring as the backing store)', async (t) => {
  if (process.platform !== 'linux') {
    t.pass('the kernel keyring exists on Linux only');
    return;
  }
  const child = join(import.meta.dirname, 'keychain-roundtrip.child.ts');
  const { stdout } = await run(process.execPath, ['--import=tsx', child], { cwd: join(import.meta.dirname, '../../../..') });
  t.deepEqual(JSON.parse(stdout), ['keychain', null, 'private-key-material', true, false, null]);
});
