import { ResultCode, PolicyReason } from '../../protocol/codes.js';
import { Role } from './backend.js';
import type { Outcome } from './outcome.js';
import { SCENARIO_POLICY } from './password-settings.js';
import type { ScenarioContext } from './scenario-context.js';

/** One step: what it does (over the DirectoryDriver interface) and what both backends must come to. */
export interface Step {
  name: string;
  run(context: ScenarioContext): Promise<Outcome>;
  /** Checked with t.like against each backend's outcome (besides the two being equal). */
  expect: Record<string, unknown>;
}

/** Passwords the scenario sets: the same on both backends (test-only values on throw-away directories). */
const Pw = {
  first: 'Green#Tree12',
  second: 'Green#Tree13',
  third: 'Green#Tree14',
  unenforced: 'Green#Tree15',
  underMinAge: 'Green#Tree16',
  forced: 'Green#Force6',
  afterForced: 'Green#Fresh7',
  tooShort: 'Ab1#x',
  notComplex: 'onlylower123',
  changed: 'Tall#Ship11',
  changedTwice: 'Tall#Ship22',
  changedThrice: 'Tall#Ship44',
  changedFourTimes: 'Tall#Ship55',
  lockableForced: 'Red#Force11',
  lockableChanged: 'Red#Stone11',
  disabledChanged: 'Gray#Cloud33',
  changedAgain: 'Tall#Ship33',
  wrongOld: 'Not#TheOld1',
  mustChangeNew: 'Fresh#Start1',
  disabledReset: 'Gray#Cloud22',
  lockedReset: 'Red#Stone22',
  unlockedReset: 'Red#Stone33',
  outsideChanged: 'Blue#Lake345',
  outsideAgain: 'Blue#Lake678',
  wrongService: 'Not#ThePassword1',
  overStartTls: 'Green#Start88',
  withoutFollowUps: 'Red#Stone44',
  withoutUnexpire: 'Green#Plain31',
  forcedWithoutUnexpire: 'Green#Plain32',
  withUnexpire: 'Green#Plain33',
} as const;

const OK = { code: ResultCode.OK };
const SHARED_MAIL = 'shared@example.test';
const wrongPassword = { code: ResultCode.WRONG_PASSWORD, reason: 'WRONG_PASSWORD', adBindData: '52e' };
const notFound = (reason: string) => ({ code: ResultCode.USER_NOT_FOUND, reason });
const policyRefusal = (reason: PolicyReason, by: 'agent' | 'directory') =>
  by === 'agent' ? { code: ResultCode.PASSWORD_POLICY, reason, checkedBy: 'agent' } : { code: ResultCode.PASSWORD_POLICY, reason, adCode: '0000052D', ldapResultCode: 19 };
const normalState = { code: ResultCode.OK, exists: true, locked: false, disabled: false, mustChangePassword: false, passwordLastSet: 'set' };

/** Steps that resolve a role and show its flags. protectedDacl is left out: that role is pat.admin (adminCount=1) on the sim, a plain user on Samba. */
const RESOLVED_ROLES = [Role.delegated, Role.changer, Role.outside, Role.protectedAdmin, Role.mustChange, Role.disabled, Role.lockable, Role.administrator] as const;
const STATE_ROLES = [...RESOLVED_ROLES, Role.protectedDacl] as const;

