import test from 'ava';
import { Client } from 'ldapts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createObject } from '../../directory-sim/seed/create-object.js';
import { SeededAccount, SeededContainer } from '../../directory-sim/seed/seeded-domain.js';
import { startDirectorySim, type DirectorySim } from '../../directory-sim/start-directory-sim.js';
import { makeTestPki } from '../../directory-sim/tls/make-test-pki.js';
import { AgentEnvironment, type TestDirectory } from '../helpers/agent-environment.js';
import { findSecrets } from '../helpers/secret-scan.js';

// The self-service portal's agent side (issue 19) over real sockets: service-sim (wss) → the agent
// process → directory-sim in Windows mode. Four directory entries point at the one simulated DC
// with different portal settings, so one agent shows each setting's answers.

let sim: DirectorySim;
let env: AgentEnvironment;
const passwords: string[] = [];
const WRONG = 'Not-Alices-Pass9!';
const UNLISTED_PHONE = '+1 555 0199 unlisted';

const dn = (rdn: string): string => `${rdn},${sim.baseDn}`;
const PORTAL_USERS = 'CN=Portal Users,CN=Users';
const PORTAL_LIST = 'CN=Portal List,CN=Users';

function directory(id: string, extra: Record<string, unknown>): TestDirectory {
  return {
    id,
    kind: 'activeDirectory',
    urls: [sim.ldapsUrl!],
    baseDn: sim.baseDn,
    bindDn: dn(SeededAccount.svcWriteback.rdn),
    bindPassword: SeededAccount.svcWriteback.password,
    caFile: sim.caFile!,
    include: [dn(SeededContainer.staff)],
    extra: { passwordMethod: 'replace', historyOnReset: 'bestEffort', ...extra },
  };
}

test.before(async () => {
  const pki = await makeTestPki(['dc1.sim.test']);
  sim = await startDirectorySim({ tls: { key: pki.keyPem, cert: pki.certPem, ca: pki.caPem }, defaultSeed: { policy: { minPwdAgeMs: 0 }, grantUnexpirePassword: true } });
  const { directory: d } = sim;
  const alice = d.store.get(dn(SeededAccount.alice.rdn))!;
  d.store.setValues(alice, 'mobile', ['+1 555 0100']);
  d.store.setValues(alice, 'otherMailbox', ['alice.private@example.net', 'alice@home.example']);
  d.store.setValues(alice, 'telephoneNumber', [UNLISTED_PHONE]);
  // A security group (matched by SID in tokenGroups) holding Helpdesk (alice) and three accounts directly.
  createObject(d, {
    dn: dn(PORTAL_USERS),
    attributes: {
      objectClass: ['top', 'group'],
      sAMAccountName: 'Portal Users',
      member: [dn(SeededContainer.helpdesk), dn(SeededAccount.carol.rdn), dn(SeededAccount.dave.rdn), dn(SeededAccount.erin.rdn), dn(SeededAccount.frank.rdn)],
    },
  });
  // A distribution group (groupType 2: not in tokenGroups, matched in chain) holding All Staff (Helpdesk, bob).
  createObject(d, { dn: dn(PORTAL_LIST), attributes: { objectClass: ['top', 'group'], sAMAccountName: 'Portal List', groupType: '2', member: [dn(SeededContainer.allStaff)] } });
  passwords.push(SeededAccount.svcWriteback.password, WRONG, ...Object.values(SeededAccount).map((a) => a.password));
  const scope = (extra: Record<string, unknown> = {}) => ({
    include: [dn(SeededContainer.staff)],
    exclude: [],
    refuseProtectedAccounts: true,
    protectedGroups: [dn(SeededContainer.allStaff)],
    ...extra,
  });
  env = await AgentEnvironment.create({
    directories: [
      directory('ad', {
        scope: scope({ selfServiceProtectedGroups: [dn(SeededContainer.helpdesk)] }),
        portal: { contactAttributes: ['mail', 'mobile', 'otherMailbox'], allowedGroups: [dn(PORTAL_USERS)], verifyPassword: { enabled: true, maxAttempts: 3, windowSeconds: 600 } },
      }),
      directory('ad-list', { scope: scope(), portal: { contactAttributes: ['mail'], allowedGroups: [dn(PORTAL_LIST)] } }),
      directory('ad-broken', { scope: scope(), portal: { contactAttributes: ['mail'], allowedGroups: [dn('CN=No Such Group,CN=Users')], verifyPassword: { enabled: true } } }),
      directory('ad-off', { scope: scope() }),
    ],
    limits: { perTargetPerMinute: 20 },
  });
  await env.register();
  await env.startAgent();
});

