import test from 'ava';
import type { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import { scopeRefusal } from '../../agent/policy/scope.js';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { CaptureLogger, newDriver } from './ad-driver-harness.js';

// Issue 24, item 3: scope is decided by the directory's identities, not by lossy DN text.
let dc: SambaDc;
let driver: ActiveDirectoryDriver;
let rules: { include: string[]; exclude: string[] };

/** Adds an OU as Administrator over LDAP (the DN exactly as given) and one user in it. */
async function ouWithUser(ouDn: string, sam: string): Promise<void> {
  const admin = await dc.adminClient();
  try {
    await admin.add(ouDn, { objectClass: ['top', 'organizationalUnit'] });
    await admin.add(`CN=${sam},${ouDn}`, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: sam });
  } finally {
    await admin.unbind();
  }
}

test.before(async () => {
  dc = await startSambaDc();
  // A look-alike beside the real subtree: U+212A KELVIN SIGN for K. (Samba refuses `OU=Managed\ ` beside
  // OU=Managed as the same name; directory-sim keeps them apart: test/directory-sim/scope-identity.test.ts.)
  await ouWithUser(`OU=Kiosk,${dc.baseDn}`, 'kiosk1');
  await ouWithUser(`OU=\u212Aiosk,${dc.baseDn}`, 'kelvin');
  rules = { include: [dc.managedOu, `OU=Kiosk,${dc.baseDn}`], exclude: [] };
  driver = newDriver(dc, new CaptureLogger(), { scope: { ...rules, refuseProtectedAccounts: true, protectedGroups: [] } });
});
test.after.always(async () => {
  await driver?.close();
  await dc?.destroy();
});

const canonicalOf = (dn: string) => driver.canonicalDn(dn);

test('a user under OU=\u212Aiosk (KELVIN SIGN) is not in OU=Kiosk', async (t) => {
  const kelvin = await driver.resolveUser({ by: 'sAMAccountName', value: 'kelvin' });
  t.true(kelvin.dn.includes('\u212A') || /\\e2\\84\\aa/i.test(kelvin.dn), kelvin.dn);
  t.truthy(await scopeRefusal(kelvin.dn, rules, canonicalOf));
  const real = await driver.resolveUser({ by: 'sAMAccountName', value: 'kiosk1' });
  t.is(await scopeRefusal(real.dn, rules, canonicalOf), null);
});

test('an exclude applies by identity too, and an include that does not exist admits nobody', async (t) => {
  const alice = await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' });
  t.is(await scopeRefusal(alice.dn, rules, canonicalOf), null);
  t.truthy(await scopeRefusal(alice.dn, { include: [dc.baseDn], exclude: [dc.managedOu] }, canonicalOf));
  t.truthy(await scopeRefusal(alice.dn, { include: [`OU=Gone,${dc.baseDn}`], exclude: [] }, canonicalOf));
});
