import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { RegistrationState, type Registration } from '../../../../agent/state/registration-state.js';

const key = (fill: number): string => Buffer.alloc(32, fill).toString('base64url');

const registration: Registration = {
  agentId: 'agent-1',
  tenantId: 'tenant-1',
  serviceKeys: [{ kid: 'k1', publicKey: key(1) }],
  registeredAt: '2026-11-21T20:00:00.000Z',
  serviceUrl: 'wss://reset.example.com/agent/v1',
};

async function stateDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'wa-state-')), 'state');
}

test('records the registration in a 0600 file and reads it back after reopening', async (t) => {
  const dir = await stateDir();
  const state = await RegistrationState.open(dir);
  t.is(state.get(), null);
  t.throws(() => state.require(), { message: /not registered .*run: writeback-agent register/ });
  state.save(registration);
  t.is((await stat(state.path)).mode & 0o777, 0o600);
  t.is((await stat(dir)).mode & 0o777, 0o700);
  const reopened = await RegistrationState.open(dir);
  t.deepEqual(reopened.get(), registration);
  t.is(reopened.trustedKey('k1'), key(1));
  t.is(reopened.trustedKey('k2'), null);
  t.false((await readFile(state.path, 'utf8')).includes('private'));
});

test('addTrustedKey adds a new kid, ignores a repeat and refuses a changed key', async (t) => {
  const state = await RegistrationState.open(await stateDir());
  state.save(registration);
  state.addTrustedKey({ kid: 'k2', publicKey: key(2) });
  state.addTrustedKey({ kid: 'k2', publicKey: key(2) });
  t.deepEqual(
    state.get()!.serviceKeys.map((k) => k.kid),
    ['k1', 'k2'],
  );
  t.throws(() => state.addTrustedKey({ kid: 'k1', publicKey: key(3) }), { message: /already trusted with a different public key/ });
  t.is(state.trustedKey('k1'), key(1));
});

test('refuses to record an invalid registration and a file others can read', async (t) => {
  const dir = await stateDir();
  const state = await RegistrationState.open(dir);
  t.throws(() => state.save({ ...registration, serviceKeys: [{ kid: 'k', publicKey: 'short' }] }), { message: /invalid registration/ });
  state.save(registration);
  await chmod(state.path, 0o640);
  await t.throwsAsync(RegistrationState.open(dir), { message: `${state.path} is accessible to other accounts (mode 0640); run: chmod 600 ${state.path}` });
});

test('read (what run uses, without conf) returns what conf saved, refuses an open file and a broken one', async (t) => {
  const dir = await stateDir();
  t.is(await RegistrationState.read(dir), null);
  await t.throwsAsync(RegistrationState.readRequired(dir), { message: /not registered .*registration\.json.*run: writeback-agent register/ });
  const state = await RegistrationState.open(dir);
  state.save(registration);
  state.addTrustedKey({ kid: 'k2', publicKey: key(2) });
  t.deepEqual(await RegistrationState.readRequired(dir), { ...registration, serviceKeys: [...registration.serviceKeys, { kid: 'k2', publicKey: key(2) }] });
  await chmod(state.path, 0o644);
  await t.throwsAsync(RegistrationState.read(dir), { message: `${state.path} is accessible to other accounts (mode 0644); run: chmod 600 ${state.path}` });
  await chmod(state.path, 0o600);
  await writeFile(state.path, '{"registration":{"agentId":""}}');
  await t.throwsAsync(RegistrationState.read(dir), { message: /holds an invalid registration; run register again/ });
  await writeFile(state.path, '{"registration":');
  await t.throwsAsync(RegistrationState.read(dir), { message: /is not valid JSON/ });
});

test('replaceServiceKeys (key rotation) writes the new set durably, 0600, in the layout conf and read() both take', async (t) => {
  const dir = await stateDir();
  const state = await RegistrationState.open(dir);
  state.save(registration);
  const keys = [{ kid: 'k2', publicKey: key(2), notBefore: '2026-11-22T00:00:00.000Z' }];
  await RegistrationState.replaceServiceKeys(dir, keys, '2026-11-21T21:00:00.000Z');
  t.is((await stat(state.path)).mode & 0o777, 0o600);
  const read = await RegistrationState.read(dir);
  t.deepEqual(read, { ...registration, serviceKeys: keys, serviceKeysIssuedAt: '2026-11-21T21:00:00.000Z' });
  t.deepEqual((await RegistrationState.open(dir)).get(), read);
  await t.throwsAsync(RegistrationState.replaceServiceKeys(dir, [{ kid: 'k3', publicKey: 'short' }], '2026-11-21T22:00:00.000Z'), { message: /invalid registration/ });
  t.deepEqual(await RegistrationState.read(dir), read, 'a refused set leaves the file as it was');
});
