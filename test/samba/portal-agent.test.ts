import test from 'ava';
import { Attribute, Change } from 'ldapts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSambaDc, type SambaDc } from '../fixtures/samba.js';
import { AgentEnvironment } from '../helpers/agent-environment.js';
import { findSecrets } from '../helpers/secret-scan.js';

// The self-service portal's agent side against a real Samba AD DC, through service-sim over wss
// and the agent process: contact data, eligibility (security groups nested through tokenGroups,
// distribution groups in chain, an unreadable group), sign-in, and the protected self-service opt-in.

let dc: SambaDc;
let env: AgentEnvironment;
const passwords: string[] = [];
const WRONG = 'Not-Alices-Pass9!';
const UNLISTED_PHONE = '+1 555 0166 unlisted';
const groupDn = (cn: string) => `CN=${cn},${dc.otherOu}`;

test.before(async () => {
  // A lockout threshold, so that a lockout can be shown; the sign-in limit below stays under it.
  dc = await startSambaDc({ passwordSettings: { lockoutThreshold: 5, lockoutDurationSeconds: 1800 } });
  const u = dc.users;
  const client = await dc.adminClient();
  try {
    const group = (cn: string, groupType: number, member: string[]) => client.add(groupDn(cn), { objectClass: 'group', sAMAccountName: cn.replace(/ /g, ''), groupType: String(groupType), member });
    // Global security groups (in tokenGroups): Portal Users holds Portal Inner, which holds alice.
    await group('Portal Inner', -2147483646, [u.alice.dn]);
    await group('Portal Users', -2147483646, [groupDn('Portal Inner'), u.carol.dn, u.disabled.dn, u.mustChange.dn, u.frank.dn, u.erin.dn]);
    // A global distribution group (not in tokenGroups): matched with LDAP_MATCHING_RULE_IN_CHAIN.
    await group('Portal Inner List', 2, [u.dave.dn]);
    await group('Portal List', 2, [groupDn('Portal Inner List')]);
    await group('Portal Hidden', -2147483646, [u.alice.dn]);
    await client.modify(u.alice.dn, [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'mobile', values: ['+1 555 0102'] }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'otherMailbox', values: ['alice.private@example.net'] }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'telephoneNumber', values: [UNLISTED_PHONE] }) }),
    ]);
  } finally {
    await client.unbind();
  }
  // The agent's account may not read this group at all: it must count as unreadable, not as "no member".
  await dc.sambaTool('dsacl', 'set', `--objectdn=${groupDn('Portal Hidden')}`, `--sddl=(D;;RPLCLO;;;${dc.svcSid})`);
  passwords.push(dc.svcPassword, dc.adminPassword, WRONG, ...Object.values(u).map((user) => user.password));
  const scope = (extra: Record<string, unknown> = {}) => ({ include: [dc.managedOu], exclude: [], refuseProtectedAccounts: true, protectedGroups: [dc.helpdeskAdminsDn], ...extra });
  const entry = (id: string, extra: Record<string, unknown>) => ({
    id,
    kind: 'activeDirectory' as const,
    urls: [dc.ldapsUrl],
    baseDn: dc.baseDn,
    bindDn: dc.svcDn,
    bindPassword: dc.svcPassword,
    caFile: dc.caFile,
    include: [dc.managedOu],
    extra: { timeoutMs: 10_000, policyCacheMs: 0, ...extra },
  });
  env = await AgentEnvironment.create({
    directories: [
      entry('corp', {
        scope: scope({ selfServiceProtectedGroups: [dc.helpdeskAdminsDn] }),
        portal: {
          contactAttributes: ['mail', 'mobile', 'otherMailbox'],
          allowedGroups: [groupDn('Portal Users'), groupDn('Portal List')],
          verifyPassword: { enabled: true, maxAttempts: 3, windowSeconds: 600 },
        },
      }),
      entry('corp-broken', { scope: scope(), portal: { contactAttributes: ['mail'], allowedGroups: [groupDn('No Such Group')], verifyPassword: { enabled: true } } }),
      entry('corp-hidden', { scope: scope(), portal: { contactAttributes: ['mail'], allowedGroups: [groupDn('Portal Hidden')] } }),
    ],
    limits: { perTargetPerMinute: 20 },
  });
  await env.register();
  await env.startAgent();
});

test.after.always(async () => {
  await env?.close();
  await dc?.destroy();
});

