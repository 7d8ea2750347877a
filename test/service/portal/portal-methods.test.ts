import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Result } from '../../../protocol/index.js';
import { defaultConfig, parseConfig } from '../../../service/config/service-config.js';
import { openMigrated, type ServiceDb } from '../../../service/db/open-database.js';
import type { ServiceLogger } from '../../../service/logger.js';
import { directoryContact } from '../../../service/portal/contact-lookup.js';
import { Mailer } from '../../../service/portal/mailer.js';
import { helpdeskAddress, Notifications } from '../../../service/portal/notifications.js';
import { MAX_CODE_ATTEMPTS, newCode, OneTimeCodes } from '../../../service/portal/one-time-codes.js';
import { PortalKey } from '../../../service/portal/portal-key.js';
import { portalDb } from '../../../service/portal/portal-tables.js';
import { RateLimits } from '../../../service/portal/rate-limits.js';
import { Registrations } from '../../../service/portal/registrations.js';
import { outcomeOf, signInRefusal } from '../../../service/portal/result-words.js';
import { SmsSender } from '../../../service/portal/sms-sender.js';
import { checkTotp, newTotpSecret, totpEnrolment } from '../../../service/portal/totp.js';
import { SmsReceiver } from '../../helpers/sms-receiver.js';
import { SmtpInbox } from '../../helpers/smtp-inbox.js';

// The portal's methods on real parts: SQLite, an SMTP server and an HTTP receiver on 127.0.0.1.

let dir: string;
let store: ServiceDb;
let clock = new Date('2026-12-04T10:00:00.000Z');
const now = () => clock;
const silent: ServiceLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wb-portal-'));
  store = await openMigrated({ url: null, sqliteFile: join(dir, 'service.db') });
});

test.after.always(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

function result(code: Result['code'], details: Record<string, unknown> = {}): Result {
  return { commandId: 'c1', agentId: 'a1', status: code === 'OK' ? 'succeeded' : 'failed', code, message: code, details, completedAt: clock.toISOString() };
}

test.serial('a code is stored keyed-hashed, works once, and not after it expires or after too many wrong tries', async (t) => {
  const key = PortalKey.load(null, dir);
  t.regex(await readFile(join(dir, 'portal.key'), 'utf8'), /^[A-Za-z0-9_-]{43}$/);
  const codes = new OneTimeCodes(portalDb(store.db), key, now);
  const code = newCode();
  t.regex(code, /^\d{6}$/);
  await codes.issue('s1', 'email', code, 600);
  const rows = await portalDb(store.db).selectFrom('portal_challenges').selectAll().execute();
  t.false(JSON.stringify(rows).includes(code));
  t.false(await codes.redeem('s2', 'email', code), 'bound to its session');
  t.false(await codes.redeem('s1', 'sms', code), 'bound to its purpose');
  t.true(await codes.redeem('s1', 'email', code));
  t.false(await codes.redeem('s1', 'email', code), 'single use');

  await codes.issue('s1', 'email', '123456', 600);
  clock = new Date(clock.getTime() + 601_000);
  t.false(await codes.redeem('s1', 'email', '123456'), 'expired');

  await codes.issue('s1', 'sms', '654321', 600);
  for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) t.false(await codes.redeem('s1', 'sms', '000000'));
  t.false(await codes.redeem('s1', 'sms', '654321'), 'spent by wrong tries');
  t.false(await codes.redeem('nobody', 'email', '123456'), 'no challenge at all');
});

test.serial('e-mail goes over real SMTP (nodemailer to smtp-server) and arrives readable', async (t) => {
  const inbox = await SmtpInbox.start();
  try {
    const config = defaultConfig();
    const mailer = new Mailer({ ...config.smtp, host: '127.0.0.1', port: inbox.port, security: 'none', from: 'portal@corp.example' }, dir);
    await mailer.send({ to: 'alice@corp.example', subject: 'Your password reset code', text: 'Your code is 123456 and a link https://x.example/link?t=a=b' });
    mailer.close();
    const mail = await inbox.waitFor('alice@corp.example', /reset code/);
    t.is(mail.from, 'portal@corp.example');
    t.regex(mail.text, /Your code is 123456/);
    t.regex(mail.text, /link\?t=a=b/);
  } finally {
    await inbox.stop();
  }
});

