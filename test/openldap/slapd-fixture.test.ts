import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Client } from 'ldapts';
import { requireSlapd, startSlapd } from '../fixtures/slapd.js';
import { testPki } from '../fixtures/slapd/tls.js';

test('starts a TLS slapd with ppolicy, verifiable against the test CA', async (t) => {
  await testPki(); // made once per process; not part of a server's start-up
  const created = Date.now();
  const slapd = await startSlapd();
  t.teardown(() => slapd.destroy());
  const createMs = Date.now() - created;
  await slapd.stop();
  const started = Date.now();
  await slapd.start();
  const startMs = Date.now() - started;
  t.log(`built and started in ${createMs} ms, restarted in ${startMs} ms (ports ${slapd.ldapPort}/${slapd.ldapsPort})`);
  // Figures, not assertions: wall time (three processes here) depends on what else the shared cores
  // are doing; start() itself gives up after 10 s.
  t.log(`slapd answered ${startMs} ms after start`);
  t.not(slapd.ldapPort, slapd.ldapsPort);

  const client = new Client({ url: slapd.ldapsUrl, timeout: 5_000, connectTimeout: 5_000, tlsOptions: { ca: await readFile(slapd.caFile), rejectUnauthorized: true } });
  await client.bind(slapd.layout.serviceDn, slapd.layout.servicePassword);
  const { searchEntries } = await client.search(slapd.users.alice.dn, { scope: 'base', attributes: ['uid', 'pwdChangedTime', 'entryUUID'] });
  await client.unbind();
  t.is(searchEntries[0]?.uid, 'alice');
  t.regex(String(searchEntries[0]?.entryUUID), /^[0-9a-f-]{36}$/);
});

test('a client trusting another CA is refused by certificate verification', async (t) => {
  const slapd = await startSlapd();
  t.teardown(() => slapd.destroy());
  // Time enough for the handshake to fail on verification, not on a timeout, on loaded cores.
  const client = new Client({ url: slapd.ldapsUrl, timeout: 5_000, connectTimeout: 5_000, tlsOptions: { ca: await readFile(slapd.pki.otherCaFile), rejectUnauthorized: true } });
  const error = await t.throwsAsync(client.bind(slapd.layout.serviceDn, slapd.layout.servicePassword));
  t.regex(String((error as NodeJS.ErrnoException).code), /UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
  await client.unbind().catch(() => undefined);
});

test('stop() ends the process, start() brings it back on the same ports with the same data, destroy() removes the directory', async (t) => {
  const slapd = await startSlapd();
  const pid = slapd.pid;
  t.truthy(pid);
  await slapd.setAttributes(slapd.users.bob.dn, { description: ['kept across restart'] });
  await slapd.stop();
  t.false(slapd.running);
  t.throws(() => process.kill(pid!, 0));
  await slapd.start();
  t.true(slapd.running);
  t.deepEqual((await slapd.read(slapd.users.bob.dn, ['description'])).description, ['kept across restart']);
  await slapd.destroy();
  t.false(existsSync(slapd.dir));
});

test('each fixture gets its own ports, so tests run side by side', async (t) => {
  const [a, b] = await Promise.all([startSlapd(), startSlapd({ rights: '=w', noSync: false })]);
  t.teardown(async () => {
    await Promise.all([a.destroy(), b.destroy()]);
  });
  t.not(a.ldapsPort, b.ldapsPort);
  t.true(a.running && b.running);
});

test('a missing slapd fails fast with the command to install it', (t) => {
  const error = t.throws(() => requireSlapd(['/nonexistent/bin']));
  t.is(error.message, 'slapd is not installed (needed by the OpenLDAP tests): apt-get install slapd ldap-utils');
  t.regex(requireSlapd().slapd, /\/slapd$/);
});
