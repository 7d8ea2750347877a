import test, { type ExecutionContext } from 'ava';
import { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import { grantSddl } from '../../agent/directory/ad/permissions/permission-fixes.js';
import { AdGuid } from '../../ldap-constants/ad-guids.js';
import type { PermissionCheck, PermissionReport } from '../../agent/directory/driver.js';
import { agentDirectoryConfig } from '../helpers/directory-config.js';
import { parseSddlAce } from '../../directory-sim/ad/sddl.js';
import { SeededAccount } from '../../directory-sim/seed/seeded-domain.js';
import type { DirectorySim } from '../../directory-sim/start-directory-sim.js';
import { CaptureLogger } from '../openldap/helpers/capture-logger.js';
import { dnOf, startSim } from './helpers/with-sim.js';

/** The AD permission suite against directory-sim in Windows mode (policy hints supported). */

const DOMAIN_SID = 'S-1-5-21-1004336348-1177238915-682003330';
const SVC_SID = `${DOMAIN_SID}-${SeededAccount.svcWriteback.rid}`;
/** Each right, the check it shows in, where it is held and its GUID. */
const RIGHTS = [
  { check: 'resetPassword', guid: AdGuid.resetPassword, on: 'ou', dsacls: 'CA;Reset Password;user' },
  { check: 'writePwdLastSet', guid: AdGuid.pwdLastSet, on: 'ou', dsacls: 'RPWP;pwdLastSet;user' },
  { check: 'writeLockoutTime', guid: AdGuid.lockoutTime, on: 'ou', dsacls: 'RPWP;lockoutTime;user' },
  { check: 'unexpirePassword', guid: AdGuid.unexpirePassword, on: 'root', dsacls: 'CA;Unexpire Password' },
] as const;

interface Setup {
  sim: DirectorySim;
  driver: ActiveDirectoryDriver;
  staff: string;
}

async function setup(t: ExecutionContext, overrides: Parameters<typeof agentDirectoryConfig>[1] = {}): Promise<Setup> {
  const sim = await startSim({ mode: 'windows', defaultSeed: { grantUnexpirePassword: true } });
  t.teardown(() => sim.stop());
  const staff = `OU=Staff,${sim.baseDn}`;
  const config = agentDirectoryConfig(sim, { scope: { include: [staff], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] }, ...overrides });
  const driver = new ActiveDirectoryDriver(config, { bindPassword: SeededAccount.svcWriteback.password, logger: new CaptureLogger(), now: () => new Date() });
  t.teardown(() => driver.close());
  return { sim, driver, staff };
}

function check(report: PermissionReport, name: string): PermissionCheck {
  const found = report.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check ${name} in ${report.checks.map((c) => c.name).join(', ')}`);
  return found;
}

test('full delegation: every required check and right is OK; history on resets is OK (policy hints)', async (t) => {
  const { driver, sim } = await setup(t);
  const writesBefore = sim.opLog.all().filter((op) => op.operation !== 'bind').length;
  const report = await driver.checkPermissions({});
  t.log(report.checks.map((c) => `${c.status} ${c.name}: ${c.detail}`).join('\n'));
  for (const name of ['bind', 'agentToken', 'resetPassword', 'writePwdLastSet', 'writeLockoutTime', 'unexpirePassword', 'readPasswordPolicy', 'readUserAttributes', 'historyOnReset']) {
    t.is(check(report, name).status, 'OK', `${name}: ${check(report, name).detail}`);
  }
  t.regex(check(report, 'bind').detail, /Windows/);
  // directory-sim's test certificate lives two days: verified, but a WARN with its days to expiry.
  const tls = check(report, 'tls');
  t.is(tls.status, 'WARN');
  t.regex(tls.detail, /verified, expires \d{4}-\d\d-\d\d \([01] days?\)/);
  t.regex(tls.fix ?? '', /renew/);
  t.regex(check(report, 'minimumPasswordAge').detail, /minimum password age 1 day in force/);
  t.regex(check(report, 'writeLockoutTime').detail, /allowedAttributesEffective agrees/);
  t.is(sim.opLog.all().filter((op) => op.operation !== 'bind').length, writesBefore, 'the check wrote nothing');
});

for (const right of RIGHTS) {
  test(`without ${right.check}: exactly that check is MISSING, with a dsacls fix that makes it OK`, async (t) => {
    const { driver, sim, staff } = await setup(t);
    const holder = sim.store.get(right.on === 'ou' ? staff : sim.baseDn)!;
    const before = holder.security.dacl.length;
    holder.security.dacl = holder.security.dacl.filter((ace) => !(ace.sid === SVC_SID && ace.objectType === right.guid));
    t.is(holder.security.dacl.length, before - 1);
    const report = await driver.checkPermissions({});
    const missing = check(report, right.check);
    t.is(missing.status, 'MISSING', missing.detail);
    for (const other of RIGHTS.filter((r) => r !== right)) t.is(check(report, other.check).status, 'OK', other.check);
    const target = right.on === 'ou' ? staff : sim.baseDn;
    t.true(missing.fix?.startsWith(`dsacls "${target}" ${right.on === 'ou' ? '/I:S ' : ''}/G "svc-writeback@sim.test:${right.dsacls}"`), missing.fix);
    // What the dsacls command does, applied to the simulated DC's store.
    const name = right.check;
    holder.security.dacl.push(parseSddlAce(grantSddl(name, { sid: SVC_SID, principal: 'unused' }), DOMAIN_SID));
    t.is(check(await driver.checkPermissions({}), right.check).status, 'OK');
  });
}

test('users that will fail anyway: the protected pat.admin and the disabled carol; Sales below the OU is covered', async (t) => {
  const { driver, sim } = await setup(t);
  const report = await driver.checkPermissions({});
  const failing = check(report, 'usersThatWillFail');
  t.is(failing.status, 'WARN');
  t.true(failing.detail.includes(`adminCount=1 (AdminSDHolder protects it; the agent refuses protected accounts): 1 (${dnOf(sim, 'patAdmin')})`), failing.detail);
  t.true(failing.detail.includes(`inheritance disabled (the OU's delegation does not reach it): 1 (${dnOf(sim, 'patAdmin')})`));
  t.true(failing.detail.includes(`account disabled (a reset succeeds but the user cannot sign in): 1 (${dnOf(sim, 'carol')})`));
  t.regex(failing.fix ?? '', new RegExp(`dsacls "${dnOf(sim, 'patAdmin')}" /P:N`));
  t.regex(check(report, 'resetPassword').detail, /6 of 6 users checked there have it/);
});

