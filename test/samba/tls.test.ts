import test from 'ava';
import { ResultCode } from '../../protocol/codes.js';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { testPki } from '../fixtures/slapd/tls.js';
import { agentError, CaptureLogger, newDriver } from './ad-driver-harness.js';

let dc: SambaDc;
test.before(async () => {
  dc = await startSambaDc();
});
test.after.always(async () => {
  await dc?.destroy();
});

test('StartTLS on ldap:// with the certificate verified against the CA', async (t) => {
  const driver = newDriver(dc, new CaptureLogger(), { urls: [dc.ldapUrl], tls: { caFile: dc.caFile, startTls: true } });
  try {
    t.is((await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' })).dn, dc.users.alice.dn);
  } finally {
    await driver.close();
  }
});

test('a certificate that does not verify against the configured CA is DIRECTORY_UNAVAILABLE, never used', async (t) => {
  // An unrelated CA (the OpenLDAP tier's "other CA"), and the system store, which knows neither.
  const { otherCaFile } = await testPki();
  for (const tls of [
    { caFile: otherCaFile, startTls: false },
    { caFile: null, startTls: false },
  ]) {
    const driver = newDriver(dc, new CaptureLogger(), { tls });
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
  t.throws(() => newDriver(dc, new CaptureLogger(), { urls: [dc.ldapUrl] }), { message: /StartTLS|ldaps/ });
});
