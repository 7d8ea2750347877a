import test from 'ava';
import type { DirectoryConfig } from '../../agent/directory/directory-config.js';
import { diagnoseDirectory } from '../../agent/diagnose/directory-path.js';
import { startSambaDc } from '../fixtures/samba.js';

// diagnose's directory path against a real Samba AD DC, over LDAPS and over ldap:// with StartTLS.

test('Samba over LDAPS and StartTLS: Active Directory (Samba), no policy hints (WARN), signing and channel binding OK', async (t) => {
  const dc = await startSambaDc();
  t.teardown(() => dc.destroy());
  const directory: DirectoryConfig = {
    id: 'samba',
    kind: 'activeDirectory',
    urls: [dc.ldapsUrl, dc.ldapUrl],
    baseDn: dc.baseDn,
    bindDn: dc.svcDn,
    tls: { caFile: dc.caFile, startTls: true },
    scope: { include: [dc.managedOu], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] },
    historyOnReset: 'bestEffort',
    passwordMethod: 'passwordModify',
    timeoutMs: 5_000,
    poolSize: 1,
    policyCacheMs: 0,
  };
  const lines = await diagnoseDirectory({ directory, password: { ok: true, value: dc.svcPassword }, timeoutMs: 5_000 });
  t.false(
    lines.some((line) => line.status === 'FAIL'),
    JSON.stringify(lines, null, 2),
  );
  const [ldaps, startTls] = [lines.filter((l) => l.target === dc.ldapsUrl), lines.filter((l) => l.target === dc.ldapUrl)];
  t.deepEqual(
    ldaps.map((l) => l.step),
    ['resolve', 'tcp', 'tls', 'hostname', 'expiry', 'bind', 'rootDse'],
  );
  t.deepEqual(
    startTls.map((l) => l.step),
    ['resolve', 'tcp', 'tls', 'hostname', 'expiry', 'bind', 'rootDse', 'signing', 'channelBinding'],
  );
  for (const line of [...ldaps, ...startTls].filter((l) => l.step !== 'rootDse' && l.step !== 'expiry')) t.is(line.status, 'OK', `${line.step}: ${line.detail}`);
  // Samba 4.17 offers neither policy hints control: history is not enforced on resets (DIRECTORY-FACTS.md).
  for (const rootDse of [...ldaps, ...startTls].filter((l) => l.step === 'rootDse')) {
    t.like(rootDse, { status: 'WARN', cause: 'CONTROL_MISSING' });
    t.regex(rootDse.detail, /: Active Directory \(Samba Team \(https:\/\/www\.samba\.org\)\); missing policy hints \(password history on resets\)$/);
  }
});
