/**
 * The OpenLDAP (slapd + ppolicy overlay) implementation of DirectoryDriver.
 *
 * Decisions worth knowing:
 * - Resets use the Password Modify extended operation (slapd hashes) or, with `passwordMethod:
 *   'replace'`, a replace of userPassword (hashed only with olcPPolicyHashCleartext). The ppolicy
 *   request control goes on every password operation so refusals carry their reason.
 * - forceChangeAtNextLogon true sets pwdReset: TRUE; false deletes pwdReset (permissive modify),
 *   because slapd sets it by itself on a password administrator's reset when pwdMustChange is TRUE
 *   and a stale one from an earlier forced reset would force a change the command did not ask for.
 * - Unlock deletes pwdAccountLockedTime with permissive modify (idempotent). slapd itself drops
 *   the lock on any successful password change, so `unlock: false` cannot keep a locked account
 *   locked through a reset: the outcome then says `unlockedByServer: true`, and so it does when the
 *   agent may not write the lock but slapd dropped it with the change (no false `notApplied`). The administrator lock value 000001010000Z is a disabled account: it
 *   is reported as `disabled` and never cleared: unlock and reset refuse with ACCOUNT_DISABLED
 *   (a reset would clear it too).
 * - The default policy's DN (olcPPolicyDefault) is not readable by a service account: pass
 *   `defaultPolicyDn`, else it is discovered (see PolicyReader).
 * - Target kinds of AD map to their nearest attribute: sAMAccountName to uid, userPrincipalName to
 *   mail; objectGUID has no counterpart (USER_NOT_FOUND, reason TARGET_KIND_NOT_SUPPORTED).
 */
import { Attribute, Change, type Client, type Entry } from 'ldapts';
import { ResultCode } from '../../../protocol/codes.js';
import type { DirectoryConfig, DriverDeps } from '../directory-config.js';
import { AgentError, SetupError, SetupErrorCode } from '../../errors.js';
import type { AccountState, ApplyOutcome, DirectoryDriver, DirectoryUser, GroupMembership, PasswordPolicy, PermissionReport, ResetOptions, Target } from '../driver.js';
import { readContactAttributes } from '../ldap/contact-attributes.js';
import { openLdapGroupMembership } from './group-membership.js';
import { verifyOpenLdapPassword } from './verify-password.js';
import { LdapConnectionPool } from '../ldap/connection-pool.js';
import { passwordPolicyControl, permissiveModifyControl, ppolicyErrorOf } from '../ldap/controls.js';
import { mapDirectoryError, type DirectoryErrorContext } from '../ldap/directory-errors.js';
import { dnEquals, normalizeDn, parentDn } from '../ldap/dn.js';
import { CanonicalScopeDns, readCanonicalDn } from '../ldap/canonical-dn.js';
import { entryValue, entryValues } from '../ldap/entry-values.js';
import { parseGeneralizedTime } from '../ldap/generalized-time.js';
import { passwordModify } from '../ldap/password-modify.js';
import { PpolicyError } from '../ldap/ppolicy-errors.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';
import { accountFacts, USER_ATTRIBUTES, type AccountFacts } from './account-facts.js';
import { deleteAttribute, probeModify, replaceAttribute } from './access-probe.js';
import { PpolicyAttr } from './openldap-attributes.js';
import { checkOpenLdapPermissions } from './permission-checker.js';
import { precheckPassword } from './password-checks.js';
import { PolicyReader } from './policy-reader.js';
import { toPasswordPolicy, type PpolicyEntry } from './ppolicy-entry.js';
import { ProtectedGroupGate, protectedGroupReason, ProtectedGroupUnreadableError, readProtectedGroup } from './protected-groups.js';
import { findUserEntry } from './user-resolver.js';
import { OpenLdapSnapshot, openLdapSnapshotOf } from './openldap-snapshot.js';

export interface OpenLdapDriverOptions {
  /** DN of the ppolicy overlay's default policy (olcPPolicyDefault). Without it the driver discovers one. */
  defaultPolicyDn?: string | null;
}

/** What resetPassword needs to know about the agent's rights on one entry. */
type ResetRights = 'passwordAdministrator' | 'writeOnly' | 'unknown';

/** What a write needs to know about the account: from the user's snapshot, or read now. */
interface AccountRead {
  policy: PpolicyEntry;
  facts: AccountFacts;
}

