import test from 'ava';
import { ResultCode } from '../../protocol/codes.js';
import type { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { agentError, CaptureLogger, newDriver } from './ad-driver-harness.js';

let dc: SambaDc;
let driver: ActiveDirectoryDriver;
test.before(async () => {
  dc = await startSambaDc();
  driver = newDriver(dc, new CaptureLogger());
});
test.after.always(async () => {
  await driver?.close();
  await dc?.destroy();
});

test('resolves a user by userPrincipalName, sAMAccountName, mail and DN to the same entry', async (t) => {
  const { alice } = dc.users;
  const byUpn = await driver.resolveUser({ by: 'userPrincipalName', value: alice.upn });
  t.is(byUpn.dn, alice.dn);
  t.is((await driver.resolveUser({ by: 'sAMAccountName', value: 'ALICE' })).dn, alice.dn);
  t.is((await driver.resolveUser({ by: 'mail', value: alice.mail! })).dn, alice.dn);
  t.is((await driver.resolveUser({ by: 'dn', value: alice.dn.toLowerCase() })).dn, alice.dn);
  t.false(byUpn.disabled);
  t.false(byUpn.locked);
  t.false(byUpn.mustChangePassword);
  t.truthy(byUpn.passwordLastSet);
  t.is(byUpn.protectedReason, null);
});

test('returns objectGUID in canonical form and resolves by it', async (t) => {
  const alice = await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' });
  t.regex(alice.uuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  // samba-tool prints the same canonical form.
  const shown = await dc.sambaTool('user', 'show', 'alice', '--attributes=objectGUID');
  t.true(shown.includes(`objectGUID: ${alice.uuid}`));
  t.is((await driver.resolveUser({ by: 'objectGUID', value: alice.uuid!.toUpperCase() })).dn, dc.users.alice.dn);
  const unknown = await agentError(t, driver.resolveUser({ by: 'objectGUID', value: '00000000-0000-0000-0000-000000000001' }));
  t.is(unknown.code, ResultCode.USER_NOT_FOUND);
});

test('uid and entryUUID are OpenLDAP lookups: USER_NOT_FOUND with a reason', async (t) => {
  for (const by of ['uid', 'entryUUID'] as const) {
    const error = await agentError(t, driver.resolveUser({ by, value: 'alice' }));
    t.is(error.code, ResultCode.USER_NOT_FOUND);
    t.is(error.details.reason, 'UNSUPPORTED_TARGET_KIND');
  }
});

test('several matches are AMBIGUOUS_USER', async (t) => {
  const error = await agentError(t, driver.resolveUser({ by: 'mail', value: 'shared@test.local' }));
  t.is(error.code, ResultCode.AMBIGUOUS_USER);
});

test('hostile target values resolve to USER_NOT_FOUND, never to another user', async (t) => {
  const hostile = ['*', '*)(sAMAccountName=*', 'alice)(|(sAMAccountName=*', 'a\\2a', 'ali*', '\\', 'alice\u0000', '\u0000', 'alice\n', ')', 'x'.repeat(5000), 'a'.repeat(1024)];
  for (const by of ['sAMAccountName', 'userPrincipalName', 'mail'] as const) {
    for (const value of hostile) {
      const error = await agentError(t, driver.resolveUser({ by, value }));
      t.is(error.code, ResultCode.USER_NOT_FOUND, `${by}=${JSON.stringify(value.slice(0, 40))}`);
    }
  }
  for (const value of [
    '*',
    'CN=*,OU=Managed,DC=test,DC=local',
    'CN=alice,OU=Managed,DC=test,DC=local)(cn=*',
    `CN=alice,OU=Managed,DC=evil`,
    'not a dn',
    `CN=alice\\2a,OU=Managed,DC=test,DC=local`,
    'CN=alice\\00,OU=Managed,DC=test,DC=local',
  ]) {
    const error = await agentError(t, driver.resolveUser({ by: 'dn', value }));
    t.is(error.code, ResultCode.USER_NOT_FOUND, `dn=${value}`);
  }
});

test('a DN outside baseDn is not looked up', async (t) => {
  const error = await agentError(t, driver.resolveUser({ by: 'dn', value: 'CN=Administrator,CN=Users,DC=other,DC=local' }));
  t.is(error.code, ResultCode.USER_NOT_FOUND);
  t.is(error.details.reason, 'OUTSIDE_BASE_DN');
});

test('reports disabled and must-change users', async (t) => {
  t.true((await driver.resolveUser({ by: 'sAMAccountName', value: 'disabled' })).disabled);
  const must = await driver.resolveUser({ by: 'sAMAccountName', value: 'mustchange' });
  t.true(must.mustChangePassword);
  t.is(must.passwordLastSet, null);
});

test('detects protected accounts: adminCount, built-in Administrator, nested privileged group by SID, configured group', async (t) => {
  t.regex((await driver.resolveUser({ by: 'sAMAccountName', value: 'padmin' })).protectedReason ?? '', /adminCount=1/);
  t.regex((await driver.resolveUser({ by: 'sAMAccountName', value: 'Administrator' })).protectedReason ?? '', /adminCount=1|Administrator/);
  // nestedop is in "Operators Proxy", a global group nested into the built-in Account Operators.
  t.regex((await driver.resolveUser({ by: 'sAMAccountName', value: 'nestedop' })).protectedReason ?? '', /Account Operators/);
  t.regex((await driver.resolveUser({ by: 'sAMAccountName', value: 'helpdesk' })).protectedReason ?? '', /configured protected group/);
  t.is((await driver.resolveUser({ by: 'sAMAccountName', value: 'bob' })).protectedReason, null);
});
