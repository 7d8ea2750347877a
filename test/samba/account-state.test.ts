import test from 'ava';
import { ResultCode } from '../../protocol/codes.js';
import { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import type { PermissionReport } from '../../agent/directory/driver.js';
import { startSambaDc, type SambaDc, type SeededUser } from '../fixtures/samba.js';
import { adConfig, agentError, assertNoSecrets, newDriver, CaptureLogger } from './ad-driver-harness.js';

let dc: SambaDc;
let driver: ActiveDirectoryDriver;
let logger: CaptureLogger;

test.before(async () => {
  dc = await startSambaDc({ passwordSettings: { lockoutThreshold: 3, minAgeSeconds: 3600 } });
  logger = new CaptureLogger();
  driver = newDriver(dc, logger);
});
test.after.always(async () => {
  await driver?.close();
  await dc?.destroy();
});

const resolve = (user: SeededUser) => driver.resolveUser({ by: 'dn', value: user.dn });
const status = (report: PermissionReport, name: string) => report.checks.find((check) => check.name === name)?.status;

test.serial('getAccountState: password times from pwdLastSet and the minimum age', async (t) => {
  const state = await driver.getAccountState(await resolve(dc.users.alice));
  t.is(state.dn, dc.users.alice.dn);
  t.true(state.exists);
  t.false(state.locked);
  t.false(state.disabled);
  t.false(state.mustChangePassword);
  t.truthy(state.passwordLastSet);
  t.is(state.passwordChangeAllowedAt?.getTime(), state.passwordLastSet!.getTime() + 3_600_000);
  const policy = await driver.passwordPolicy(await resolve(dc.users.alice));
  t.like(policy, { source: dc.baseDn, minLength: 7, complexity: true, historyLength: 3, minAgeMs: 3_600_000, lockoutThreshold: 3 });
});

test.serial('getAccountState: disabled and must-change users', async (t) => {
  t.true((await driver.getAccountState(await resolve(dc.users.disabled))).disabled);
  const must = await driver.getAccountState(await resolve(dc.users.mustChange));
  t.true(must.mustChangePassword);
  t.is(must.passwordLastSet, null);
  t.is(must.passwordChangeAllowedAt, null);
});

test.serial('a locked-out user is reported locked, unlockAccount clears it, and unlocking again is harmless', async (t) => {
  const { carol } = dc.users;
  for (let i = 0; i < 3; i += 1) await dc.tryBind(carol.upn, `Wrong#Guess${i}`);
  t.regex((await dc.tryBind(carol.upn, carol.password)) ?? '', /data 775/);
  const user = await resolve(carol);
  t.true(user.locked);
  t.true((await driver.getAccountState(user)).locked);
  const outcome = await driver.unlockAccount(user);
  t.is(outcome.dn, carol.dn);
  t.false((await driver.getAccountState(user)).locked);
  t.is(await dc.tryBind(carol.upn, carol.password), null);
  await t.notThrowsAsync(driver.unlockAccount(user));
});

test.serial('unlocking a user outside the delegated OU is PERMISSION_DENIED naming Write lockoutTime', async (t) => {
  const error = await agentError(t, driver.unlockAccount(await resolve(dc.users.bob)));
  t.is(error.code, ResultCode.PERMISSION_DENIED);
  t.regex(String(error.details.missing), /lockoutTime/);
});

test.serial('checkPermissions: OK where allowedAttributesEffective shows the rights, MISSING outside the OU, and resetPassword from the DACL', async (t) => {
  const inside = await driver.checkPermissions({ user: await resolve(dc.users.alice) });
  t.is(inside.directory, 'corp');
  for (const name of ['bind', 'tls', 'writePwdLastSet', 'writeLockoutTime', 'readPasswordPolicy']) t.is(status(inside, name), 'OK', name);
  // The Reset Password right is evaluated from the DACL now (agent/directory/ad/permissions).
  t.is(status(inside, 'resetPassword'), 'OK');
  t.is(status(inside, 'historyOnReset'), 'WARN');
  t.regex(inside.checks.find((check) => check.name === 'tls')!.detail, /expires/);
  const outside = await driver.checkPermissions({ user: await resolve(dc.users.bob) });
  t.is(status(outside, 'writePwdLastSet'), 'MISSING');
  t.is(status(outside, 'writeLockoutTime'), 'MISSING');
  t.truthy(outside.checks.find((check) => check.name === 'writePwdLastSet')!.fix);
  const sampled = await driver.checkPermissions({});
  t.is(status(sampled, 'writePwdLastSet'), 'OK');
});

test.serial('checkPermissions with a wrong bind password: bind MISSING, nothing else claimed OK', async (t) => {
  const wrong = new ActiveDirectoryDriver(adConfig(dc), { bindPassword: 'Not#ThePassword1', logger, now: () => new Date() });
  try {
    const report = await wrong.checkPermissions({});
    t.is(status(report, 'bind'), 'MISSING');
    t.false(report.checks.some((check) => check.name !== 'tls' && check.status === 'OK'));
    assertNoSecrets(t, [JSON.stringify(report), logger.text()], ['Not#ThePassword1', dc.svcPassword]);
  } finally {
    await wrong.close();
  }
});

test.serial('passwordAlreadyApplied: a disabled account answers 533 only to the right password, so that counts as applied', async (t) => {
  const user = await resolve(dc.users.disabled);
  t.true(await driver.passwordAlreadyApplied(user, dc.users.disabled.password, new Date(0)));
  t.false(await driver.passwordAlreadyApplied(user, 'Wrong#Guess99', new Date(0)));
});

test.serial('a fine-grained policy (PSO): read when the agent may, else the refusal of the DC still gives the reason', async (t) => {
  await dc.sambaTool('domain', 'passwordsettings', 'pso', 'create', 'strict', '1', '--min-pwd-length=12', '--complexity=on', '--history-length=3', '--min-pwd-age=0', '--max-pwd-age=0');
  await dc.sambaTool('domain', 'passwordsettings', 'pso', 'apply', 'strict', dc.users.erin.sam);
  const erin = await resolve(dc.users.erin);
  // svc-writeback sees msDS-ResultantPSO but not the PSO's attributes: the domain policy is what it can know.
  t.is((await driver.passwordPolicy(erin)).source, dc.baseDn);
  const fromDc = await agentError(t, driver.resetPassword(erin, 'Pink#Rose22', { forceChangeAtNextLogon: false, unlock: true, enforceHistory: false }));
  t.is(fromDc.code, ResultCode.PASSWORD_POLICY);
  t.is(fromDc.details.reason, 'TOO_SHORT');
  t.is(fromDc.details.adCode, '0000052D');
  // Bound as an account that may read the PSO, the agent applies it itself.
  const admin = new ActiveDirectoryDriver({ ...adConfig(dc), bindDn: dc.adminDn }, { bindPassword: dc.adminPassword, logger, now: () => new Date() });
  try {
    const policy = await admin.passwordPolicy(erin);
    t.regex(policy.source, /^CN=strict,CN=Password Settings Container/);
    t.is(policy.minLength, 12);
    t.is(policy.maxAgeMs, 0);
    const precheck = await agentError(t, admin.resetPassword(erin, 'Pink#Rose22', { forceChangeAtNextLogon: false, unlock: true, enforceHistory: false }));
    t.is(precheck.details.reason, 'TOO_SHORT');
    t.is(precheck.details.adCode, undefined, 'refused by the agent before writing');
  } finally {
    await admin.close();
  }
});

test.serial('passwordAlreadyApplied: true for the password set since then (also when it must be changed), false otherwise', async (t) => {
  const user = await resolve(dc.users.frank);
  const since = new Date(Date.now() - 2000);
  await driver.resetPassword(user, 'Gold#Coin111', { forceChangeAtNextLogon: false, unlock: true, enforceHistory: false });
  t.true(await driver.passwordAlreadyApplied(user, 'Gold#Coin111', since));
  t.false(await driver.passwordAlreadyApplied(user, 'Gold#Other11', since));
  t.false(await driver.passwordAlreadyApplied(user, 'Gold#Coin111', new Date(Date.now() + 60_000)), 'set before `since`');
  await driver.resetPassword(user, 'Gold#Coin222', { forceChangeAtNextLogon: true, unlock: true, enforceHistory: false });
  t.true(await driver.passwordAlreadyApplied(user, 'Gold#Coin222', since), 'must change: bind answers 773');
  assertNoSecrets(t, [logger.text()], ['Gold#Coin111', 'Gold#Other11', 'Gold#Coin222', dc.svcPassword]);
});
