import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { Client } from 'ldapts';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';

let dc: SambaDc;
test.before(async () => {
  dc = await startSambaDc();
});
test.after.always(async () => {
  await dc?.destroy();
});

test.serial('the DC answers LDAPS verified against the fixture CA, and svc-writeback binds', async (t) => {
  t.regex(dc.ip, /^127\.0\.0\.(\d+)$/);
  t.is(await dc.tryBind(dc.svcUpn, dc.svcPassword), null);
  t.regex((await dc.tryBind(dc.svcUpn, 'Wrong#Pass1')) ?? '', /data 52e/);
});

test.serial('its own smb.conf binds only its address, and its TLS key is 0600', async (t) => {
  const conf = await readFile(join(dc.instanceDir, 'etc', 'smb.conf'), 'utf8');
  t.true(conf.includes(`interfaces = ${dc.ip}/8`));
  t.regex(conf, /bind interfaces only = Yes/i);
  t.false(conf.includes('templates/'), 'no path of the template left');
  const key = /tls keyfile = (.+)$/m.exec(conf)?.[1];
  t.is((await stat(key!)).mode & 0o777, 0o600);
});

test.serial('the seeded delegation: svc-writeback may write pwdLastSet and lockoutTime inside OU=Managed only; setDelegation changes it', async (t) => {
  const writable = async (dn: string) => {
    const svc = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: [await readFile(dc.caFile)] } });
    await svc.bind(dc.svcDn, dc.svcPassword);
    try {
      const { searchEntries } = await svc.search(dn, { scope: 'base', attributes: ['allowedAttributesEffective'] });
      const value = searchEntries[0]?.allowedAttributesEffective ?? [];
      return (Array.isArray(value) ? value : [value]).map(String).sort();
    } finally {
      await svc.unbind();
    }
  };
  t.deepEqual(await writable(dc.users.alice.dn), ['lockoutTime', 'pwdLastSet']);
  t.deepEqual(await writable(dc.users.bob.dn), []);
  t.deepEqual(await writable(dc.users.noInherit.dn), []);
  await dc.setDelegation({ lockoutTime: false });
  t.deepEqual(await writable(dc.users.alice.dn), ['pwdLastSet']);
  await dc.setDelegation({});
  t.deepEqual(await writable(dc.users.alice.dn), ['lockoutTime', 'pwdLastSet']);
});

test.serial('stop() ends the samba process (by its pid file) and start() brings the same DC back', async (t) => {
  await dc.stop();
  t.false(await dc.isRunning());
  t.regex((await dc.tryBind(dc.svcUpn, dc.svcPassword)) ?? '', /./);
  await dc.start();
  t.true(await dc.isRunning());
  t.is(await dc.tryBind(dc.svcUpn, dc.svcPassword), null);
});

test('password settings are written to the domain root', async (t) => {
  const other = await startSambaDc({ passwordSettings: { minAgeSeconds: 7200, lockoutThreshold: 4 } });
  try {
    t.not(other.ip, dc.ip);
    const root = await other.read(other.baseDn, ['minPwdAge', 'lockoutThreshold', 'minPwdLength', 'pwdHistoryLength', 'pwdProperties']);
    t.deepEqual(root, { minPwdAge: ['-72000000000'], lockoutThreshold: ['4'], minPwdLength: ['7'], pwdHistoryLength: ['3'], pwdProperties: ['1'] });
  } finally {
    await other.destroy();
  }
});