export const SCENARIO: readonly Step[] = [
  { name: 'the common password policy is written to the domain root as Administrator', run: (c) => c.setPolicy(SCENARIO_POLICY), expect: OK },
  {
    name: 'the agent reads that policy from the domain root',
    run: (c) => c.policy(Role.delegated),
    expect: { ...OK, source: 'domain root', minLength: 7, complexity: true, historyLength: 3, minAgeMs: 0, lockoutThreshold: 3, lockoutDurationMs: 1_800_000 },
  },

  // resolveUser
  ...RESOLVED_ROLES.map((role): Step => ({
    name: `resolve ${role} by sAMAccountName`,
    run: (c) => c.resolve({ by: 'sAMAccountName', value: c.backend.roles[role].sam }),
    expect: { ...OK, role, uuid: 'set', disabled: role === Role.disabled, locked: false, mustChangePassword: role === Role.mustChange },
  })),
  { name: 'resolve delegated by userPrincipalName', run: (c) => c.resolve({ by: 'userPrincipalName', value: c.backend.roles.delegated.upn }), expect: { ...OK, role: Role.delegated } },
  { name: 'resolve delegated by mail', run: (c) => c.resolve({ by: 'mail', value: c.backend.roles.delegated.mail ?? '' }), expect: { ...OK, role: Role.delegated } },
  { name: 'resolve delegated by DN in lower case', run: (c) => c.resolve({ by: 'dn', value: c.backend.roles.delegated.dn.toLowerCase() }), expect: { ...OK, role: Role.delegated } },
  {
    name: 'resolve delegated by sAMAccountName in upper case',
    run: (c) => c.resolve({ by: 'sAMAccountName', value: c.backend.roles.delegated.sam.toUpperCase() }),
    expect: { ...OK, role: Role.delegated },
  },
  {
    name: 'resolve delegated by its objectGUID',
    run: async (c) => c.resolve({ by: 'objectGUID', value: (await c.user(Role.delegated)).uuid ?? 'none' }),
    expect: { ...OK, role: Role.delegated },
  },
  {
    name: 'two users are given the same mail',
    run: async (c) => ((await c.setAttribute(Role.changer, 'mail', SHARED_MAIL)).code === 'OK' ? c.setAttribute(Role.lockable, 'mail', SHARED_MAIL) : { code: 'FAILED' }),
    expect: OK,
  },
  { name: 'resolve by the shared mail is ambiguous', run: (c) => c.resolve({ by: 'mail', value: SHARED_MAIL }), expect: { code: ResultCode.AMBIGUOUS_USER, reason: 'SEVERAL_MATCHES' } },
  { name: 'hostile sAMAccountName "*"', run: (c) => c.resolve({ by: 'sAMAccountName', value: '*' }), expect: notFound('NO_MATCH') },
  { name: 'hostile userPrincipalName "*"', run: (c) => c.resolve({ by: 'userPrincipalName', value: '*' }), expect: notFound('NO_MATCH') },
  { name: 'hostile sAMAccountName "*)(sAMAccountName=*"', run: (c) => c.resolve({ by: 'sAMAccountName', value: '*)(sAMAccountName=*' }), expect: notFound('NO_MATCH') },
  { name: 'hostile mail "*)(mail=*"', run: (c) => c.resolve({ by: 'mail', value: '*)(mail=*' }), expect: notFound('NO_MATCH') },
  { name: 'hostile sAMAccountName NUL', run: (c) => c.resolve({ by: 'sAMAccountName', value: '\u0000' }), expect: notFound('CONTROL_CHARACTER') },
  { name: 'hostile sAMAccountName delegated + NUL', run: (c) => c.resolve({ by: 'sAMAccountName', value: `${c.backend.roles.delegated.sam}\u0000` }), expect: notFound('CONTROL_CHARACTER') },
  { name: 'hostile DN "CN=*" in the delegated OU', run: (c) => c.resolve({ by: 'dn', value: `CN=*,${c.backend.delegatedOu}` }), expect: notFound('NO_MATCH') },
  { name: 'DN outside the base DN', run: (c) => c.resolve({ by: 'dn', value: 'CN=Administrator,CN=Users,DC=elsewhere,DC=example' }), expect: notFound('OUTSIDE_BASE_DN') },
  { name: 'unknown objectGUID', run: (c) => c.resolve({ by: 'objectGUID', value: '00000000-0000-0000-0000-000000000001' }), expect: notFound('NO_MATCH') },
  { name: 'uid is not an AD lookup', run: (c) => c.resolve({ by: 'uid', value: c.backend.roles.delegated.sam }), expect: notFound('UNSUPPORTED_TARGET_KIND') },

  // protected detection
  {
    name: 'protected: the protectedAdmin role (adminCount=1)',
    run: (c) => c.resolve({ by: 'dn', value: c.backend.roles.protectedAdmin.dn }),
    expect: { ...OK, protectedReason: 'adminCount=1 (protected by AdminSDHolder)' },
  },
  { name: 'protected: the built-in Administrator', run: (c) => c.resolve({ by: 'dn', value: c.backend.roles.administrator.dn }), expect: OK },
  { name: 'protected: the delegated user is not', run: (c) => c.resolve({ by: 'dn', value: c.backend.roles.delegated.dn }), expect: { ...OK, protectedReason: null } },

  // getAccountState and checkPermissions before anything changes
  ...STATE_ROLES.map((role): Step => ({
    name: `getAccountState ${role}`,
    run: (c) => c.state(role),
    expect:
      role === Role.mustChange
        ? { ...normalState, mustChangePassword: true, passwordLastSet: null, passwordChangeAllowedAt: null }
        : role === Role.disabled
          ? { ...normalState, disabled: true, passwordChangeAllowedAt: null }
          : { ...normalState, passwordChangeAllowedAt: null },
  })),
  {
    name: 'checkPermissions on the delegated user',
    run: (c) => c.permissions(Role.delegated),
    expect: { ...OK, bind: 'OK', tls: 'OK', resetPassword: 'OK', writePwdLastSet: 'OK', writeLockoutTime: 'OK', readPasswordPolicy: 'OK', historyOnReset: 'WARN', unexpirePassword: 'OK' },
  },
  {
    name: 'checkPermissions on the outside user',
    run: (c) => c.permissions(Role.outside),
    expect: { ...OK, bind: 'OK', resetPassword: 'MISSING', writePwdLastSet: 'MISSING', writeLockoutTime: 'MISSING' },
  },
  {
    name: 'checkPermissions on the protected-DACL user',
    run: (c) => c.permissions(Role.protectedDacl),
    expect: { ...OK, resetPassword: 'MISSING', writePwdLastSet: 'MISSING', writeLockoutTime: 'MISSING' },
  },
  { name: 'checkPermissions on a sample user of the scope', run: (c) => c.permissions(null), expect: { ...OK, bind: 'OK', resetPassword: 'OK', writePwdLastSet: 'OK', writeLockoutTime: 'OK' } },

  // admin resets
  {
    name: 'reset inside the delegation (bestEffort history)',
    run: (c) => {
      c.marks.set('beforeReset', new Date(Date.now() - 5000));
      return c.reset(Role.delegated, Pw.first);
    },
    expect: { ...OK, role: Role.delegated, historyEnforced: false, mustChangePassword: false },
  },
  { name: 'the delegated user binds with the new password', run: (c) => c.bind(Role.delegated), expect: OK },
  // Samba's "old password allowed period" (60 minutes): the previous password still binds.
  { name: 'the previous password still binds (Samba old password allowed period)', run: (c) => c.bind(Role.delegated, c.backend.roles.delegated.password), expect: OK },
  {
    name: 'passwordAlreadyApplied: the new password, since before the reset',
    run: (c) => c.alreadyApplied(Role.delegated, Pw.first, c.marks.get('beforeReset') ?? new Date(0)),
    expect: { ...OK, applied: true },
  },
  { name: 'passwordAlreadyApplied: another password', run: (c) => c.alreadyApplied(Role.delegated, Pw.unenforced, c.marks.get('beforeReset') ?? new Date(0)), expect: { ...OK, applied: false } },
  {
    name: 'reset outside the delegation',
    run: (c) => c.reset(Role.outside, Pw.first),
    expect: { code: ResultCode.PERMISSION_DENIED, reason: 'INSUFFICIENT_ACCESS', missing: 'resetPassword', ldapResultCode: 50 },
  },
  { name: 'the outside user still binds with its password', run: (c) => c.bind(Role.outside), expect: OK },
  { name: 'the outside user binds by DN', run: (c) => c.bindAs(c.backend.roles.outside.dn, c.current.outside), expect: OK },
  { name: 'the outside user binds as DOMAIN\\user', run: (c) => c.bindAs(`${c.backend.netbiosDomain}\\${c.backend.roles.outside.sam}`, c.current.outside), expect: OK },
  // Samba 4.17 takes neither a bare sAMAccountName nor dnsdomain\user, and answers an unknown account with 52e, not 525.
  { name: 'a bind by bare sAMAccountName is refused', run: (c) => c.bindAs(c.backend.roles.outside.sam, c.current.outside), expect: wrongPassword },
  {
    name: 'a bind as dnsdomain\\user is refused',
    run: (c) => c.bindAs(`${c.backend.roles.outside.upn.split('@')[1] ?? ''}\\${c.backend.roles.outside.sam}`, c.current.outside),
    expect: wrongPassword,
  },
  { name: 'a bind as an unknown UPN', run: (c) => c.bindAs(`nobody@${c.backend.roles.outside.upn.split('@')[1] ?? ''}`, Pw.wrongOld), expect: wrongPassword },
  { name: 'a bind as an unknown DN', run: (c) => c.bindAs(`CN=nobody,${c.backend.delegatedOu}`, Pw.wrongOld), expect: wrongPassword },
  { name: "resolve the agent's own account", run: (c) => c.resolve({ by: 'dn', value: c.backend.config.bindDn }), expect: { ...OK, role: 'service', protectedReason: "the agent's own bind account" } },
  { name: "reset of the agent's own account (not delegated)", run: (c) => c.resetDn(c.backend.config.bindDn, Pw.first), expect: { code: ResultCode.PERMISSION_DENIED, missing: 'resetPassword' } },
  {
    name: 'reset of a user the delegation does not reach (protected DACL)',
    run: (c) => c.reset(Role.protectedDacl, Pw.first),
    expect: { code: ResultCode.PERMISSION_DENIED, missing: 'resetPassword' },
  },
  { name: 'reset too short (agent check)', run: (c) => c.reset(Role.delegated, Pw.tooShort), expect: { ...policyRefusal(PolicyReason.TOO_SHORT, 'agent'), minLength: 7 } },
  { name: 'reset not complex (agent check)', run: (c) => c.reset(Role.delegated, Pw.notComplex), expect: policyRefusal(PolicyReason.COMPLEXITY, 'agent') },
  { name: 'reset containing the account name (agent check)', run: (c) => c.reset(Role.delegated, `My#${c.backend.roles.delegated.sam}#Pw9`), expect: policyRefusal(PolicyReason.COMPLEXITY, 'agent') },
  { name: 'a loose policy is written (length 1, no complexity)', run: (c) => c.setPolicy({ minLength: 1, complexity: false }), expect: OK },
  { name: 'the caching driver reads and keeps the loose policy', run: (c) => c.policy(Role.delegated, c.cached), expect: { ...OK, minLength: 1, complexity: false } },
  { name: 'the caching driver keeps the loose policy for the changer too', run: (c) => c.policy(Role.changer, c.cached), expect: { ...OK, minLength: 1, complexity: false } },
  { name: 'the common policy is written back', run: (c) => c.setPolicy(SCENARIO_POLICY), expect: OK },
  { name: 'reset too short (directory check)', run: (c) => c.reset(Role.delegated, Pw.tooShort, {}, c.cached), expect: policyRefusal(PolicyReason.TOO_SHORT, 'directory') },
  { name: 'reset not complex (directory check)', run: (c) => c.reset(Role.delegated, Pw.notComplex, {}, c.cached), expect: policyRefusal(PolicyReason.COMPLEXITY, 'directory') },
  { name: 'the delegated user still binds with the password set before', run: (c) => c.bind(Role.delegated), expect: OK },
  { name: 'reset to a second password', run: (c) => c.reset(Role.delegated, Pw.second), expect: { ...OK, historyEnforced: false } },
  {
    name: 'the password two resets back no longer binds',
    run: (c) => c.bind(Role.delegated, c.backend.roles.delegated.password),
    expect: { code: ResultCode.WRONG_PASSWORD, reason: 'WRONG_PASSWORD', adBindData: '52e' },
  },
  { name: 'reset back to the previous password, history wanted, bestEffort', run: (c) => c.reset(Role.delegated, Pw.first), expect: { ...OK, historyEnforced: false } },
  {
    name: 'reset with history wanted, historyOnReset require',
    run: (c) => c.reset(Role.delegated, Pw.third, {}, c.strict),
    expect: { code: ResultCode.PERMISSION_DENIED, reason: 'HISTORY_NOT_ENFORCEABLE', missing: 'policyHints', policyReason: PolicyReason.HISTORY },
  },
  { name: 'reset to the current password, bestEffort', run: (c) => c.reset(Role.delegated, c.current.delegated), expect: { ...OK, historyEnforced: false } },
  {
    name: 'reset without history wanted, historyOnReset require',
    run: (c) => c.reset(Role.delegated, Pw.unenforced, { enforceHistory: false }, c.strict),
    expect: { ...OK, historyEnforced: 'absent' },
  },

  // the user's own changes
  {
    name: 'change with a wrong old password',
    run: (c) => c.change(Role.changer, Pw.changed, Pw.wrongOld),
    expect: { code: ResultCode.WRONG_PASSWORD, reason: 'WRONG_PASSWORD', adCode: '00000056', ldapResultCode: 19 },
  },
  { name: 'change with the right old password', run: (c) => c.change(Role.changer, Pw.changed), expect: { ...OK, role: Role.changer } },
  { name: 'the changer binds with the changed password', run: (c) => c.bind(Role.changer), expect: OK },
  { name: 'change once more', run: (c) => c.change(Role.changer, Pw.changedTwice), expect: { ...OK, role: Role.changer } },
  { name: 'change back to the previous password (in history)', run: (c) => c.change(Role.changer, Pw.changed), expect: policyRefusal(PolicyReason.HISTORY, 'directory') },
  { name: 'change to the current password', run: (c) => c.change(Role.changer, c.current.changer), expect: policyRefusal(PolicyReason.HISTORY, 'directory') },
  { name: 'change naming the previous password as the old one', run: (c) => c.change(Role.changer, Pw.changedThrice, Pw.changed), expect: { code: ResultCode.WRONG_PASSWORD, adCode: '00000056' } },
  { name: 'change a third time', run: (c) => c.change(Role.changer, Pw.changedThrice), expect: OK },
  { name: 'change a fourth time', run: (c) => c.change(Role.changer, Pw.changedFourTimes), expect: OK },
  { name: 'change to the password four sets back (beyond a history of 3)', run: (c) => c.change(Role.changer, Pw.changed), expect: OK },
  { name: 'change too short (agent check)', run: (c) => c.change(Role.changer, Pw.tooShort), expect: policyRefusal(PolicyReason.TOO_SHORT, 'agent') },
  { name: 'change too short (directory check)', run: (c) => c.change(Role.changer, Pw.tooShort, undefined, c.cached), expect: policyRefusal(PolicyReason.TOO_SHORT, 'directory') },
  { name: 'change not complex (directory check)', run: (c) => c.change(Role.changer, Pw.notComplex, undefined, c.cached), expect: policyRefusal(PolicyReason.COMPLEXITY, 'directory') },
  {
    name: 'change with a wrong old password and a too short new one (directory check)',
    run: (c) => c.change(Role.changer, Pw.tooShort, Pw.wrongOld, c.cached),
    expect: { code: ResultCode.WRONG_PASSWORD, adCode: '00000056' },
  },
  { name: 'the changer still binds with its password', run: (c) => c.bind(Role.changer), expect: OK },
  { name: 'a minimum age of one day is written', run: (c) => c.setPolicy({ minAgeSeconds: 86_400 }), expect: OK },
  { name: 'getAccountState of the changer shows when a change is allowed', run: (c) => c.state(Role.changer), expect: { ...normalState, passwordChangeAllowedAt: 'set' } },
  { name: 'change too young (agent check)', run: (c) => c.change(Role.changer, Pw.changedAgain), expect: { code: ResultCode.PASSWORD_TOO_YOUNG, allowedAt: 'set' } },
  {
    name: 'change too young (directory check, agent clock ahead)',
    run: (c) => c.change(Role.changer, Pw.changedAgain, undefined, c.ahead),
    expect: { code: ResultCode.PASSWORD_TOO_YOUNG, reason: 'TOO_YOUNG', adCode: '0000052D', ldapResultCode: 19 },
  },
  { name: 'an admin reset ignores the minimum age', run: (c) => c.reset(Role.delegated, Pw.underMinAge), expect: { ...OK, historyEnforced: false } },
  { name: 'a forced reset under the minimum age', run: (c) => c.reset(Role.lockable, Pw.lockableForced, { forceChangeAtNextLogon: true }), expect: { ...OK, mustChangePassword: true } },
  { name: 'the forced user may change at once despite the minimum age', run: (c) => c.change(Role.lockable, Pw.lockableChanged), expect: { ...OK, role: Role.lockable } },
  { name: 'the minimum age is set back to zero', run: (c) => c.setPolicy({ minAgeSeconds: 0 }), expect: OK },

  // must change at next logon
  { name: 'reset with forceChangeAtNextLogon', run: (c) => c.reset(Role.delegated, Pw.forced, { forceChangeAtNextLogon: true }), expect: { ...OK, mustChangePassword: true } },
  { name: 'getAccountState after a forced reset', run: (c) => c.state(Role.delegated), expect: { ...OK, mustChangePassword: true, locked: false } },
  { name: 'the forced user bind is refused as must change', run: (c) => c.bind(Role.delegated), expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'MUST_CHANGE_PASSWORD', adBindData: '773' } },
  {
    name: 'passwordAlreadyApplied after a forced reset (bind answers must change)',
    run: (c) => c.alreadyApplied(Role.delegated, Pw.forced, new Date(Date.now() - 60_000)),
    expect: { ...OK, applied: true },
  },
  {
    name: 'after a forced reset the previous password does not bind',
    run: (c) => c.bind(Role.delegated, Pw.underMinAge),
    expect: { code: ResultCode.WRONG_PASSWORD, reason: 'WRONG_PASSWORD', adBindData: '52e' },
  },
  { name: 'the forced user changes the password', run: (c) => c.change(Role.delegated, Pw.afterForced), expect: OK },
  { name: 'getAccountState after that change', run: (c) => c.state(Role.delegated), expect: { ...normalState, passwordChangeAllowedAt: null } },
  {
    name: 'the must-change role bind is refused as must change',
    run: (c) => c.bind(Role.mustChange),
    expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'MUST_CHANGE_PASSWORD', adBindData: '773' },
  },
  {
    name: 'the must-change role changes with a wrong old password',
    run: (c) => c.change(Role.mustChange, Pw.mustChangeNew, Pw.wrongOld),
    expect: { code: ResultCode.WRONG_PASSWORD, adCode: '00000056' },
  },
  { name: 'the must-change role changes its password', run: (c) => c.change(Role.mustChange, Pw.mustChangeNew), expect: OK },
  { name: 'the must-change role binds with it', run: (c) => c.bind(Role.mustChange), expect: OK },
  { name: 'getAccountState of the must-change role after its change', run: (c) => c.state(Role.mustChange), expect: { ...normalState, passwordChangeAllowedAt: null } },

  // disabled
  { name: 'the disabled user bind is refused as disabled', run: (c) => c.bind(Role.disabled), expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'DISABLED', adBindData: '533' } },
  { name: 'the disabled user with a wrong password', run: (c) => c.bind(Role.disabled, Pw.wrongOld), expect: wrongPassword },
  { name: 'passwordAlreadyApplied on the disabled user (bind answers disabled)', run: (c) => c.alreadyApplied(Role.disabled, c.current.disabled, new Date(0)), expect: { ...OK, applied: true } },
  { name: 'reset of the disabled user (inside the delegation)', run: (c) => c.reset(Role.disabled, Pw.disabledReset), expect: { ...OK, historyEnforced: false } },
  { name: 'the disabled user changes its own password', run: (c) => c.change(Role.disabled, Pw.disabledChanged), expect: { ...OK, role: Role.disabled } },
  { name: 'the disabled user is still refused as disabled', run: (c) => c.bind(Role.disabled), expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'DISABLED' } },
  { name: 'getAccountState of the disabled user after the reset', run: (c) => c.state(Role.disabled), expect: { ...OK, disabled: true, locked: false } },

  // lockout
  ...[1, 2, 3].map((n): Step => ({ name: `bad bind ${n} of 3 on the lockable user`, run: (c) => c.bind(Role.lockable, `Wrong#Guess${n}`), expect: { code: ResultCode.WRONG_PASSWORD } })),
  { name: 'the right password is refused as locked', run: (c) => c.bind(Role.lockable), expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'LOCKED', adBindData: '775' } },
  { name: 'a wrong password is refused as locked too', run: (c) => c.bind(Role.lockable, 'Wrong#Guess9'), expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'LOCKED', adBindData: '775' } },
  { name: 'resolve shows the lockout', run: (c) => c.resolve({ by: 'dn', value: c.backend.roles.lockable.dn }), expect: { ...OK, locked: true } },
  { name: 'getAccountState shows the lockout', run: (c) => c.state(Role.lockable), expect: { ...OK, locked: true } },
  { name: 'unlockAccount', run: (c) => c.unlock(Role.lockable), expect: OK },
  { name: 'getAccountState after unlock', run: (c) => c.state(Role.lockable), expect: { ...normalState } },
  { name: 'the unlocked user binds', run: (c) => c.bind(Role.lockable), expect: OK },
  { name: 'unlockAccount again is harmless', run: (c) => c.unlock(Role.lockable), expect: OK },
  { name: 'unlockAccount outside the delegation', run: (c) => c.unlock(Role.outside), expect: { code: ResultCode.PERMISSION_DENIED, reason: 'INSUFFICIENT_ACCESS', missing: 'writeLockoutTime' } },
  ...[4, 5, 6].map((n): Step => ({ name: `bad bind ${n - 3} of 3 again`, run: (c) => c.bind(Role.lockable, `Wrong#Guess${n}`), expect: { code: ResultCode.WRONG_PASSWORD } })),
  { name: 'reset without unlock keeps the lockout', run: (c) => c.reset(Role.lockable, Pw.lockedReset, { unlock: false }), expect: { ...OK, historyEnforced: false } },
  { name: 'the new password is refused as locked', run: (c) => c.bind(Role.lockable), expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'LOCKED' } },
  { name: 'reset with unlock clears the lockout', run: (c) => c.reset(Role.lockable, Pw.unlockedReset), expect: { ...OK, unlocked: true } },
  { name: 'the lockable user binds again', run: (c) => c.bind(Role.lockable), expect: OK },

  // without Write pwdLastSet and Write lockoutTime: the password is set, the follow-ups are reported
  ...[10, 11, 12].map((n): Step => ({ name: `bad bind ${n - 9} of 3 before the rights go`, run: (c) => c.bind(Role.lockable, `Wrong#Guess${n}`), expect: { code: ResultCode.WRONG_PASSWORD } })),
  { name: 'Write pwdLastSet and Write lockoutTime are taken away', run: (c) => c.control(() => c.backend.setFollowUpRights(false)), expect: OK },
  { name: 'checkPermissions without them', run: (c) => c.permissions(Role.lockable), expect: { ...OK, writePwdLastSet: 'MISSING', writeLockoutTime: 'MISSING' } },
  {
    name: 'reset with force change and unlock, without them',
    run: (c) => c.reset(Role.lockable, Pw.withoutFollowUps, { forceChangeAtNextLogon: true }),
    expect: { ...OK, mustChangePassword: null, notApplied: ['pwdLastSet:PERMISSION_DENIED', 'lockoutTime:PERMISSION_DENIED'] },
  },
  { name: 'unlockAccount without Write lockoutTime', run: (c) => c.unlock(Role.lockable), expect: { code: ResultCode.PERMISSION_DENIED, reason: 'INSUFFICIENT_ACCESS', missing: 'writeLockoutTime' } },
  { name: 'the user is still locked', run: (c) => c.bind(Role.lockable), expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'LOCKED' } },
  { name: 'the rights are given back', run: (c) => c.control(() => c.backend.setFollowUpRights(true)), expect: OK },
  { name: 'unlockAccount with them', run: (c) => c.unlock(Role.lockable), expect: OK },
  // Samba sets pwdLastSet to now on any reset (Windows without Unexpire Password would leave 0): not expired, not forced.
  { name: 'getAccountState after a reset that could not write pwdLastSet', run: (c) => c.state(Role.lockable), expect: { ...normalState, passwordChangeAllowedAt: null } },
  { name: 'the password of that reset binds', run: (c) => c.bind(Role.lockable), expect: OK },

  // Unexpire Password: Samba provisions it for Authenticated Users; without it pwdLastSet = -1 is refused
  { name: 'Unexpire Password is taken from Authenticated Users', run: (c) => c.control(() => c.backend.setUnexpireForAuthenticatedUsers(false)), expect: OK },
  { name: 'checkPermissions without Unexpire Password', run: (c) => c.permissions(Role.delegated), expect: { ...OK, resetPassword: 'OK', unexpirePassword: 'MISSING' } },
  // Samba's reset sets pwdLastSet to now itself, so the driver has no -1 to write and needs no right for it.
  { name: 'reset without Unexpire Password', run: (c) => c.reset(Role.delegated, Pw.withoutUnexpire), expect: { ...OK, mustChangePassword: false, notApplied: undefined } },
  { name: 'getAccountState after a reset without Unexpire Password', run: (c) => c.state(Role.delegated), expect: { ...normalState, passwordChangeAllowedAt: null } },
  { name: 'the password of that reset binds (not born expired)', run: (c) => c.bind(Role.delegated), expect: OK },
  {
    name: 'reset with force change without Unexpire Password (0 needs no such right)',
    run: (c) => c.reset(Role.delegated, Pw.forcedWithoutUnexpire, { forceChangeAtNextLogon: true }),
    expect: { ...OK, mustChangePassword: true },
  },
  { name: 'Unexpire Password is given back', run: (c) => c.control(() => c.backend.setUnexpireForAuthenticatedUsers(true)), expect: OK },
  { name: 'reset with Unexpire Password again', run: (c) => c.reset(Role.delegated, Pw.withUnexpire), expect: { ...OK, mustChangePassword: false } },
  { name: 'checkPermissions with it again', run: (c) => c.permissions(Role.delegated), expect: { ...OK, unexpirePassword: 'OK' } },

  // the user outside the delegation: changes are everyone's right; a wrong old password counts as a bad one
  { name: 'the outside user changes its own password', run: (c) => c.change(Role.outside, Pw.outsideChanged), expect: { ...OK, role: Role.outside } },
  ...[1, 2, 3].map((n): Step => ({
    name: `wrong old password ${n} of 3 on the outside user`,
    run: (c) => c.change(Role.outside, Pw.outsideAgain, `Wrong#Old${n}x`),
    expect: { code: ResultCode.WRONG_PASSWORD },
  })),
  { name: 'after three wrong old passwords the outside user is locked', run: (c) => c.bind(Role.outside), expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'LOCKED' } },
  { name: 'getAccountState shows the outside user locked', run: (c) => c.state(Role.outside), expect: { ...OK, locked: true } },
  {
    name: 'a change by the locked outside user with the right old password',
    run: (c) => c.change(Role.outside, Pw.outsideAgain),
    expect: { code: ResultCode.ACCOUNT_DISABLED, reason: 'LOCKED', adCode: '00000775', ldapResultCode: 19 },
  },

  // A lockout ends by itself after lockoutDuration (1 s here). Samba compares with the time in whole
  // seconds, so its lockouts last up to a second longer: the scenario waits 2.2 s, once.
  { name: 'a lockout duration of 1 second is written', run: (c) => c.setPolicy({ lockoutDurationSeconds: 1 }), expect: OK },
  ...[7, 8, 9].map((n): Step => ({ name: `bad bind ${n - 6} of 3, short lockout`, run: (c) => c.bind(Role.lockable, `Wrong#Guess${n}`), expect: { code: ResultCode.WRONG_PASSWORD } })),
  { name: 'getAccountState shows the short lockout', run: (c) => c.state(Role.lockable), expect: { ...OK, locked: true } },
  {
    name: 'getAccountState after the lockout duration has passed',
    run: async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 2200));
      return c.state(Role.lockable);
    },
    expect: { ...OK, locked: false },
  },
  { name: 'the user binds again once the lockout has run out', run: (c) => c.bind(Role.lockable), expect: OK },
  { name: 'the lockout duration is set back', run: (c) => c.setPolicy({ lockoutDurationSeconds: SCENARIO_POLICY.lockoutDurationSeconds }), expect: OK },
  { name: 'passwordAlreadyApplied with a time after the last set', run: (c) => c.alreadyApplied(Role.lockable, c.current.lockable, new Date(Date.now() + 60_000)), expect: { ...OK, applied: false } },

  // a user deleted after it was resolved
  { name: 'getAccountState of a deleted user', run: (c) => c.onGhost('delegated', 'state'), expect: { ...OK, exists: false } },
  { name: 'reset of a deleted user', run: (c) => c.onGhost('delegated', 'reset'), expect: { ...notFound('NO_SUCH_OBJECT'), ldapResultCode: 32 } },
  { name: 'change of a deleted user', run: (c) => c.onGhost('delegated', 'change'), expect: notFound('NO_SUCH_OBJECT') },
  { name: 'unlock of a deleted user', run: (c) => c.onGhost('delegated', 'unlock'), expect: { ...notFound('NO_SUCH_OBJECT'), ldapResultCode: 32, adCode: '00002030' } },
  { name: 'unlock of a deleted user outside the delegation', run: (c) => c.onGhost('outside', 'unlock'), expect: { ...notFound('NO_SUCH_OBJECT'), ldapResultCode: 32, adCode: '00002030' } },
  { name: 'checkPermissions on the lockable user', run: (c) => c.permissions(Role.lockable), expect: { ...OK, writePwdLastSet: 'OK', writeLockoutTime: 'OK' } },
  { name: 'a simple bind on plain LDAP without StartTLS', run: (c) => c.bindPlain(Role.delegated), expect: { code: ResultCode.PERMISSION_DENIED, reason: 'ENCRYPTION_REQUIRED', ldapResultCode: 8 } },

  // transport: StartTLS on the plain port, a CA that did not sign the certificate, the directory down and back
  { name: 'resolve over StartTLS', run: (c) => c.overStartTls(Role.delegated), expect: { ...OK, role: Role.delegated } },
  { name: 'reset over StartTLS', run: (c) => c.overStartTls(Role.delegated, Pw.overStartTls), expect: { ...OK, role: Role.delegated, details: 'historyEnforced,mustChangePassword' } },
  { name: 'the reset over StartTLS binds', run: (c) => c.bind(Role.delegated), expect: OK },
  { name: 'a CA that did not sign the certificate', run: (c) => c.withForeignCa(Role.delegated), expect: { code: ResultCode.DIRECTORY_UNAVAILABLE, reason: 'TLS_VERIFICATION_FAILED' } },
  { name: 'the directory goes down', run: (c) => c.control(() => c.backend.goDown()), expect: OK },
  { name: 'resolveUser while it is down', run: (c) => c.resolve({ by: 'dn', value: c.backend.roles.delegated.dn }), expect: { code: ResultCode.DIRECTORY_UNAVAILABLE, reason: 'CONNECTION_FAILED' } },
  { name: 'checkPermissions while it is down', run: (c) => c.permissions(null), expect: { ...OK, bind: 'MISSING' } },
  { name: 'the directory comes back', run: (c) => c.control(() => c.backend.comeBack()), expect: OK },
  { name: 'resolveUser once it is back', run: (c) => c.resolve({ by: 'dn', value: c.backend.roles.delegated.dn }), expect: { ...OK, role: Role.delegated } },

  // the agent's own account with a wrong password (last: it counts toward the service account's lockout)
  { name: 'checkPermissions with a wrong service password', run: (c) => c.permissionsWithBindPassword(Pw.wrongService), expect: { ...OK, bind: 'MISSING' } },
  {
    name: 'resolveUser with a wrong service password',
    run: (c) => c.resolveWithBindPassword(Pw.wrongService, Role.delegated),
    expect: { code: ResultCode.PERMISSION_DENIED, reason: 'SERVICE_BIND_FAILED' },
  },
  { name: 'the agent with the right service password still works', run: (c) => c.resolve({ by: 'dn', value: c.backend.roles.delegated.dn }), expect: { ...OK, role: Role.delegated } },
];
