import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway CA and a server certificate for 127.0.0.1 (IP SAN), PEM. */
export interface TestPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Makes the PKI with openssl (installed on these machines): EC P-256 keys, so it takes
 * milliseconds; the server certificate carries subjectAltName IP:127.0.0.1 and DNS:localhost
 * plus any extra names, so clients can verify it.
 */
export async function makeTestPki(extraDnsNames: readonly string[] = []): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'directory-sim-pki-'));
  try {
    const path = (name: string): string => join(dir, name);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await run('openssl', ['req', '-x509', ...ec, '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '2', '-subj', '/CN=directory-sim test CA']);
    await run('openssl', ['req', ...ec, '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=127.0.0.1']);
    const names = ['IP:127.0.0.1', 'DNS:localhost', ...extraDnsNames.map((name) => `DNS:${name}`)].join(',');
    await writeFile(path('ext.cnf'), `subjectAltName=${names}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      path('server.csr'),
      '-CA',
      path('ca.pem'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-out',
      path('server.pem'),
      '-days',
      '2',
      '-extfile',
      path('ext.cnf'),
    ]);
    const [caPem, certPem, keyPem] = await Promise.all([readFile(path('ca.pem'), 'utf8'), readFile(path('server.pem'), 'utf8'), readFile(path('server.key'), 'utf8')]);
    return { caPem, certPem, keyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
