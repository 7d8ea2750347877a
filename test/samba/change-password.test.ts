import test from 'ava';
import { PolicyReason, ResultCode } from '../../protocol/codes.js';
import type { Command } from '../../protocol/index.js';
import { minimumAgeApplies, minimumAgeRefusal } from '../../agent/policy/min-age.js';
import type { ActiveDirectoryDriver } from '../../agent/directory/ad/active-directory-driver.js';
import { startSambaDc, type SambaDc, type SeededUser } from '../fixtures/samba.js';
import { agentError, assertNoSecrets, newDriver, CaptureLogger } from './ad-driver-harness.js';

let dc: SambaDc;
let driver: ActiveDirectoryDriver;
let logger: CaptureLogger;
const used: string[] = [];
const messages: string[] = [];

test.before(async () => {
  dc = await startSambaDc();
  logger = new CaptureLogger();
  driver = newDriver(dc, logger);
  used.push(dc.svcPassword, ...Object.values(dc.users).map((user) => user.password));
});
test.after.always(async () => {
  await driver?.close();
  await dc?.destroy();
});

async function change(user: SeededUser, oldPassword: string, newPassword: string, with_ = driver) {
  used.push(oldPassword, newPassword);
  const resolved = await with_.resolveUser({ by: 'userPrincipalName', value: user.upn });
  return with_.changePassword(resolved, oldPassword, newPassword);
}

async function failure(t: Parameters<typeof agentError>[0], promise: Promise<unknown>) {
  const error = await agentError(t, promise);
  messages.push(error.message, JSON.stringify(error.details));
  return error;
}

test.serial('a user changes the password with the old one, and the new one binds', async (t) => {
  const outcome = await change(dc.users.dave, dc.users.dave.password, 'Brown#Bear11');
  t.is(outcome.dn, dc.users.dave.dn);
  t.is(await dc.tryBind(dc.users.dave.upn, 'Brown#Bear11'), null);
  // The old password is not checked here: Samba (like Windows for NTLM) accepts the previous one
  // for a while after a change ("old password allowed period", 60 minutes by default).
});

test.serial('a wrong old password is WRONG_PASSWORD and changes nothing', async (t) => {
  const error = await failure(t, change(dc.users.dave, 'Not#TheOld1', 'Brown#Bear99'));
  t.is(error.code, ResultCode.WRONG_PASSWORD);
  t.is(await dc.tryBind(dc.users.dave.upn, 'Brown#Bear11'), null);
});

test.serial('history is enforced on changes: a recent or the current password is PASSWORD_POLICY HISTORY', async (t) => {
  await change(dc.users.dave, 'Brown#Bear11', 'Brown#Bear22');
  const recent = await failure(t, change(dc.users.dave, 'Brown#Bear22', 'Brown#Bear11'));
  t.is(recent.code, ResultCode.PASSWORD_POLICY);
  t.is(recent.details.reason, PolicyReason.HISTORY);
  const same = await failure(t, change(dc.users.dave, 'Brown#Bear22', 'Brown#Bear22'));
  t.is(same.details.reason, PolicyReason.HISTORY);
});

test.serial('too short and not complex are refused with their reason before the directory sees them', async (t) => {
  t.is((await failure(t, change(dc.users.dave, 'Brown#Bear22', 'B#1x'))).details.reason, PolicyReason.TOO_SHORT);
  t.is((await failure(t, change(dc.users.dave, 'Brown#Bear22', 'brownbearsss'))).details.reason, PolicyReason.COMPLEXITY);
});

test.serial('a user who must change at next logon can change (the bind as that user would be refused)', async (t) => {
  const { mustChange } = dc.users;
  t.regex((await dc.tryBind(mustChange.upn, mustChange.password)) ?? '', /data 773/);
  await change(mustChange, mustChange.password, 'Fresh#Start1');
  t.is(await dc.tryBind(mustChange.upn, 'Fresh#Start1'), null);
  t.false((await driver.resolveUser({ by: 'sAMAccountName', value: mustChange.sam })).mustChangePassword);
});

test.serial('minimum age: PASSWORD_TOO_YOUNG with allowedAt, from the agent and from the directory itself', async (t) => {
  await dc.setPasswordSettings({ minAgeSeconds: 86_400 });
  try {
    // The agent's decision (the pipeline's step 10) on what the driver reports: the user's pwdLastSet and the policy's minimum age.
    const user = await driver.resolveUser({ by: 'userPrincipalName', value: dc.users.dave.upn });
    const changeCommand = { op: 'changePassword', params: {} } as unknown as Command;
    t.true(minimumAgeApplies(changeCommand, user));
    const early = minimumAgeRefusal(user, (await driver.passwordPolicy(user)).minAgeMs, new Date());
    t.is(early?.code, ResultCode.PASSWORD_TOO_YOUNG);
    t.is(early?.details.allowedAt, new Date(user.passwordLastSet!.getTime() + 86_400_000).toISOString());
    // The driver leaves the decision to the agent; Samba's own refusal maps the same way, without a time.
    const fromDc = await failure(t, change(dc.users.dave, 'Brown#Bear22', 'Brown#Bear33'));
    t.is(fromDc.code, ResultCode.PASSWORD_TOO_YOUNG);
    t.is(fromDc.details.adCode, '0000052D');
    t.is(fromDc.details.allowedAt, undefined, 'the agent cannot know when the DC will allow it');
    // An agent whose clock runs two days ahead passes its own check: the DC refuses all the same.
    const ahead = newDriver(dc, logger, {}, () => new Date(Date.now() + 2 * 86_400_000));
    try {
      t.is(minimumAgeRefusal(user, (await ahead.passwordPolicy(user)).minAgeMs, new Date(Date.now() + 2 * 86_400_000)), null);
      t.is((await failure(t, change(dc.users.dave, 'Brown#Bear22', 'Brown#Bear33', ahead))).code, ResultCode.PASSWORD_TOO_YOUNG);
    } finally {
      await ahead.close();
    }
  } finally {
    await dc.setPasswordSettings({ minAgeSeconds: 0 });
  }
});

test.serial('no password used appears in captured logs, error messages or details', (t) => {
  assertNoSecrets(t, [logger.text(), ...messages], used);
});
