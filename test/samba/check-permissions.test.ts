import test, { type ExecutionContext } from 'ava';
import type { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import type { PermissionCheck, PermissionReport } from '../../agent/directory/driver.js';
import { Attribute, Change } from 'ldapts';
import { SdFlagsControl } from '../../agent/directory/ad/controls.js';
import { AdGuid } from '../../ldap-constants/ad-guids.js';
import { parseSecurityDescriptor } from '../../agent/directory/ad/permissions/security-descriptor.js';
import { WellKnownSid } from '../../agent/directory/ad/permissions/well-known-sid.js';
// Tests may use directory-sim's encoder (the agent itself has none and must not import the sim).
import { encodeSecurityDescriptor } from '../../directory-sim/ad/encode-security-descriptor.js';
import { startSambaDc, type Delegation, type SambaDc } from '../fixtures/samba.js';
import { CaptureLogger, assertNoSecrets, newDriver } from './ad-driver-harness.js';

// Rights change from test to test: serial, one DC for the file.
let dc: SambaDc;
let driver: ActiveDirectoryDriver;
const FULL: Delegation = { resetPassword: true, pwdLastSet: true, lockoutTime: true, unexpirePassword: true };
const REQUIRED_OK = ['bind', 'tls', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy', 'readUserAttributes', 'agentToken'];
/** Which check each of the fixture's rights turns MISSING. */
const CHECK_OF: Record<keyof Delegation, string> = { resetPassword: 'resetPassword', pwdLastSet: 'writePwdLastSet', lockoutTime: 'writeLockoutTime', unexpirePassword: 'unexpirePassword' };
const RIGHT_CHECKS = Object.values(CHECK_OF);

/**
 * Samba provisions the domain root with (OA;;CR;<Unexpire Password>;;AU): every authenticated
 * user holds the right, so taking svc-writeback's own grant away would change nothing. This DC
 * drops that ACE (as Administrator, over LDAP) so the right depends on the delegation alone.
 */
async function dropUnexpireForAuthenticatedUsers(): Promise<void> {
  const admin = await dc.adminClient();
  try {
    const daclOnly = new SdFlagsControl(4);
    const { searchEntries } = await admin.search(dc.baseDn, { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] }, daclOnly);
    const sd = parseSecurityDescriptor(searchEntries[0]!.nTSecurityDescriptor as Buffer);
    const kept = sd.dacl!.aces.filter((ace) => !(ace.sid === WellKnownSid.authenticatedUsers && ace.objectType === AdGuid.unexpirePassword));
    if (kept.length === sd.dacl!.aces.length) throw new Error('the domain root has no Unexpire Password ACE for Authenticated Users any more: revisit this test');
    const aces = kept.map((ace) => ({
      allow: ace.kind === 'allow',
      mask: ace.mask,
      flags: ace.flags,
      sid: ace.sid,
      ...(ace.objectType === null ? {} : { objectType: ace.objectType }),
      ...(ace.inheritedObjectType === null ? {} : { inheritedObjectType: ace.inheritedObjectType }),
    }));
    const bytes = encodeSecurityDescriptor({ owner: '', group: '', dacl: aces, protected: false }, 4);
    await admin.modify(dc.baseDn, new Change({ operation: 'replace', modification: new Attribute({ type: 'nTSecurityDescriptor', values: [bytes] }) }), daclOnly);
  } finally {
    await admin.unbind();
  }
}

test.before(async () => {
  dc = await startSambaDc({ delegation: FULL });
  await dropUnexpireForAuthenticatedUsers();
  driver = newDriver(dc, new CaptureLogger());
});
test.after.always(async () => {
  await driver?.close();
  await dc?.destroy();
});

function check(report: PermissionReport, name: string): PermissionCheck {
  const found = report.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check ${name} in ${report.checks.map((c) => c.name).join(', ')}`);
  return found;
}

function show(t: ExecutionContext, report: PermissionReport): void {
  t.log(report.checks.map((c) => `${c.status} ${c.name}: ${c.detail}${c.fix ? `\n    fix: ${c.fix}` : ''}`).join('\n'));
}

/** The words of a POSIX shell command line with single quotes and backslashes (all the fixes use). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === '\\') {
      word += line[i + 1] ?? '';
      i += 1;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

async function stamps(): Promise<string[]> {
  const dns = [dc.managedOu, dc.baseDn, ...Object.values(dc.users).map((u) => u.dn)];
  return Promise.all(dns.map(async (dn) => (await dc.read(dn, ['uSNChanged'])).uSNChanged?.[0] ?? ''));
}

test.serial('full delegation: every required check and every right is OK, and nothing in the directory changed', async (t) => {
  const before = await stamps();
  const report = await driver.checkPermissions({});
  show(t, report);
  t.is(report.directory, 'corp');
  for (const name of [...REQUIRED_OK, ...RIGHT_CHECKS]) t.is(check(report, name).status, 'OK', name);
  t.regex(check(report, 'bind').detail, /Samba/);
  t.regex(check(report, 'tls').detail, /verified, expires \d{4}-\d\d-\d\d \(\d+ days\)/);
  t.regex(check(report, 'resetPassword').detail, /inherited|OU/);
  t.regex(check(report, 'writePwdLastSet').detail, /allowedAttributesEffective agrees/);
  // Samba 4.17 has no policy hints control: history is not enforced on resets, said as a WARN.
  t.is(check(report, 'historyOnReset').status, 'WARN');
  t.regex(check(report, 'minimumPasswordAge').detail, /minimum password age|no minimum/);
  t.deepEqual(await stamps(), before);
});

for (const right of Object.keys(CHECK_OF) as (keyof Delegation)[]) {
  test.serial(`without ${right}: exactly ${CHECK_OF[right]} is MISSING, and its samba-tool fix makes it OK`, async (t) => {
    await dc.setDelegation({ ...FULL, [right]: false });
    t.teardown(() => dc.setDelegation(FULL));
    const report = await driver.checkPermissions({});
    show(t, report);
    const missing = check(report, CHECK_OF[right]);
    t.is(missing.status, 'MISSING');
    for (const other of RIGHT_CHECKS.filter((name) => name !== CHECK_OF[right])) t.is(check(report, other).status, 'OK', other);
    t.truthy(missing.fix);
    const lines = missing.fix!.split('\n');
    t.is(lines.length, 1);
    t.true(lines[0]!.startsWith('samba-tool dsacl set '), lines[0]);
    t.true(lines[0]!.includes(dc.svcSid));
    const [, ...args] = shellWords(lines[0]!);
    await dc.sambaTool(...args);
    const after = await driver.checkPermissions({});
    t.is(check(after, CHECK_OF[right]).status, 'OK', check(after, CHECK_OF[right]).detail);
  });
}

test.serial('users whose resets fail anyway: adminCount=1, inheritance disabled and disabled, with counts and DNs', async (t) => {
  const report = await driver.checkPermissions({});
  const failing = check(report, 'usersThatWillFail');
  t.is(failing.status, 'WARN');
  t.false(failing.required);
  t.regex(failing.detail, /adminCount=1[^:]*: 1 \(CN=padmin,OU=Managed,DC=test,DC=local\)/);
  t.regex(failing.detail, /inheritance disabled[^:]*: 1 \(CN=noinherit,OU=Managed,DC=test,DC=local\)/);
  t.regex(failing.detail, /account disabled[^:]*: 1 \(CN=disabled,OU=Managed,DC=test,DC=local\)/);
  // The protected users do not make the OU's rights look partial.
  t.is(check(report, 'resetPassword').status, 'OK');
});

test.serial('--user: an ordinary user is OK; the user with inheritance disabled lacks every right, with the reason', async (t) => {
  const alice = await driver.checkPermissions({ user: await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' }) });
  for (const name of ['resetPassword', 'writePwdLastSet', 'writeLockoutTime']) t.is(check(alice, name).status, 'OK', name);
  t.is(check(alice, 'targetUser').status, 'OK');
  t.false(alice.checks.some((c) => c.name === 'usersThatWillFail'));
  const noinherit = await driver.checkPermissions({ user: await driver.resolveUser({ by: 'sAMAccountName', value: 'noinherit' }) });
  show(t, noinherit);
  t.is(check(noinherit, 'resetPassword').status, 'MISSING');
  t.is(check(noinherit, 'targetUser').status, 'WARN');
  t.regex(check(noinherit, 'targetUser').detail, /inheritance disabled/);
  const padmin = await driver.checkPermissions({ user: await driver.resolveUser({ by: 'sAMAccountName', value: 'padmin' }) });
  t.regex(check(padmin, 'targetUser').detail, /adminCount=1/);
});

test.serial("an explicit deny on one user beats the OU's inherited allow: resetPassword is a WARN naming that user", async (t) => {
  const carol = dc.users.carol;
  await dc.sambaTool('dsacl', 'set', `--objectdn=${carol.dn}`, `--sddl=(OD;;CR;00299570-246d-11d0-a768-00aa006e0529;;${dc.svcSid})`);
  // samba-tool 4.17 cannot delete an ACE: the deny stays, so this test runs after those that expect a clean OU.
  const report = await driver.checkPermissions({});
  const reset = check(report, 'resetPassword');
  t.is(reset.status, 'WARN');
  t.true(reset.detail.includes(carol.dn));
  const one = await driver.checkPermissions({ user: await driver.resolveUser({ by: 'dn', value: carol.dn }) });
  t.is(check(one, 'resetPassword').status, 'MISSING');
  t.regex(check(one, 'resetPassword').detail, /denied by an explicit deny ACE for the agent's account/);
});

test.serial('a wrong bind password: bind is MISSING, nothing else is claimed, and the password is nowhere', async (t) => {
  const logger = new CaptureLogger();
  const { ActiveDirectoryDriver } = await import('../../agent/directory/ad/active-directory-driver.js');
  const { adConfig } = await import('./ad-driver-harness.js');
  const wrong = new ActiveDirectoryDriver(adConfig(dc), { bindPassword: 'Wrong#Bind#Pass9', logger, now: () => new Date() });
  t.teardown(() => wrong.close());
  const report = await wrong.checkPermissions({});
  t.deepEqual(
    report.checks.map((c) => [c.name, c.status]),
    [['bind', 'MISSING']],
  );
  assertNoSecrets(t, [JSON.stringify(report), ...logger.lines.map((l) => JSON.stringify(l))], ['Wrong#Bind#Pass9', dc.svcPassword]);
});
