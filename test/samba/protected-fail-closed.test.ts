import test from 'ava';
import type { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
const AdGuid = { tokenGroups: 'b7c69e6d-2cc7-11d2-854e-00a0c983f608', primaryGroupID: 'bf967a00-0de6-11d0-a285-00aa003049e2' };
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { CaptureLogger, newDriver } from './ad-driver-harness.js';

// Issue 24, item 1: what decides a protected account must be read, or the account counts as protected.
let dc: SambaDc;
let driver: ActiveDirectoryDriver;

/** An explicit deny of Read Property on one attribute of one user, for svc-writeback (AD then omits the attribute, without an error). */
async function denyRead(userDn: string, attributeGuid: string): Promise<void> {
  await dc.sambaTool('dsacl', 'set', `--objectdn=${userDn}`, `--sddl=(OD;;RP;${attributeGuid};;${dc.svcSid})`);
}

test.before(async () => {
  dc = await startSambaDc();
  // carol: in a privileged group, but the agent may not read her tokenGroups.
  await dc.sambaTool('group', 'addmembers', 'Print Operators', 'carol');
  await denyRead(dc.users.carol.dn, AdGuid.tokenGroups);
  // erin: the agent may not read her primaryGroupID.
  await denyRead(dc.users.erin.dn, AdGuid.primaryGroupID);
  await dc.sambaTool('group', 'addmembers', 'Group Policy Creator Owners', 'frank');
  await dc.sambaTool('user', 'create', 'krbtgt_4242', 'Krbtgt#Pass1', '--userou=OU=Managed');
  await dc.sambaTool('user', 'create', 'trusty', 'Trusty#Pass1', '--userou=OU=Managed');
  // An interdomain trust account as AD stores one (INTERDOMAIN_TRUST_ACCOUNT | PASSWD_NOTREQD).
  await dc.setAttribute(`CN=trusty,OU=Managed,${dc.baseDn}`, 'userAccountControl', '2080');
  driver = newDriver(dc, new CaptureLogger());
});
test.after.always(async () => {
  await driver?.close();
  await dc?.destroy();
});

async function reasonOf(sam: string): Promise<string | null> {
  return (await driver.resolveUser({ by: 'sAMAccountName', value: sam })).protectedReason;
}

test('withheld tokenGroups make the account protected (the directory omits the attribute without an error)', async (t) => {
  t.regex((await reasonOf('carol')) ?? '', /tokenGroups not readable/);
  t.is(await reasonOf('alice'), null);
});

test('a withheld primaryGroupID makes the account protected', async (t) => {
  t.regex((await reasonOf('erin')) ?? '', /primaryGroupID not readable/);
});

test("the agent's own bind account, krbtgt accounts and trust accounts are protected", async (t) => {
  t.regex((await reasonOf('svc-writeback')) ?? '', /agent's own bind account/);
  // krbtgt has adminCount=1 as well; either reason protects it.
  t.regex((await reasonOf('krbtgt')) ?? '', /krbtgt|adminCount/);
  t.regex((await reasonOf('krbtgt_4242')) ?? '', /krbtgt/);
  t.regex((await reasonOf('trusty')) ?? '', /trust account/);
});

test('Group Policy Creator Owners is a privileged group', async (t) => {
  t.regex((await reasonOf('frank')) ?? '', /Group Policy Creator Owners/);
});

test('check-permissions: readProtectionAttributes is required and names the fix with KB 331951', async (t) => {
  const carol = await driver.resolveUser({ by: 'sAMAccountName', value: 'carol' });
  const report = await driver.checkPermissions({ user: carol });
  const check = report.checks.find((c) => c.name === 'readProtectionAttributes');
  t.truthy(check, report.checks.map((c) => c.name).join(', '));
  t.is(check?.status, 'MISSING');
  t.true(check?.required);
  t.regex(check?.detail ?? '', /tokenGroups/);
  t.regex(check?.fix ?? '', /samba-tool dsacl set .*RP;b7c69e6d-2cc7-11d2-854e-00a0c983f608/);
  t.regex(check?.fix ?? '', /KB 331951/);
  t.regex(check?.fix ?? '', /Windows Authorization Access/);

  const alice = await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' });
  const ok = (await driver.checkPermissions({ user: alice })).checks.find((c) => c.name === 'readProtectionAttributes');
  t.is(ok?.status, 'OK', ok?.detail);
});
