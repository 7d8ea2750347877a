import test from 'ava';
import { Attribute, Change } from 'ldapts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSlapd, type SlapdFixture } from '../fixtures/slapd.js';
import { AgentEnvironment } from '../helpers/agent-environment.js';
import { findSecrets } from '../helpers/secret-scan.js';

// The self-service portal's agent side against a real slapd (ppolicy, delegated ACLs), through
// service-sim over wss and the agent process.

let slapd: SlapdFixture;
let env: AgentEnvironment;
const passwords: string[] = [];
const WRONG = 'Not-Alices-Pass9!';
const UNLISTED_PHONE = '+1 555 0177 unlisted';

test.before(async () => {
  slapd = await startSlapd({ rights: '=wm' });
  const { layout, users: u } = slapd;
  const portalGroup = `cn=portal,${layout.groupsDn}`;
  await slapd.asAdmin(async (client) => {
    // groupOfNames with direct members and, nested, the groupOfUniqueNames helpdesk (grace).
    await client.add(portalGroup, { objectClass: 'groupOfNames', cn: 'portal', member: [u.alice.dn, u.dave.dn, u.erin.dn, u.olga.dn, u.henry.dn, layout.helpdeskGroupDn] });
    await client.modify(u.alice.dn, [
      new Change({ operation: 'add', modification: new Attribute({ type: 'mobile', values: ['+1 555 0101'] }) }),
      new Change({ operation: 'add', modification: new Attribute({ type: 'telephoneNumber', values: [UNLISTED_PHONE] }) }),
    ]);
  });
  passwords.push(layout.servicePassword, WRONG, ...Object.values(u).map((user) => user.password));
  const scope = (extra: Record<string, unknown> = {}) => ({
    include: [layout.peopleDn],
    exclude: [],
    refuseProtectedAccounts: true,
    protectedGroups: [layout.adminsGroupDn, layout.helpdeskGroupDn],
    ...extra,
  });
  const entry = (id: string, extra: Record<string, unknown>) => ({
    id,
    kind: 'openldap' as const,
    urls: [slapd.ldapsUrl],
    baseDn: slapd.suffix,
    bindDn: layout.serviceDn,
    bindPassword: layout.servicePassword,
    caFile: slapd.caFile,
    include: [layout.peopleDn],
    extra,
  });
  env = await AgentEnvironment.create({
    directories: [
      entry('ldap', {
        scope: scope({ selfServiceProtectedGroups: [layout.nestedAdminsGroupDn] }),
        portal: { contactAttributes: ['mail', 'mobile'], allowedGroups: [portalGroup], verifyPassword: { enabled: true, maxAttempts: 3, windowSeconds: 600 } },
      }),
      entry('ldap-broken', { scope: scope(), portal: { contactAttributes: ['mail'], allowedGroups: [`cn=gone,${layout.groupsDn}`], verifyPassword: { enabled: true } } }),
    ],
    limits: { perTargetPerMinute: 20 },
  });
  await env.register();
  await env.startAgent();
});

test.after.always(async () => {
  await env?.close();
  await slapd?.stop();
});

const target = (uid: string) => ({ by: 'uid', value: uid });
const verify = (uid: string, password: string, directory = 'ldap') => {
  passwords.push(password);
  return env.command({ op: 'verifyPassword', directory, target: target(uid), secret: { password } });
};
const contact = (uid: string, directory = 'ldap') => env.command({ op: 'getContactInfo', directory, target: target(uid) });

test.serial('getContactInfo: only the listed attributes, for members of the allowed group (nested groupOfUniqueNames too)', async (t) => {
  const alice = await contact('alice');
  t.like(alice, { code: 'OK', details: { eligible: true, eligibility: 'GROUP_MEMBER', protected: false } });
  t.deepEqual(alice.details['contact'], { mail: ['alice@example.org'], mobile: ['+1 555 0101'] });
  t.false(JSON.stringify(alice).includes(UNLISTED_PHONE));
  t.like(await contact('grace'), { code: 'OK', details: { eligible: true, protected: true, protectedSelfService: false, contact: { mail: ['grace@example.org'], mobile: [] } } });
  t.like(await contact('bob'), { code: 'OK', details: { eligible: false, eligibility: 'NOT_IN_ALLOWED_GROUP', contact: {} } });
  t.like(await contact('carol'), { code: 'OUT_OF_SCOPE' });
});

test.serial('an allowed group that cannot be read refuses everyone', async (t) => {
  t.like(await contact('alice', 'ldap-broken'), { code: 'OK', details: { eligible: false, eligibility: 'GROUP_UNREADABLE', contact: {} } });
  t.like(await verify('alice', slapd.users.alice.password, 'ldap-broken'), { code: 'OUT_OF_SCOPE', details: { reason: 'NOT_ELIGIBLE', eligibility: 'GROUP_UNREADABLE' } });
});

test.serial('verifyPassword: right, wrong (a pwdFailureTime at slapd), admin-locked, locked, must change', async (t) => {
  const { users: u } = slapd;
  t.like(await verify('alice', u.alice.password), { code: 'OK', details: { verified: true, eligible: true } });
  t.like(await verify('alice', WRONG), { code: 'WRONG_PASSWORD', status: 'failed', details: { reason: 'WRONG_PASSWORD', ldapResultCode: 49 } });
  t.is((await slapd.read(u.alice.dn, ['pwdFailureTime'])).pwdFailureTime?.length, 1, 'a wrong password counts as a failed bind');
  t.like(await verify('olga', u.olga.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'DISABLED' } });
  t.like(await verify('erin', u.erin.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'LOCKED' } });
  t.like(await verify('dave', u.dave.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'MUST_CHANGE_PASSWORD', passwordMatched: true } });
  t.like(await verify('dave', WRONG), { code: 'WRONG_PASSWORD' });
});

test.serial('verifyPassword is rate limited per user', async (t) => {
  const codes: string[] = [];
  for (let i = 0; i < 4; i++) codes.push((await verify('henry', slapd.users.henry.password)).code);
  t.deepEqual(codes, ['OK', 'OK', 'OK', 'BUSY']);
});

test.serial('protected self-service: only with selfService, only for the named (nested) group', async (t) => {
  const reset = (uid: string, password: string, params: Record<string, unknown>) => {
    passwords.push(password);
    return env.command({ op: 'resetPassword', directory: 'ldap', target: target(uid), params: { enforceMinimumAge: false, ...params }, secret: { newPassword: password } });
  };
  t.like(await contact('frank'), { code: 'OK', details: { eligible: false } });
  t.like(await reset('frank', 'Frank-Own-2026!a', {}), { code: 'PROTECTED_ACCOUNT' });
  t.like(await reset('rootops', 'Root-Own-2026!a', { selfService: true }), { code: 'PROTECTED_ACCOUNT' }, 'rootops is in admins, not in nested-admins');
  t.like(await reset('grace', 'Grace-Own-2026!a', { selfService: true }), { code: 'PROTECTED_ACCOUNT' });
  t.like(await reset('frank', 'Frank-Own-2026!b', { selfService: true }), { code: 'OK', details: { dn: slapd.users.frank.dn } });
});

test.serial('every sign-in is audited; no password used is in the journal, audit log, logs or output', async (t) => {
  await env.agent!.stop('SIGTERM');
  const audit = (await readFile(join(env.dir, 'state', 'audit.jsonl'), 'utf8')).split('\n').filter((line) => line.includes('"verifyPassword"'));
  t.true(audit.some((line) => line.includes('"WRONG_PASSWORD"')));
  t.deepEqual(findSecrets([env.dir], passwords), []);
});