const target = (sam: string) => ({ by: 'sAMAccountName', value: sam });
const verify = (sam: string, password: string, directory = 'corp') => {
  passwords.push(password);
  return env.command({ op: 'verifyPassword', directory, target: target(sam), secret: { password } });
};
const contact = (sam: string, directory = 'corp') => env.command({ op: 'getContactInfo', directory, target: target(sam) });
const badPwdCount = async (dn: string) => Number((await dc.read(dn, ['badPwdCount'])).badPwdCount?.[0] ?? '0');

test.serial('getContactInfo: the listed attributes only, for a member nested through security groups', async (t) => {
  const alice = await contact('alice');
  t.like(alice, { code: 'OK', details: { eligible: true, eligibility: 'GROUP_MEMBER', protected: false } });
  t.deepEqual(alice.details['contact'], { mail: ['alice@test.local'], mobile: ['+1 555 0102'], otherMailbox: ['alice.private@example.net'] });
  t.false(JSON.stringify(alice).includes(UNLISTED_PHONE));
});

test.serial('eligibility through a nested distribution group, not for others, never through an unreadable group', async (t) => {
  t.like(await contact('dave'), { code: 'OK', details: { eligible: true, contact: { mail: [], mobile: [], otherMailbox: [] } } });
  t.like(await contact('helpdesk'), { code: 'OK', details: { eligible: false, eligibility: 'NOT_IN_ALLOWED_GROUP', contact: {} } });
  t.like(await contact('bob'), { code: 'OUT_OF_SCOPE' });
  t.like(await contact('alice', 'corp-broken'), { code: 'OK', details: { eligible: false, eligibility: 'GROUP_UNREADABLE', contact: {} } });
  t.like(await verify('alice', dc.users.alice.password, 'corp-broken'), { code: 'OUT_OF_SCOPE', details: { reason: 'NOT_ELIGIBLE' } });
  t.like(await contact('alice', 'corp-hidden'), { code: 'OK', details: { eligible: false, eligibility: 'GROUP_UNREADABLE', contact: {} } }, 'a group hidden by its ACL');
});

test.serial('verifyPassword: right, wrong (badPwdCount at the DC), disabled, must change, locked', async (t) => {
  const u = dc.users;
  t.like(await verify('alice', u.alice.password), { code: 'OK', details: { verified: true, eligible: true } });
  const before = await badPwdCount(u.alice.dn);
  t.like(await verify('alice', WRONG), { code: 'WRONG_PASSWORD', status: 'failed', details: { reason: 'WRONG_PASSWORD', adBindData: '52e' } });
  t.is(await badPwdCount(u.alice.dn), before + 1, 'a wrong password is a failed logon at the DC');
  t.like(await verify('disabled', u.disabled.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'DISABLED' } });
  t.like(await verify('mustchange', u.mustChange.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'MUST_CHANGE_PASSWORD', adBindData: '773', passwordMatched: true } });
  for (let i = 0; i < 5; i++) await dc.tryBind(u.erin.dn, `Wrong-Erin-${i}!`);
  t.like(await verify('erin', u.erin.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'LOCKED' } });
});

test.serial('verifyPassword is rate limited per user', async (t) => {
  const codes: string[] = [];
  for (let i = 0; i < 4; i++) codes.push((await verify('frank', dc.users.frank.password)).code);
  t.deepEqual(codes, ['OK', 'OK', 'OK', 'BUSY']);
});

test.serial('protected self-service: only with selfService and only for the named group', async (t) => {
  const reset = (sam: string, password: string, params: Record<string, unknown>) => {
    passwords.push(password);
    return env.command({ op: 'resetPassword', directory: 'corp', target: target(sam), params, secret: { newPassword: password } });
  };
  t.like(await reset('helpdesk', 'Own#Reset2026a', {}), { code: 'PROTECTED_ACCOUNT' });
  t.like(await reset('padmin', 'Own#Reset2026b', { selfService: true }), { code: 'PROTECTED_ACCOUNT' });
  t.like(await reset('nestedop', 'Own#Reset2026c', { selfService: true }), { code: 'PROTECTED_ACCOUNT' });
  t.like(await reset('helpdesk', 'Own#Reset2026d', { selfService: true }), { code: 'OK', details: { dn: dc.users.helpdesk.dn } });
  t.is(await dc.tryBind(dc.users.helpdesk.dn, 'Own#Reset2026d'), null);
});

test.serial('every sign-in is audited; no password used is in the journal, audit log, logs or output', async (t) => {
  await env.agent!.stop('SIGTERM');
  const audit = (await readFile(join(env.dir, 'state', 'audit.jsonl'), 'utf8')).split('\n').filter((line) => line.includes('"verifyPassword"'));
  t.true(audit.some((line) => line.includes('"WRONG_PASSWORD"')));
  t.deepEqual(findSecrets([env.dir], passwords), []);
});