test('a scope the delegation does not reach: every right MISSING with a fix for that OU', async (t) => {
  const { driver, sim } = await setup(t, { scope: { include: [`OU=Contractors,DC=sim,DC=test`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } });
  const report = await driver.checkPermissions({});
  for (const name of ['resetPassword', 'writePwdLastSet', 'writeLockoutTime']) {
    t.is(check(report, name).status, 'MISSING', name);
    t.true(check(report, name).fix?.includes(`"OU=Contractors,${sim.baseDn}"`));
  }
});

test('--user: mallory outside the delegation is MISSING; alice is OK; pat.admin is flagged', async (t) => {
  const { driver } = await setup(t);
  const mallory = await driver.checkPermissions({ user: await driver.resolveUser({ by: 'sAMAccountName', value: 'mallory' }) });
  t.is(check(mallory, 'resetPassword').status, 'MISSING');
  const alice = await driver.checkPermissions({ user: await driver.resolveUser({ by: 'sAMAccountName', value: 'alice' }) });
  t.is(check(alice, 'resetPassword').status, 'OK');
  t.is(check(alice, 'targetUser').status, 'OK');
  const pat = await driver.checkPermissions({ user: await driver.resolveUser({ by: 'sAMAccountName', value: 'pat.admin' }) });
  t.is(check(pat, 'targetUser').status, 'WARN');
  t.regex(check(pat, 'targetUser').detail, /adminCount=1/);
  t.is(check(pat, 'resetPassword').status, 'MISSING');
});

test('samba mode: history on resets is a WARN, and the fixes are samba-tool commands', async (t) => {
  const sim = await startSim({ mode: 'samba' });
  t.teardown(() => sim.stop());
  const staff = `OU=Staff,${sim.baseDn}`;
  sim.store.get(staff)!.security.dacl = [];
  const driver = new ActiveDirectoryDriver(agentDirectoryConfig(sim, { scope: { include: [staff], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } }), {
    bindPassword: SeededAccount.svcWriteback.password,
    logger: new CaptureLogger(),
    now: () => new Date(),
  });
  t.teardown(() => driver.close());
  const report = await driver.checkPermissions({});
  t.is(check(report, 'historyOnReset').status, 'WARN');
  t.regex(check(report, 'resetPassword').fix ?? '', /^samba-tool dsacl set --objectdn='OU=Staff,DC=sim,DC=test' --sddl='\(OA;CIIO;CR;00299570-/);
});

test('a scope.include that does not exist: the rights are MISSING, naming the typo, without a grant command', async (t) => {
  const { driver, sim } = await setup(t, { scope: { include: [`OU=Staf,DC=sim,DC=test`], exclude: [], refuseProtectedAccounts: true, protectedGroups: [] } });
  const report = await driver.checkPermissions({});
  const reset = check(report, 'resetPassword');
  t.is(reset.status, 'MISSING');
  t.regex(reset.detail, new RegExp(`OU=Staf,${sim.baseDn} does not exist: fix scope.include`));
  t.is(reset.fix, undefined);
});
