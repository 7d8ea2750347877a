import { Client } from 'ldapts';
import { makeTestPki, type TestPki } from '../../../directory-sim/tls/make-test-pki.js';
import { startDirectorySim, type DirectorySim, type DirectorySimOptions } from '../../../directory-sim/start-directory-sim.js';
import { SeededAccount, type SeededAccountName } from '../../../directory-sim/seed/seeded-domain.js';

let pki: Promise<TestPki> | undefined;

/** One PKI per test file (openssl runs once). */
export function testPki(): Promise<TestPki> {
  pki ??= makeTestPki(['dc1.sim.test']);
  return pki;
}

export async function startSim(options: DirectorySimOptions = {}): Promise<DirectorySim> {
  const { caPem, certPem, keyPem } = await testPki();
  return startDirectorySim({ tls: { key: keyPem, cert: certPem, ca: caPem }, ...options });
}

export function dnOf(sim: DirectorySim, name: SeededAccountName): string {
  return `${SeededAccount[name].rdn},${sim.baseDn}`;
}

/**
 * An ldapts client over LDAPS that verifies the simulator's certificate. `timeout` is per operation
 * (tests of a silent server shorten it); the TLS connect gets at least 5 s, as cores are shared.
 */
export function ldapsClient(sim: DirectorySim, timeout = 5000): Client {
  return new Client({ url: sim.ldapsUrl!, tlsOptions: { ca: [sim.caPem!] }, timeout, connectTimeout: Math.max(timeout, 5000) });
}

export function ldapClient(sim: DirectorySim, timeout = 5000): Client {
  return new Client({ url: sim.ldapUrl, timeout, connectTimeout: timeout });
}

/** Binds as a seeded account over LDAPS. */
export async function boundClient(sim: DirectorySim, name: SeededAccountName): Promise<Client> {
  const client = ldapsClient(sim);
  await client.bind(dnOf(sim, name), SeededAccount[name].password);
  return client;
}

export function quotedUtf16(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** The error an LDAP operation fails with (ldapts ResultCodeError: code and message). */
export async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error('expected the operation to fail');
}
