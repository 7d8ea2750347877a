import test from 'ava';
import { ResultCode } from '../../protocol/codes.js';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { agentError, assertNoSecrets, CaptureLogger, newDriver } from './ad-driver-harness.js';

// Two DCs copied from one template: the same domain and seeded users, but they do NOT replicate.
// These tests rely on the identical seed only; a write on one DC is checked on that DC.
let dc1: SambaDc;
let dc2: SambaDc;
/** Nothing listens here: outside the fixture's 127.0.0.20-99 range. */
const DEAD_URL = 'ldaps://127.0.0.19:636';

test.before(async () => {
  [dc1, dc2] = await Promise.all([startSambaDc(), startSambaDc()]);
});
test.after.always(async () => {
  await Promise.all([dc1?.destroy(), dc2?.destroy()]);
});

test.serial('a dead URL first in urls: the driver moves on to the next and works', async (t) => {
  const logger = new CaptureLogger();
  const driver = newDriver(dc1, logger, { urls: [DEAD_URL, dc1.ldapsUrl] });
  try {
    const user = await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' });
    t.is(user.dn, dc1.users.alice.dn);
    t.true(logger.lines.some((line) => line.message.includes('URL unusable') && line.meta?.url === DEAD_URL));
  } finally {
    await driver.close();
  }
});

test.serial('a DC stopped mid-run: the second DC takes over, and the first comes back into use', async (t) => {
  const logger = new CaptureLogger();
  const driver = newDriver(dc1, logger, { urls: [dc1.ldapsUrl, dc2.ldapsUrl] });
  try {
    const alice = await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' });
    await driver.resetPassword(alice, 'First#Dc1pw', { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true });
    t.is(await dc1.tryBind(dc1.users.alice.upn, 'First#Dc1pw'), null, 'applied on the first DC');

    await dc1.stop();
    const again = await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' });
    t.is(again.dn, alice.dn);
    await driver.resetPassword(again, 'Second#Dc2pw', { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true });
    t.is(await dc2.tryBind(dc2.users.alice.upn, 'Second#Dc2pw'), null, 'applied on the second DC');
    t.true(logger.lines.some((line) => line.message.includes('failover')));

    await dc2.stop();
    const down = await agentError(t, driver.resolveUser({ by: 'sAMAccountName', value: 'alice' }));
    t.is(down.code, ResultCode.DIRECTORY_UNAVAILABLE);

    await dc1.start();
    t.is((await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' })).dn, alice.dn);
    assertNoSecrets(t, [logger.text(), down.message, JSON.stringify(down.details)], ['First#Dc1pw', 'Second#Dc2pw', dc1.svcPassword]);
  } finally {
    await driver.close();
    await dc2.start();
  }
});