export class OpenLdapDriver implements DirectoryDriver {
  readonly id: string;
  readonly kind = 'openldap' as const;
  private readonly pool: LdapConnectionPool;
  private readonly policies: PolicyReader;
  /**
   * resetRights per parent container, for policyCacheMs: ACLs on userPassword are written per
   * subtree, and the probe was a round trip on every reset.
   */
  private readonly rightsCache = new Map<string, { rights: ResetRights; at: number }>();
  private readonly scopeBases: CanonicalScopeDns;
  private readonly groupGate: ProtectedGroupGate;

  constructor(
    private readonly config: DirectoryConfig,
    private readonly deps: DriverDeps,
    options: OpenLdapDriverOptions = {},
  ) {
    this.id = config.id;
    this.pool = new LdapConnectionPool({
      urls: config.urls,
      tls: config.tls,
      timeoutMs: config.timeoutMs,
      bindDn: config.bindDn,
      bindPassword: deps.bindPassword,
      size: config.poolSize,
      logger: deps.logger,
    });
    this.scopeBases = new CanonicalScopeDns(config.policyCacheMs, deps.now);
    this.groupGate = new ProtectedGroupGate(config.policyCacheMs, deps.now);
    this.policies = new PolicyReader({ baseDn: config.baseDn, defaultPolicyDn: options.defaultPolicyDn ?? null, cacheMs: config.policyCacheMs, now: deps.now, logger: deps.logger });
  }

  async resolveUser(target: Target): Promise<DirectoryUser> {
    return this.read('search', async (client) => {
      const entry = await findUserEntry(client, this.config.baseDn, target, USER_ATTRIBUTES);
      const policy = await this.policyFor(client, entry);
      const facts = accountFacts(entry, policy, this.deps.now());
      return {
        dn: entry.dn,
        uuid: entryValue(entry, PpolicyAttr.entryUUID),
        disabled: facts.disabled,
        locked: facts.locked,
        passwordLastSet: facts.passwordLastSet,
        mustChangePassword: facts.mustChangePassword,
        // Resetting the agent's own account would cut the agent off from the directory.
        protectedReason: dnEquals(entry.dn, this.config.bindDn) ? "the agent's own service account" : await this.groupReason(client, entry),
        // The entry read here, for the write that follows on the same command: one search instead of two per reset.
        snapshot: new OpenLdapSnapshot(this, entry.dn, this.deps.now().getTime(), policy, facts),
      };
    });
  }

  canonicalDn(dn: string): Promise<string | null> {
    return this.scopeBases.of(dn, (at) => this.read('search', (client) => readCanonicalDn(client, at)));
  }

  /** Membership of scope.protectedGroups; a group that cannot be read protects every account. */
  private async groupReason(client: Client, entry: Entry): Promise<string | null> {
    try {
      return await protectedGroupReason(
        client,
        this.config.baseDn,
        { dn: entry.dn, uids: entryValues(entry, PpolicyAttr.uid), memberOf: entryValues(entry, PpolicyAttr.memberOf) },
        this.config.scope.protectedGroups,
        this.groupGate,
      );
    } catch (error) {
      if (error instanceof ProtectedGroupUnreadableError) return `${error.message}, so the agent cannot tell whether the account is protected`;
      throw error;
    }
  }

  /** Refuses to start when a configured protected group cannot be read; warns when none is configured. */
  async startupCheck(): Promise<void> {
    const groups = this.config.scope.protectedGroups;
    if (groups.length === 0) {
      this.deps.logger.warn("no scope.protectedGroups configured: OpenLDAP has no built-in privileged accounts, so only the agent's own account is protected; list the groups of your administrators", {
        directory: this.id,
      });
      return;
    }
    const unreadable = await this.read('search', async (client) => {
      for (const dn of groups) {
        try {
          await readProtectedGroup(client, dn);
        } catch (error) {
          if (error instanceof ProtectedGroupUnreadableError) return error;
          throw error;
        }
      }
      return null;
    }).catch((error: unknown) => {
      // Unreachable now: every command reads the groups again and fails closed.
      this.deps.logger.warn('could not check scope.protectedGroups at start', { directory: this.id, code: (error as { code?: unknown }).code });
      return null;
    });
    if (unreadable !== null) {
      throw new SetupError(
        SetupErrorCode.DIRECTORY,
        `directories ${this.id}: ${unreadable.message}; fix scope.protectedGroups or give ${this.config.bindDn} read access to the group's objectClass, member, uniqueMember and memberUid`,
      );
    }
  }