test.serial('SMS goes to the HTTP provider as {to, text} with the credential from its reference', async (t) => {
  const receiver = await SmsReceiver.start();
  try {
    await writeFile(join(dir, 'sms.credential'), 'provider-token-1\n', { mode: 0o600 });
    const sms = new SmsSender({ endpoint: receiver.url, credential: { file: 'sms.credential' } }, dir);
    await sms.send('+15550100', 'Your code is 222333');
    const got = await receiver.waitFor('+15550100');
    t.is(got.text, 'Your code is 222333');
    t.is(got.authorization, 'Bearer provider-token-1');
    receiver.status = 500;
    const error = await t.throwsAsync(sms.send('+15550100', 'Your code is 444555'));
    t.regex(error.message, /HTTP 500/);
    t.notRegex(error.message, /444555/);
    t.throws(() => new SmsSender({ endpoint: 'http://sms.example/send', credential: null }, dir), { message: /https/ });
  } finally {
    await receiver.stop();
  }
});

test.serial("TOTP (RFC 6238): the app's code is accepted once, a wrong or replayed one is not; enrolment is an otpauth URI and an SVG QR code", async (t) => {
  const secret = newTotpSecret();
  const app = new TOTP({ secret: Secret.fromBase32(secret) });
  const at = new Date('2026-12-04T10:00:10.000Z');
  const step = checkTotp(secret, app.generate({ timestamp: at.getTime() }), at, 0);
  t.not(step, null);
  t.is(checkTotp(secret, app.generate({ timestamp: at.getTime() }), at, step!), null, 'replay');
  t.not(checkTotp(secret, app.generate({ timestamp: at.getTime() - 30_000 }), at, 0), null, 'one step of drift');
  t.is(checkTotp(secret, app.generate({ timestamp: at.getTime() - 120_000 }), at, 0), null, 'too old');
  t.is(checkTotp(secret, 'abcdef', at, 0), null);
  const enrolment = await totpEnrolment(secret, 'alice', 'Password reset');
  t.regex(enrolment.uri, /^otpauth:\/\/totp\/Password%20reset:alice\?/);
  t.true(enrolment.uri.includes(`secret=${secret}`));
  t.true(
    Buffer.from(enrolment.qrDataUrl.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64')
      .toString()
      .startsWith('<svg'),
  );
});

test.serial('registrations keep the authenticator secret sealed; a step is used only once across nodes', async (t) => {
  const key = PortalKey.load(null, dir);
  const registrations = new Registrations(portalDb(store.db), key);
  const secret = newTotpSecret();
  await registrations.save('t1', 'Alice', { email: 'alice@corp.example', phone: null, totpSecret: secret }, clock);
  const rows = await portalDb(store.db).selectFrom('portal_registrations').selectAll().execute();
  t.false(JSON.stringify(rows).includes(secret));
  const got = await registrations.get('t1', 'ALICE');
  t.is(got?.totpSecret, secret);
  t.true(await registrations.useTotpStep('t1', 'alice', 100));
  t.false(await registrations.useTotpStep('t1', 'alice', 100));
  t.is(await registrations.get('t1', 'nobody'), null);
});

test.serial('rate limits count per key within a window, then start again', async (t) => {
  const limits = new RateLimits(portalDb(store.db), now);
  for (let i = 0; i < 3; i++) t.true(await limits.take('user:t:alice', 3, 60));
  t.false(await limits.take('user:t:alice', 3, 60));
  t.true(await limits.take('addr:127.0.0.9', 3, 60), 'another key');
  clock = new Date(clock.getTime() + 61_000);
  t.true(await limits.take('user:t:alice', 3, 60));
});

test('a reset OK with notApplied reads differently from a full success; refusals in plain words', (t) => {
  t.deepEqual(outcomeOf(result('OK'), 'reset').kind, 'done');
  const partial = outcomeOf(result('OK', { notApplied: [{ what: 'lockoutTime', code: 'PERMISSION_DENIED' }] }), 'reset');
  t.is(partial.kind, 'partial');
  t.regex(partial.words, /still locked/);
  t.regex(outcomeOf(result('PASSWORD_POLICY', { reason: 'TOO_SHORT', minLength: 12 }), 'reset').words, /at least 12 characters/);
  t.is(outcomeOf(result('PASSWORD_POLICY', { reason: 'HISTORY' }), 'reset').words, 'You have used that password before. Choose one you have not used recently.');
  t.is(
    outcomeOf(result('PASSWORD_TOO_YOUNG', { reason: 'TOO_YOUNG', allowedAt: '2026-12-05T14:30:00.000Z' }), 'reset').words,
    'Your password was changed too recently. You can change it again from 5 Dec 2026, 14:30 UTC.',
  );
  t.is(outcomeOf(result('PASSWORD_TOO_YOUNG', { reason: 'TOO_YOUNG' }), 'reset').words, 'Your password was changed too recently to change it again yet.');
  t.is(outcomeOf(result('DIRECTORY_UNAVAILABLE'), 'reset').words, 'Your directory cannot be reached right now. Try again in a few minutes.');
  t.is(outcomeOf(result('OUT_OF_SCOPE'), 'reset').words, 'This account cannot use the self-service portal.');
  t.regex(outcomeOf(result('OUT_OF_SCOPE', { reason: 'NOT_ELIGIBLE', eligibility: 'NOT_IN_ALLOWED_GROUP' }), 'reset').words, /not opened/);
  // No agent answered within the portal command's lifetime: the user is told, nothing is pretended.
  t.deepEqual(outcomeOf(null, 'unlock'), { kind: 'refused', words: 'Your directory did not answer in time. Nothing was changed; try again in a few minutes.' });
  // The OpenLDAP driver names its follow-ups `unlock` and `pwdReset`, the AD driver the attributes.
  t.regex(outcomeOf(result('OK', { notApplied: [{ what: 'unlock', code: 'PERMISSION_DENIED' }] }), 'reset').words, /still locked/);
  t.regex(outcomeOf(result('OK', { notApplied: [{ what: 'pwdReset', code: 'PERMISSION_DENIED' }] }), 'reset').words, /may ask you to change it again/);
  t.regex(outcomeOf(result('OK', { notApplied: [{ what: 'pwdLastSet', code: 'PERMISSION_DENIED' }] }), 'reset').words, /may ask you to change it again/);
});

test('sign-in answers (verifyPassword): only a right password earns more than "do not match"', (t) => {
  const now = new Date('2026-12-04T12:00:00Z');
  const noMatch = 'That user name and password do not match.';
  for (const [code, details] of [
    ['WRONG_PASSWORD', { reason: 'WRONG_PASSWORD' }],
    ['USER_NOT_FOUND', {}],
    ['OUT_OF_SCOPE', { reason: 'NOT_ELIGIBLE', eligible: false, eligibility: 'NOT_IN_ALLOWED_GROUP' }],
    ['ACCOUNT_DISABLED', { reason: 'LOCKED', eligible: true }],
    ['ACCOUNT_DISABLED', { reason: 'DISABLED', eligible: true }],
  ] as const) {
    t.is(signInRefusal(result(code, details), now), noMatch, `${code} ${JSON.stringify(details)}`);
  }
  t.regex(signInRefusal(result('ACCOUNT_DISABLED', { reason: 'MUST_CHANGE_PASSWORD', passwordMatched: true }), now), /password is right, but your directory wants it changed/);
  t.regex(signInRefusal(result('ACCOUNT_DISABLED', { reason: 'LOGON_HOURS', passwordMatched: true }), now), /password is right, but this account may not sign in now/);
  t.is(signInRefusal(result('BUSY', { reason: 'VERIFY_RATE_LIMITED', retryAfter: '2026-12-04T12:04:30.000Z' }), now), 'Too many sign-in attempts for this account. Try again in 5 minutes.');
  t.is(signInRefusal(result('BUSY', { reason: 'VERIFY_RATE_LIMITED', retryAfter: 'soon' }), now), 'Too many attempts for this account. Try again later.');
  t.is(signInRefusal(result('UNSUPPORTED_OPERATION', { reason: 'NOT_ENABLED' }), now), 'Your organisation has not turned on signing in here yet.');
  t.regex(signInRefusal(null, now), /cannot be reached/);
  t.regex(signInRefusal(result('DIRECTORY_UNAVAILABLE'), now), /cannot be reached/);
});

test('getContactInfo results (docs/self-service.md) give the contact, eligibility and protection', (t) => {
  const facts = directoryContact(result('OK', { eligible: true, eligibility: 'GROUP_MEMBER', protected: true, contact: { mail: ['a@corp.example'], mobile: [], otherMailbox: ['a@home.example'] } }));
  t.deepEqual(facts, { mail: 'a@corp.example', mobile: null, otherMailbox: 'a@home.example', eligible: true, eligibility: 'GROUP_MEMBER', protectedAccount: true, protectedSelfService: false });
  t.true(directoryContact(result('OK', { eligible: true, eligibility: 'GROUP_MEMBER', protected: true, protectedSelfService: true, contact: {} })).protectedSelfService);
  t.is(directoryContact(result('OK', { eligible: false, eligibility: 'NOT_IN_ALLOWED_GROUP', contact: {} })).eligible, false);
  // Only an OK answer decides; `access: group` refuses the unknown (null) as well.
  t.is(directoryContact(result('UNSUPPORTED_OPERATION', { reason: 'NOT_ENABLED' })).eligible, null);
  t.is(directoryContact(result('USER_NOT_FOUND')).eligible, null);
  t.is(directoryContact(null).eligible, null);
});

test.serial("notifications: the user after a reset, administrators after an administrator's own reset, the help desk on PERMISSION_DENIED and partial", async (t) => {
  const inbox = await SmtpInbox.start();
  try {
    const mailer = new Mailer({ ...defaultConfig().smtp, host: '127.0.0.1', port: inbox.port, security: 'none', from: 'portal@corp.example' }, dir);
    const notifications = new Notifications(mailer, { user: true, admins: ['security@corp.example'], helpdesk: helpdeskAddress('helpdesk@corp.example') }, silent);
    const base = { user: 'alice', action: 'reset' as const, userEmail: 'alice@corp.example', commandId: 'c1', at: clock };
    await notifications.afterCommand({ ...base, admin: true, code: 'OK', outcome: outcomeOf(result('OK'), 'reset') });
    t.regex((await inbox.waitFor('alice@corp.example', /password was reset/)).text, /If this was not you/);
    t.regex((await inbox.waitFor('security@corp.example', /Administrator self-service: alice/)).text, /administrator account alice/);
    await notifications.afterCommand({ ...base, admin: false, code: 'PERMISSION_DENIED', outcome: outcomeOf(result('PERMISSION_DENIED'), 'reset') });
    t.regex((await inbox.waitFor('helpdesk@corp.example', /Permission denied: alice/)).text, /ended PERMISSION_DENIED/);
    await notifications.afterCommand({ ...base, admin: false, code: 'OK', outcome: outcomeOf(result('OK', { notApplied: [{ what: 'pwdLastSet' }] }), 'reset') });
    t.regex((await inbox.waitFor('helpdesk@corp.example', /Partly applied: alice/)).text, /partly applied/);
    t.is(inbox.messages.filter((m) => m.to.includes('security@corp.example')).length, 1, "a user's own reset tells no administrator");
    mailer.close();
  } finally {
    await inbox.stop();
  }
  t.is(helpdeskAddress('https://help.corp.example/'), null);
});

test('the portal config: 1 or 2 methods required, known methods, references not literals', (t) => {
  const portal = (p: Record<string, unknown>) => () => parseConfig({ portal: p }, 'service.json');
  t.notThrows(portal({ methods: ['email', 'totp'], required: 2 }));
  t.throws(portal({ methods: ['email', 'totp'], required: 3 }), { message: /1 or 2/ });
  t.throws(portal({ methods: ['email'], required: 2 }), { message: /more than the methods/ });
  t.throws(portal({ methods: ['pigeon'] }), { message: /portal.methods/ });
  t.throws(portal({ secretKey: 'literal' }), { message: /never a literal/ });
  t.throws(portal({ access: 'some' }), { message: /portal.access/ });
  t.is(parseConfig({}, 'service.json').portal.reconfirmDays, 180);
  t.is(parseConfig({}, 'service.json').portal.required, 1);
});
