import test, { type ExecutionContext } from 'ava';
import { PolicyReason, ResultCode } from '../../protocol/codes.js';
import type { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import { fileTimeToDate } from '../../agent/directory/ad/filetime.js';
import type { ResetOptions } from '../../agent/directory/driver.js';
import { startSambaDc, type SambaDc, type SeededUser } from '../fixtures/samba.js';
import { agentError, assertNoSecrets, newDriver, CaptureLogger } from './ad-driver-harness.js';

// State carries from test to test (passwords, rights): serial, one DC for the file.
let dc: SambaDc;
let driver: ActiveDirectoryDriver;
let logger: CaptureLogger;
const used: string[] = [];
const messages: string[] = [];
const DEFAULTS: ResetOptions = { forceChangeAtNextLogon: false, unlock: true, enforceHistory: true };

test.before(async () => {
  dc = await startSambaDc({ passwordSettings: { lockoutThreshold: 3 } });
  logger = new CaptureLogger();
  driver = newDriver(dc, logger);
  used.push(dc.svcPassword, dc.adminPassword, ...Object.values(dc.users).map((user) => user.password));
});
test.after.always(async () => {
  await driver?.close();
  await dc?.destroy();
});

async function reset(user: SeededUser, password: string, options: Partial<ResetOptions> = {}, with_ = driver) {
  used.push(password);
  const resolved = await with_.resolveUser({ by: 'dn', value: user.dn });
  return with_.resetPassword(resolved, password, { ...DEFAULTS, ...options });
}

async function refused(t: ExecutionContext, promise: Promise<unknown>) {
  const error = await agentError(t, promise);
  messages.push(error.message, JSON.stringify(error.details));
  return error;
}

async function pwdLastSet(user: SeededUser): Promise<string | undefined> {
  return (await dc.read(user.dn, ['pwdLastSet'])).pwdLastSet?.[0];
}

async function lockOut(user: SeededUser): Promise<void> {
  for (let i = 0; i < 3; i += 1) await dc.tryBind(user.upn, `Wrong#Guess${i}`);
}

test.serial('resets a user inside the delegated OU: the new password binds and is not born expired', async (t) => {
  const before = Date.now();
  const outcome = await reset(dc.users.alice, 'Green#Tree12');
  t.is(outcome.dn, dc.users.alice.dn);
  // Samba 4.17 supports no policy hints control: history is not enforced on resets, and says so.
  t.is(outcome.details.historyEnforced, false);
  t.is(outcome.details.mustChangePassword, false);
  t.is(outcome.details.notApplied, undefined);
  t.is(await dc.tryBind(dc.users.alice.upn, 'Green#Tree12'), null);
  const lastSet = fileTimeToDate(await pwdLastSet(dc.users.alice));
  t.true(lastSet !== null && lastSet.getTime() >= before - 5000);
});

test.serial('a user outside the delegated OU is PERMISSION_DENIED naming the Reset Password right', async (t) => {
  const error = await refused(t, reset(dc.users.bob, 'Blue#Lake345'));
  t.is(error.code, ResultCode.PERMISSION_DENIED);
  t.regex(String(error.details.missing), /Reset Password/);
  t.is(await dc.tryBind(dc.users.bob.upn, dc.users.bob.password), null);
});

test.serial('too short and not complex are PASSWORD_POLICY with a precise reason, and nothing is written', async (t) => {
  const tooShort = await refused(t, reset(dc.users.alice, 'Ab1#'));
  t.is(tooShort.code, ResultCode.PASSWORD_POLICY);
  t.is(tooShort.details.reason, PolicyReason.TOO_SHORT);
  const twoCategories = await refused(t, reset(dc.users.alice, 'onlylower123'));
  t.is(twoCategories.details.reason, PolicyReason.COMPLEXITY);
  const containsName = await refused(t, reset(dc.users.alice, 'My#Alice#Pw9'));
  t.is(containsName.details.reason, PolicyReason.COMPLEXITY);
  t.regex(containsName.message, /account name/);
  t.is(await dc.tryBind(dc.users.alice.upn, 'Green#Tree12'), null, 'the password is unchanged');
});

test.serial('history, bestEffort: a previous password is accepted and historyEnforced is false', async (t) => {
  await reset(dc.users.alice, 'Green#Tree13');
  const outcome = await reset(dc.users.alice, 'Green#Tree12');
  t.is(outcome.details.historyEnforced, false);
  t.is(await dc.tryBind(dc.users.alice.upn, 'Green#Tree12'), null);
});

test.serial('history, require: refused before writing, as PERMISSION_DENIED naming the missing DC capability', async (t) => {
  const strict = newDriver(dc, logger, { historyOnReset: 'require' });
  try {
    const error = await refused(t, reset(dc.users.alice, 'Green#Tree14', {}, strict));
    t.is(error.code, ResultCode.PERMISSION_DENIED);
    t.is(error.details.reason, 'HISTORY_NOT_ENFORCEABLE');
    t.regex(String(error.details.missing), /POLICY_HINTS/);
    t.is(await dc.tryBind(dc.users.alice.upn, 'Green#Tree12'), null, 'the password is unchanged');
    // Without enforceHistory the same driver resets, and reports nothing about history.
    const outcome = await reset(dc.users.alice, 'Green#Tree15', { enforceHistory: false }, strict);
    t.false('historyEnforced' in outcome.details);
  } finally {
    await strict.close();
  }
});

test.serial('forceChangeAtNextLogon sets pwdLastSet to 0: the user must change (bind data 773)', async (t) => {
  const outcome = await reset(dc.users.alice, 'Green#Force6', { forceChangeAtNextLogon: true });
  t.is(outcome.details.mustChangePassword, true);
  t.is(await pwdLastSet(dc.users.alice), '0');
  t.regex((await dc.tryBind(dc.users.alice.upn, 'Green#Force6')) ?? '', /data 773/);
  t.true((await driver.resolveUser({ by: 'dn', value: dc.users.alice.dn })).mustChangePassword);
  // And a later reset without it clears the flag again.
  await reset(dc.users.alice, 'Green#Tree17');
  t.not(await pwdLastSet(dc.users.alice), '0');
});

test.serial('reset with unlock clears a lockout; without unlock the account stays locked', async (t) => {
  await lockOut(dc.users.carol);
  t.regex((await dc.tryBind(dc.users.carol.upn, dc.users.carol.password)) ?? '', /data 775/);
  t.true((await driver.resolveUser({ by: 'dn', value: dc.users.carol.dn })).locked);
  const kept = await reset(dc.users.carol, 'Red#Stone22', { unlock: false });
  t.false('unlocked' in kept.details);
  t.regex((await dc.tryBind(dc.users.carol.upn, 'Red#Stone22')) ?? '', /data 775/);
  const outcome = await reset(dc.users.carol, 'Red#Stone33');
  t.is(outcome.details.unlocked, true);
  t.is(await dc.tryBind(dc.users.carol.upn, 'Red#Stone33'), null);
});

test.serial('a user whose inheritance is off (delegation does not reach it) is PERMISSION_DENIED', async (t) => {
  const error = await refused(t, reset(dc.users.noInherit, 'Gray#Cloud22'));
  t.is(error.code, ResultCode.PERMISSION_DENIED);
});

test.serial('without Write pwdLastSet the password is still set, and notApplied says pwdLastSet was not written', async (t) => {
  await dc.setDelegation({ pwdLastSet: false });
  try {
    const outcome = await reset(dc.users.dave, 'Brown#Bear22', { forceChangeAtNextLogon: true });
    const notApplied = outcome.details.notApplied as { what: string; code: string; reason: string }[];
    t.deepEqual(
      notApplied.map((entry) => [entry.what, entry.code]),
      [['pwdLastSet', ResultCode.PERMISSION_DENIED]],
    );
    t.regex(notApplied[0]!.reason, /pwdLastSet/);
    t.is(outcome.details.mustChangePassword, null);
    // The user was not forced to change: the reset itself set pwdLastSet to now.
    t.is(await dc.tryBind(dc.users.dave.upn, 'Brown#Bear22'), null);
    t.true(logger.lines.some((line) => line.message.includes('follow-up writes failed')));
  } finally {
    await dc.setDelegation({});
  }
});

test.serial('without Write lockoutTime a locked user gets the password but stays locked, reported in notApplied', async (t) => {
  await lockOut(dc.users.erin);
  await dc.setDelegation({ lockoutTime: false });
  try {
    const outcome = await reset(dc.users.erin, 'Pink#Rose223');
    const notApplied = outcome.details.notApplied as { what: string; code: string }[];
    t.deepEqual(
      notApplied.map((entry) => [entry.what, entry.code]),
      [['lockoutTime', ResultCode.PERMISSION_DENIED]],
    );
    t.regex((await dc.tryBind(dc.users.erin.upn, 'Pink#Rose223')) ?? '', /data 775/);
  } finally {
    await dc.setDelegation({});
  }
});

test.serial('without the Reset Password right nothing changes and the right is named', async (t) => {
  await dc.setDelegation({ resetPassword: false });
  try {
    const error = await refused(t, reset(dc.users.frank, 'Gold#Coin222'));
    t.is(error.code, ResultCode.PERMISSION_DENIED);
    t.regex(String(error.details.missing), /00299570-246d-11d0-a768-00aa006e0529/);
    t.is(await dc.tryBind(dc.users.frank.upn, dc.users.frank.password), null);
  } finally {
    await dc.setDelegation({});
  }
});

test.serial('Unexpire Password: the fixture grants and removes it; Samba 4.17 lets pwdLastSet=-1 through either way', async (t) => {
  const aces = async () => (await dc.sambaTool('dsacl', 'get', `--objectdn=${dc.baseDn}`)).includes(`ccc2dc7d-a6ad-4a7a-8846-c04e3cc53501;;${dc.svcSid}`);
  t.false(await aces(), 'not granted by default');
  // Samba checks this right only when setting UF_DONT_EXPIRE_PASSWD, not for pwdLastSet=-1 (Windows
  // documents it for -1): the reset is complete without it, and nothing is reported missing.
  await reset(dc.users.frank, 'Gold#Force11', { forceChangeAtNextLogon: true });
  const outcome = await reset(dc.users.frank, 'Gold#Coin333');
  t.is(outcome.details.notApplied, undefined);
  t.not(await pwdLastSet(dc.users.frank), '0');
  await dc.setDelegation({ unexpirePassword: true });
  try {
    t.true(await aces());
    const granted = await reset(dc.users.frank, 'Gold#Coin444');
    t.is(granted.details.notApplied, undefined);
  } finally {
    await dc.setDelegation({});
  }
  t.false(await aces());
});

test.serial('no password used appears in captured logs, error messages or details', (t) => {
  t.true(logger.lines.length > 0);
  assertNoSecrets(t, [logger.text(), ...messages], used);
});