  async passwordPolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    const snapshot = openLdapSnapshotOf(user, this, this.deps.now().getTime());
    if (snapshot !== null) return toPasswordPolicy(snapshot.policy);
    return this.read('search', async (client) => toPasswordPolicy(await this.policies.forUser(client, user.dn)));
  }

  async resetPassword(user: DirectoryUser, newPassword: string, options: ResetOptions): Promise<ApplyOutcome> {
    const { policy, facts } = await this.account(user);
    // slapd would drop the administrator lock with the password change, re-enabling the account.
    if (facts.disabled) throw disabledError();
    const refusal = precheckPassword(newPassword, policy, this.config.passwordMethod);
    if (refusal !== null) throw refusal;
    const rights = options.enforceHistory && policy.inHistory > 0 ? await this.resetRights(user.dn) : 'unknown';

    const control = passwordPolicyControl();
    const context = (): DirectoryErrorContext => ({
      operation: 'resetPassword',
      ppolicyError: ppolicyErrorOf(control),
      missing: `write access (=w, or =wm to act as password administrator) to userPassword of ${user.dn}`,
      allowedAt: facts.passwordChangeAllowedAt,
    });
    try {
      // Not idempotent: a reset repeated after a lost answer would hit the history check.
      await this.pool.withClient(
        async (client) => {
          if (this.config.passwordMethod === 'passwordModify') await passwordModify(client, { userIdentity: user.dn, newPassword }, [control]);
          else await client.modify(user.dn, new Change({ operation: 'replace', modification: new Attribute({ type: PpolicyAttr.userPassword, values: [newPassword] }) }), [control]);
        },
        { idempotent: false },
      );
    } catch (error) {
      throw this.logged(mapDirectoryError(error, context()), 'reset refused', user.dn);
    }
    const appliedAt = this.deps.now();
    const notApplied: Record<string, unknown>[] = [];
    // Each follow-up is a round trip: skip those with nothing to do. pwdReset can only be there if slapd set it now
    // (pwdMustChange) or it was there before; slapd drops an expired lock itself on the change.
    if (options.forceChangeAtNextLogon) await this.followUp(notApplied, 'pwdReset', user.dn, replaceAttribute(PpolicyAttr.pwdReset, 'TRUE'), 'write access to pwdReset');
    else if (policy.mustChange || facts.mustChangePassword) await this.followUp(notApplied, 'pwdReset', user.dn, deleteAttribute(PpolicyAttr.pwdReset), 'write access to pwdReset');
    let unlockedByServer = !options.unlock && facts.locked;
    if (options.unlock && facts.locked) {
      const before = notApplied.length;
      await this.followUp(notApplied, 'unlock', user.dn, deleteAttribute(PpolicyAttr.pwdAccountLockedTime), 'write access to pwdAccountLockedTime');
      // The password change may have dropped the lock already: then the unlock is done, not missing.
      if (notApplied.length > before && (await this.lockGone(user.dn))) {
        notApplied.pop();
        unlockedByServer = true;
      }
    }
    const details: Record<string, unknown> = {};
    if (options.enforceHistory && policy.inHistory > 0 && rights !== 'writeOnly') details.historyEnforced = false;
    if (notApplied.length > 0) details.notApplied = notApplied;
    // slapd's ppolicy drops pwdAccountLockedTime on every successful password change: a lock cannot survive a reset.
    if (unlockedByServer) details.unlockedByServer = true;
    this.deps.logger.debug('password reset applied', { directory: this.id, dn: user.dn, forceChange: options.forceChangeAtNextLogon, unlock: options.unlock });
    return { dn: user.dn, appliedAt, details };
  }

  async changePassword(user: DirectoryUser, oldPassword: string, newPassword: string): Promise<ApplyOutcome> {
    const { policy, facts } = await this.account(user);
    const refusal = precheckPassword(newPassword, policy, this.config.passwordMethod);
    if (refusal !== null) throw refusal;
    const bindControl = passwordPolicyControl();
    const control = passwordPolicyControl();
    let stage = 'userBind' as 'userBind' | 'changePassword';
    try {
      // The user's own bind, on a connection of its own: slapd then applies the user's ACLs and policy.
      await this.pool.withUserBind({ dn: user.dn, password: oldPassword, controls: [bindControl] }, async (client) => {
        stage = 'changePassword';
        if (this.config.passwordMethod === 'passwordModify') {
          await passwordModify(client, { userIdentity: user.dn, oldPassword, newPassword }, [control]);
        } else {
          await client.modify(
            user.dn,
            [
              new Change({ operation: 'delete', modification: new Attribute({ type: PpolicyAttr.userPassword, values: [oldPassword] }) }),
              new Change({ operation: 'add', modification: new Attribute({ type: PpolicyAttr.userPassword, values: [newPassword] }) }),
            ],
            [control],
          );
        }
      });
    } catch (error) {
      const ppolicyError = stage === 'userBind' ? ppolicyErrorOf(bindControl) : ppolicyErrorOf(control);
      const mapped = mapDirectoryError(error, {
        operation: stage,
        ppolicyError,
        allowedAt: facts.passwordChangeAllowedAt,
        missing: 'the user may not change their own password (ACL on userPassword by self)',
      });
      throw this.logged(mapped, 'password change refused', user.dn);
    }
    this.deps.logger.debug('password change applied', { directory: this.id, dn: user.dn });
    return { dn: user.dn, appliedAt: this.deps.now(), details: {} };
  }

  async unlockAccount(user: DirectoryUser): Promise<ApplyOutcome> {
    const { facts } = await this.account(user);
    if (facts.disabled) throw disabledError();
    try {
      await this.pool.withClient((client) => client.modify(user.dn, deleteAttribute(PpolicyAttr.pwdAccountLockedTime), [permissiveModifyControl()]), { idempotent: true });
    } catch (error) {
      throw this.logged(mapDirectoryError(error, { operation: 'unlockAccount', missing: `write access to pwdAccountLockedTime of ${user.dn}` }), 'unlock refused', user.dn);
    }
    this.deps.logger.debug('account unlocked', { directory: this.id, dn: user.dn, wasLocked: facts.locked });
    return { dn: user.dn, appliedAt: this.deps.now(), details: { wasLocked: facts.locked } };
  }

  async getAccountState(user: DirectoryUser): Promise<AccountState> {
    return this.read('search', async (client) => {
      let entry: Entry | undefined;
      try {
        ({
          searchEntries: [entry],
        } = await client.search(user.dn, { scope: 'base', attributes: USER_ATTRIBUTES }));
      } catch (error) {
        if ((error as { code?: unknown }).code !== LdapResultCode.noSuchObject) throw error;
      }
      if (entry === undefined) {
        return { dn: user.dn, exists: false, locked: false, disabled: false, passwordLastSet: null, passwordChangeAllowedAt: null, mustChangePassword: false };
      }
      const facts = accountFacts(entry, await this.policyFor(client, entry), this.deps.now());
      return { dn: entry.dn, exists: true, ...facts };
    });
  }

  async checkPermissions(options: { user?: DirectoryUser }): Promise<PermissionReport> {
    return checkOpenLdapPermissions({ config: this.config, pool: this.pool, policies: this.policies, logger: this.deps.logger, ...(options.user ? { user: options.user } : {}) });
  }

  async passwordAlreadyApplied(user: DirectoryUser, password: string, since: Date): Promise<boolean> {
    const changed = await this.read('search', async (client) => {
      const { searchEntries } = await client.search(user.dn, { scope: 'base', attributes: [PpolicyAttr.pwdChangedTime] });
      const text = entryValue(searchEntries[0], PpolicyAttr.pwdChangedTime);
      return text === null ? null : parseGeneralizedTime(text);
    });
    // pwdChangedTime has whole seconds: compare against `since` truncated likewise.
    if (changed === null || changed.getTime() < Math.floor(since.getTime() / 1000) * 1000) return false;
    const control = passwordPolicyControl();
    try {
      await this.pool.withUserBind({ dn: user.dn, password, controls: [control] }, () => Promise.resolve());
      return true;
    } catch (error) {
      if (ppolicyErrorOf(control) === PpolicyError.changeAfterReset) return true;
      const mapped = mapDirectoryError(error, { operation: 'userBind', ppolicyError: ppolicyErrorOf(control) });
      if (mapped.code === ResultCode.DIRECTORY_UNAVAILABLE) throw mapped;
      return false;
    }
  }

  readContactAttributes(user: DirectoryUser, names: readonly string[]): Promise<Record<string, string[]>> {
    return this.read('search', (client) => readContactAttributes(client, user.dn, names));
  }

  groupMembership(user: DirectoryUser, groupDns: readonly string[]): Promise<GroupMembership> {
    return this.read('search', (client) => openLdapGroupMembership(client, this.config.baseDn, user.dn, groupDns));
  }

  verifyPassword(user: DirectoryUser, password: string): Promise<void> {
    return verifyOpenLdapPassword(this.pool, user, password);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Runs a read on a pooled connection (retried once after a broken connection) and maps errors. */
  private async read<T>(operation: DirectoryErrorContext['operation'], fn: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await this.pool.withClient(fn, { idempotent: true });
    } catch (error) {
      throw mapDirectoryError(error, { operation });
    }
  }

  private policyFor(client: Client, entry: Entry): Promise<PpolicyEntry> {
    return this.policies.forSubentry(client, entryValue(entry, PpolicyAttr.pwdPolicySubentry));
  }

  /** For a write: the account as the user's snapshot has it (which the write spends), else read now. */
  private async account(user: DirectoryUser): Promise<AccountRead> {
    const snapshot = openLdapSnapshotOf(user, this, this.deps.now().getTime());
    if (snapshot !== null) {
      snapshot.spent = true;
      return snapshot;
    }
    return this.read('search', async (client) => this.loadAccount(client, user.dn));
  }

  private async loadAccount(client: Client, dn: string): Promise<AccountRead> {
    let entry: Entry | undefined;
    try {
      ({
        searchEntries: [entry],
      } = await client.search(dn, { scope: 'base', attributes: USER_ATTRIBUTES }));
    } catch (error) {
      if ((error as { code?: unknown }).code === LdapResultCode.noSuchObject)
        throw new AgentError(ResultCode.USER_NOT_FOUND, 'no such user in the directory', { details: { reason: 'NO_SUCH_OBJECT' } });
      throw error;
    }
    if (entry === undefined) throw new AgentError(ResultCode.USER_NOT_FOUND, 'no such user in the directory', { details: { reason: 'NO_SUCH_OBJECT' } });
    const policy = await this.policyFor(client, entry);
    return { policy, facts: accountFacts(entry, policy, this.deps.now()) };
  }

  /**
   * Password administrator (manage on userPassword) or plain write? A No-Op replace with a
   * one-character value: ppolicy skips its checks for an administrator (16654) and refuses it
   * for anyone else (19). Decides whether the server enforced history on a reset.
   */
  private async resetRights(dn: string): Promise<ResetRights> {
    const container = containerKey(dn);
    const now = this.deps.now().getTime();
    const hit = this.rightsCache.get(container);
    if (hit !== undefined && now - hit.at < this.config.policyCacheMs) return hit.rights;
    let rights: ResetRights;
    try {
      const probe = await this.pool.withClient((client) => probeModify(client, dn, replaceAttribute(PpolicyAttr.userPassword, 'x')), { idempotent: true });
      rights = probe.outcome === 'allowed' ? 'passwordAdministrator' : probe.outcome === 'policyRefused' ? 'writeOnly' : 'unknown';
    } catch {
      return 'unknown';
    }
    // Only a clear answer is worth keeping; bounded like the policy cache.
    if (rights !== 'unknown' && this.config.policyCacheMs > 0) {
      if (this.rightsCache.size >= 1000) this.rightsCache.clear();
      this.rightsCache.set(container, { rights, at: now });
    }
    return rights;
  }

  /** A write after the password was set: its failure is reported in `notApplied`, not thrown (the password is already changed). */
  private async followUp(notApplied: Record<string, unknown>[], what: string, dn: string, change: Change, missing: string): Promise<void> {
    try {
      await this.pool.withClient((client) => client.modify(dn, change, [permissiveModifyControl()]), { idempotent: true });
    } catch (error) {
      const mapped = mapDirectoryError(error, { operation: 'modify', missing });
      notApplied.push({ what, code: mapped.code, reason: mapped.details.reason });
      this.deps.logger.warn('follow-up write after a reset failed', { directory: this.id, dn, what, code: mapped.code, reason: mapped.details.reason });
    }
  }

  /** Whether the entry no longer carries pwdAccountLockedTime; false when it cannot be read (a missing unlock is then reported). */
  private async lockGone(dn: string): Promise<boolean> {
    try {
      const { searchEntries } = await this.pool.withClient((client) => client.search(dn, { scope: 'base', attributes: [PpolicyAttr.pwdAccountLockedTime] }), { idempotent: true });
      const entry = searchEntries[0];
      // ldapts lists a requested attribute the entry lacks as an empty array.
      const lock = entry?.[PpolicyAttr.pwdAccountLockedTime];
      return entry !== undefined && (lock === undefined || (Array.isArray(lock) && lock.length === 0));
    } catch {
      return false;
    }
  }

  private logged(error: AgentError, what: string, dn: string): AgentError {
    this.deps.logger.warn(what, { directory: this.id, dn, code: error.code, reason: error.details.reason });
    return error;
  }
}

/** The normalized parent DN (the container whose ACLs usually decide), or the DN itself at the top. */
function containerKey(dn: string): string {
  try {
    return normalizeDn(parentDn(dn) ?? dn);
  } catch {
    return dn.toLowerCase();
  }
}

function disabledError(): AgentError {
  return new AgentError(ResultCode.ACCOUNT_DISABLED, 'the account was locked by an administrator; the agent does not re-enable it', { details: { reason: 'ADMIN_LOCKED' } });
}
