import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ResultCode } from '../../protocol/codes.js';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { agentError, capturingLogger, newDriver } from './ad-driver-harness.js';

let dc: SambaDc;
let scratch: string;
test.before(async () => {
  dc = await startSambaDc();
  scratch = await mkdtemp(join(tmpdir(), 'ad-tls-'));
});
test.after.always(async () => {
  await dc?.destroy();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('StartTLS on ldap:// with the certificate verified against the CA', async (t) => {
  const driver = newDriver(dc, capturingLogger(), { urls: [dc.ldapUrl], tls: { caFile: dc.caFile, startTls: true } });
  try {
    t.is((await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' })).dn, dc.users.alice.dn);
  } finally {
    await driver.close();
  }
});

test('a certificate that does not verify against the configured CA is DIRECTORY_UNAVAILABLE, never used', async (t) => {
  // Another CA's certificate: the system store does not know the fixture CA either.
  const otherCa = join(scratch, 'other-ca.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=other', '-keyout', join(scratch, 'k.pem'), '-out', otherCa], { stdio: 'ignore' });
  for (const tls of [{ caFile: otherCa, startTls: false }, { caFile: null, startTls: false }]) {
    const driver = newDriver(dc, capturingLogger(), { tls });
    try {
      const error = await agentError(t, driver.resolveUser({ by: 'sAMAccountName', value: 'alice' }));
      t.is(error.code, ResultCode.DIRECTORY_UNAVAILABLE);
      t.is(error.details.reason, 'TLS_VERIFICATION_FAILED');
    } finally {
      await driver.close();
    }
  }
});

test('plain ldap:// without StartTLS is refused when the driver is built', (t) => {
  t.throws(() => newDriver(dc, capturingLogger(), { urls: [dc.ldapUrl] }), { message: /StartTLS|ldaps/ });
});
