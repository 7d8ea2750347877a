import test from 'ava';
import { AdGuid } from '../../../../../ldap-constants/ad-guids.js';
import { AceFlag, DsAccess, SdControl } from '../../../../../ldap-constants/ad-access-mask.js';
import type { AgentToken } from '../../../../../agent/directory/ad/permissions/agent-token.js';
import { domainRightCheck, oneUserRightCheck, userRightCheck, type ScopeFacts } from '../../../../../agent/directory/ad/permissions/right-evaluation.js';
import type { ScannedUser } from '../../../../../agent/directory/ad/permissions/scope-scan.js';
import type { Ace, SecurityDescriptor } from '../../../../../agent/directory/ad/permissions/security-descriptor.js';
import { usersThatWillFailCheck } from '../../../../../agent/directory/ad/permissions/will-fail-check.js';
import { WellKnownSid } from '../../../../../agent/directory/ad/permissions/well-known-sid.js';

const AGENT = 'S-1-5-21-9-9-9-1105';
const token: AgentToken = { dn: 'CN=svc', sid: AGENT, sids: new Set([AGENT, WellKnownSid.everyone, WellKnownSid.authenticatedUsers]), groupCount: 0, principal: 'svc@corp.example' };
const fix = { flavor: 'windows' as const, token };
const OU = 'OU=Staff,DC=corp,DC=example';

function ace(flags: number, inheritedObjectType: string | null = AdGuid.userClass, kind: 'allow' | 'deny' = 'allow'): Ace {
  return { type: kind === 'allow' ? 5 : 6, kind, flags, mask: DsAccess.controlAccess, objectType: AdGuid.resetPassword, inheritedObjectType, sid: AGENT };
}
function sd(aces: Ace[], control = SdControl.selfRelative | SdControl.daclPresent): SecurityDescriptor {
  return { revision: 1, control, owner: null, group: null, sacl: null, dacl: { revision: 4, aces } };
}
function user(dn: string, aces: Ace[], extra: Partial<ScannedUser> = {}): ScannedUser {
  return { dn, sid: null, adminCount: false, disabled: false, descriptor: sd(aces), ...extra };
}
const delegation = ace(AceFlag.containerInherit | AceFlag.inheritOnly);
const inherited = ace(AceFlag.inherited);

test('OU delegation reaching every user: OK, no fix', (t) => {
  const scope: ScopeFacts = { base: OU, descriptor: sd([delegation]), scan: { base: OU, users: [user(`CN=a,${OU}`, [inherited])], truncated: false } };
  const check = userRightCheck('resetPassword', [scope], fix);
  t.is(check.status, 'OK');
  t.is(check.fix, undefined);
  t.regex(check.detail, /1 of 1 users checked there have it/);
});

test('no delegation on the OU: MISSING with the dsacls grant for that OU', (t) => {
  const scope: ScopeFacts = { base: OU, descriptor: sd([]), scan: { base: OU, users: [user(`CN=a,${OU}`, [])], truncated: false } };
  const check = userRightCheck('resetPassword', [scope], fix);
  t.is(check.status, 'MISSING');
  t.is(check.fix, `dsacls "${OU}" /I:S /G "svc@corp.example:CA;Reset Password;user"`);
});

test('users holding the right by their own ACEs while the OU grants nothing: WARN, new users will lack it', (t) => {
  const scope: ScopeFacts = { base: OU, descriptor: sd([]), scan: { base: OU, users: [user(`CN=a,${OU}`, [ace(0, null)])], truncated: false } };
  const check = userRightCheck('resetPassword', [scope], fix);
  t.is(check.status, 'WARN');
  t.regex(check.detail, /users created later will not/);
  t.truthy(check.fix);
});

test('an OU delegation scoped to groups does not reach users', (t) => {
  const scope: ScopeFacts = { base: OU, descriptor: sd([ace(AceFlag.containerInherit | AceFlag.inheritOnly, AdGuid.groupClass)]), scan: null };
  t.is(userRightCheck('resetPassword', [scope], fix).status, 'MISSING');
});

test('protected users do not count against the OU; the worst scope decides', (t) => {
  const good: ScopeFacts = {
    base: OU,
    descriptor: sd([delegation]),
    scan: {
      base: OU,
      users: [user(`CN=a,${OU}`, [inherited]), user(`CN=p,${OU}`, [], { adminCount: true, descriptor: sd([], SdControl.selfRelative | SdControl.daclPresent | SdControl.daclProtected) })],
      truncated: false,
    },
  };
  t.is(userRightCheck('resetPassword', [good], fix).status, 'OK');
  const other = 'OU=Other,DC=corp,DC=example';
  const bad: ScopeFacts = { base: other, descriptor: sd([]), scan: null };
  const both = userRightCheck('resetPassword', [good, bad], fix);
  t.is(both.status, 'MISSING');
  t.is(both.fix?.split('\n').length, 1);
  t.true(both.fix?.includes(other));
});

test('nothing readable: WARN, never a false OK', (t) => {
  t.is(userRightCheck('resetPassword', [{ base: OU, descriptor: null, scan: null }], fix).status, 'WARN');
  t.is(oneUserRightCheck('resetPassword', { dn: `CN=a,${OU}`, sid: null, descriptor: null }, OU, fix).status, 'WARN');
  t.is(domainRightCheck('unexpirePassword', 'DC=corp,DC=example', null, fix, '').status, 'WARN');
});

test('usersThatWillFail counts each reason and lists the first DNs', (t) => {
  const protectedSd = sd([], SdControl.selfRelative | SdControl.daclPresent | SdControl.daclProtected);
  const users = [
    ...Array.from({ length: 7 }, (_, i) => user(`CN=off${i},${OU}`, [], { disabled: true })),
    user(`CN=admin,${OU}`, [], { adminCount: true, descriptor: protectedSd }),
    user(`CN=fine,${OU}`, [inherited]),
  ];
  const check = usersThatWillFailCheck([{ base: OU, users, truncated: true }], 'windows');
  t.is(check.status, 'WARN');
  t.regex(check.detail, /^8 of 9 users in scope/);
  t.regex(check.detail, /account disabled[^:]*: 7 \(CN=off0,[^)]*; and 2 more\)/);
  t.regex(check.detail, /scan limit reached/);
  t.regex(check.fix ?? '', /dsacls "CN=admin,OU=Staff,DC=corp,DC=example" \/P:N/);
  t.is(usersThatWillFailCheck([{ base: OU, users: [user(`CN=fine,${OU}`, [inherited])], truncated: false }], 'samba').status, 'OK');
});