test.after.always(async () => {
  await env?.close();
  await sim?.stop();
});

const target = (sam: string) => ({ by: 'sAMAccountName', value: sam });
const verify = (sam: string, password: string, directoryId = 'ad') => {
  passwords.push(password);
  return env.command({ op: 'verifyPassword', directory: directoryId, target: target(sam), secret: { password } });
};
const contact = (sam: string, directoryId = 'ad') => env.command({ op: 'getContactInfo', directory: directoryId, target: target(sam) });
async function canBind(userDn: string, password: string): Promise<boolean> {
  const client = new Client({ url: sim.ldapsUrl!, tlsOptions: { ca: [sim.caPem!] } });
  try {
    await client.bind(userDn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
const badPwdCount = (rdn: string): string => String(sim.directory.store.values(sim.directory.store.get(dn(rdn))!, 'badPwdCount')[0] ?? '0');

test.serial('the hello announces the portal ops that some directory turned on', (t) => {
  const capabilities = env.service.session(env.agentId)?.capabilities ?? [];
  t.true(capabilities.includes('getContactInfo'));
  t.true(capabilities.includes('verifyPassword'));
  t.true(capabilities.includes('resetPassword'));
});

test.serial('getContactInfo sends the listed attributes of an eligible user, and nothing else', async (t) => {
  const result = await contact('alice');
  t.like(result, { code: 'OK', status: 'succeeded', details: { eligible: true, eligibility: 'GROUP_MEMBER', protected: true, protectedSelfService: true } });
  t.deepEqual(result.details['contact'], { mail: ['alice@sim.test'], mobile: ['+1 555 0100'], otherMailbox: ['alice.private@example.net', 'alice@home.example'] });
  t.false(JSON.stringify(result).includes(UNLISTED_PHONE), 'an attribute not listed never leaves');
  const list = await contact('alice', 'ad-list');
  t.deepEqual(list.details['contact'], { mail: ['alice@sim.test'] });
});

test.serial('eligibility: nested through a security group (tokenGroups) and a distribution group (in chain); others not', async (t) => {
  t.like(await contact('bob'), { code: 'OK', details: { eligible: false, eligibility: 'NOT_IN_ALLOWED_GROUP', contact: {} } });
  t.like(await contact('frank'), { code: 'OK', details: { eligible: true, protected: false } });
  t.like(await contact('bob', 'ad-list'), { code: 'OK', details: { eligible: true, protected: true, protectedSelfService: false, contact: { mail: ['bob@sim.test'] } } });
  t.like(await contact('alice', 'ad-list'), { code: 'OK', details: { eligible: true } });
  t.like(await contact('frank', 'ad-list'), { code: 'OK', details: { eligible: false, contact: {} } });
  const outside = await contact('mallory');
  t.like(outside, { code: 'OUT_OF_SCOPE' });
});

test.serial('a group the agent cannot read makes nobody eligible (fail closed)', async (t) => {
  t.like(await contact('alice', 'ad-broken'), { code: 'OK', details: { eligible: false, eligibility: 'GROUP_UNREADABLE', contact: {} } });
  const binds = sim.opLog.all().filter((r) => r.operation === 'bind' && r.dn.startsWith('CN=Alice')).length;
  const refused = await verify('alice', SeededAccount.alice.password, 'ad-broken');
  t.like(refused, { code: 'OUT_OF_SCOPE', status: 'rejected', details: { reason: 'NOT_ELIGIBLE', eligible: false, eligibility: 'GROUP_UNREADABLE' } });
  t.is(sim.opLog.all().filter((r) => r.operation === 'bind' && r.dn.startsWith('CN=Alice')).length, binds, 'no bind for an ineligible user');
});

test.serial('a portal op that is off for the directory is UNSUPPORTED_OPERATION, before any read', async (t) => {
  const requests = (): number => Object.values(sim.opLog.requests()).reduce((sum, count) => sum + count, 0);
  const before = requests();
  t.like(await contact('alice', 'ad-off'), { code: 'UNSUPPORTED_OPERATION', status: 'rejected', details: { reason: 'NOT_ENABLED' } });
  t.like(await verify('alice', SeededAccount.alice.password, 'ad-list'), { code: 'UNSUPPORTED_OPERATION', details: { reason: 'NOT_ENABLED' } });
  t.is(requests(), before, 'the directory saw no request');
});

test.serial('verifyPassword: right, wrong (a failed logon at the DC), disabled, locked and must-change', async (t) => {
  t.like(await verify('alice', SeededAccount.alice.password), { code: 'OK', status: 'succeeded', details: { verified: true, eligible: true, protected: true } });
  t.is(badPwdCount(SeededAccount.alice.rdn), '0');
  const wrong = await verify('alice', WRONG);
  t.like(wrong, { code: 'WRONG_PASSWORD', status: 'failed', details: { reason: 'WRONG_PASSWORD', adBindData: '52e' } });
  t.is(badPwdCount(SeededAccount.alice.rdn), '1', 'a wrong password counts as a failed logon');
  const carolBinds = sim.opLog.all().filter((r) => r.operation === 'bind' && r.dn.startsWith('CN=Carol')).length;
  t.like(await verify('carol', SeededAccount.carol.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'DISABLED' } });
  t.like(await verify('dave', SeededAccount.dave.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'LOCKED' } });
  t.is(sim.opLog.all().filter((r) => r.operation === 'bind' && r.dn.startsWith('CN=Carol')).length, carolBinds, 'no bind for a disabled account');
  t.like(await verify('erin', SeededAccount.erin.password), { code: 'ACCOUNT_DISABLED', details: { reason: 'MUST_CHANGE_PASSWORD', passwordMatched: true } });
});

test.serial('verifyPassword is rate limited per user: BUSY with retryAfter after maxAttempts', async (t) => {
  const codes: string[] = [];
  let busy: Record<string, unknown> = {};
  for (let i = 0; i < 4; i++) {
    const result = await verify('frank', SeededAccount.frank.password);
    codes.push(result.code);
    if (result.code === 'BUSY') busy = result.details;
  }
  t.deepEqual(codes, ['OK', 'OK', 'OK', 'BUSY']);
  t.is(busy['reason'], 'VERIFY_RATE_LIMITED');
  t.true(Date.parse(String(busy['retryAfter'])) > Date.now() + 60_000);
  // Writes keep their own limit: the account can still be reset.
  t.like(await env.command({ op: 'resetPassword', directory: 'ad', target: target('frank'), secret: { newPassword: 'Fresh#Start2026x' } }), { code: 'OK' });
  passwords.push('Fresh#Start2026x');
});

test.serial('a protected account resets itself only with selfService, only in a named group, only where opted in', async (t) => {
  const reset = (sam: string, password: string, params: Record<string, unknown>, directoryId = 'ad') => {
    passwords.push(password);
    return env.command({ op: 'resetPassword', directory: directoryId, target: target(sam), params, secret: { newPassword: password } });
  };
  t.like(await reset('alice', 'Own#Reset2026a', {}), { code: 'PROTECTED_ACCOUNT', status: 'rejected' });
  t.like(await reset('alice', 'Own#Reset2026b', { selfService: false }), { code: 'PROTECTED_ACCOUNT' });
  t.like(await reset('alice', 'Own#Reset2026c', { selfService: true }, 'ad-list'), { code: 'PROTECTED_ACCOUNT' }, 'no opt-in on ad-list');
  t.like(await reset('bob', 'Own#Reset2026x', { selfService: true }), { code: 'PROTECTED_ACCOUNT' }, 'bob is not in the named group');
  t.like(await reset('pat.admin', 'Own#Reset2026y', { selfService: true }), { code: 'PROTECTED_ACCOUNT' });
  const own = await reset('alice', 'Own#Reset2026d', { selfService: true });
  t.like(own, { code: 'OK', status: 'succeeded' });
  t.true(await canBind(dn(SeededAccount.alice.rdn), 'Own#Reset2026d'));
  t.like(await env.command({ op: 'unlockAccount', directory: 'ad', target: target('alice'), params: { selfService: true } }), { code: 'OK' });
  t.like(await env.command({ op: 'unlockAccount', directory: 'ad', target: target('alice') }), { code: 'PROTECTED_ACCOUNT' });
  t.like(await env.command({ op: 'resetPassword', directory: 'ad', target: target('alice'), params: { selfService: 'yes' }, secret: { newPassword: 'Own#Reset2026e' } }), { code: 'MALFORMED' });
  passwords.push('Own#Reset2026e');
});

test.serial('every sign-in is audited, and no password used appears in the journal, the audit log, the logs or the output', async (t) => {
  await env.agent!.stop('SIGTERM');
  const audit = (await readFile(join(env.dir, 'state', 'audit.jsonl'), 'utf8')).split('\n').filter((line) => line.includes('"verifyPassword"'));
  t.true(audit.some((line) => line.includes('"WRONG_PASSWORD"')));
  t.true(audit.some((line) => line.includes('"OK"')));
  t.deepEqual(findSecrets([env.dir], passwords), []);
});
