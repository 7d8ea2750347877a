import type { Client } from 'ldapts';
import type { DirectoryConfig, DriverDeps } from '../directory-config.js';
import type { AccountState, ApplyOutcome, DirectoryDriver, DirectoryUser, GroupMembership, PasswordPolicy, PermissionReport, ResetOptions, Target } from '../driver.js';
import { readContactAttributes } from '../ldap/contact-attributes.js';
import { adGroupMembership } from './group-membership.js';
import { verifyAdPassword } from './verify-password.js';
import { LdapConnectionPool } from '../ldap/connection-pool.js';
import { mapDirectoryError, type DirectoryOperation } from '../ldap/directory-errors.js';
import { CanonicalScopeDns, readCanonicalDn } from '../ldap/canonical-dn.js';
import { readRootDse } from '../ldap/root-dse.js';
import { accountFlags, accountState } from './account-state.js';
import { AdAttribute } from './ad-attributes.js';
import type { AdContext } from './ad-context.js';
import { AdSnapshot, adSnapshotOf } from './ad-snapshot.js';
import { bufferValues } from './entry-values.js';
import { guidFromBytes } from './object-guid.js';
import { changePassword } from './password-change.js';
import { PolicyCache, readPolicyOf, readResultantPso } from './password-policy.js';
import { replaceValue } from './modifications.js';
import { resetPassword } from './password-reset.js';
import { passwordAlreadyApplied } from './password-applied.js';
import { permissionReport } from './permission-report.js';
import { ProtectedGroupSids, protectedReason, readConstructedAttributes } from './protected-account.js';
import { entryValue } from '../ldap/entry-values.js';
import { AdRight } from './rights.js';
import { findUserEntry, readUserEntry } from './user-lookup.js';

/**
 * Active Directory (Windows or Samba) over LDAPS or StartTLS, certificate always verified,
 * failing over across `urls`. Every error leaves as an AgentError from the one directory-error
 * table; passwords are never logged or put into errors.
 */
export class ActiveDirectoryDriver implements DirectoryDriver {
  readonly kind = 'activeDirectory' as const;
  readonly id: string;
  private readonly pool: LdapConnectionPool;
  private readonly policies: PolicyCache;
  private controls: Promise<ReadonlySet<string>> | null = null;
  private readonly context: AdContext;
  private pwdLastSetOnReset: { sets: boolean; at: number } | null = null;
  private readonly groupSids: ProtectedGroupSids;
  private readonly scopeBases: CanonicalScopeDns;

  constructor(
    private readonly config: DirectoryConfig,
    private readonly deps: DriverDeps,
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
    this.policies = new PolicyCache(config.policyCacheMs, deps.now);
    this.groupSids = new ProtectedGroupSids(config.policyCacheMs, deps.now);
    this.scopeBases = new CanonicalScopeDns(config.policyCacheMs, deps.now);
    this.context = {
      config,
      deps,
      withClient: (operation, fn, options) => this.withClient(operation, fn, options),
      withUserBind: (bind, then) => this.pool.withUserBind(bind, then),
      supportedControls: () => this.supportedControls(),
      policyFor: (user) => this.policyFor(user),
      resolvedEntry: (user) => adSnapshotOf(user, this, this.deps.now().getTime())?.entry ?? null,
      resetSetsPwdLastSet: () => {
        const known = this.pwdLastSetOnReset;
        return known !== null && this.deps.now().getTime() - known.at < this.config.policyCacheMs ? known.sets : null;
      },
      learnResetSetsPwdLastSet: (sets) => {
        this.pwdLastSetOnReset = { sets, at: this.deps.now().getTime() };
      },
    };
  }

  async resolveUser(target: Target): Promise<DirectoryUser> {
    return this.withClient(
      'search',
      async (client) => {
        const entry = await findUserEntry(client, target, this.config.baseDn);
        // tokenGroups (protected groups) and msDS-ResultantPSO (the policy) in one base read.
        const constructed = await readConstructedAttributes(client, entry.dn);
        const guid = bufferValues(entry, AdAttribute.objectGUID)[0];
        return {
          dn: entry.dn,
          uuid: guid?.length === 16 ? guidFromBytes(guid) : null,
          ...accountFlags(entry),
          protectedReason: await protectedReason(client, entry, constructed, this.config.scope.protectedGroups, this.groupSids, this.config.bindDn),
          snapshot: new AdSnapshot(this, entry.dn, this.deps.now().getTime(), entry, constructed === null ? null : entryValue(constructed, AdAttribute.resultantPso)),
        };
      },
      { idempotent: true },
    );
  }

  canonicalDn(dn: string): Promise<string | null> {
    return this.scopeBases.of(dn, (at) => this.withClient('search', (client) => readCanonicalDn(client, at), { idempotent: true }));
  }

  passwordPolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    return this.policyFor(user);
  }

  resetPassword(user: DirectoryUser, newPassword: string, options: ResetOptions): Promise<ApplyOutcome> {
    this.deps.logger.debug('resetting password', { directory: this.id, dn: user.dn });
    return resetPassword(this.context, user, newPassword, options);
  }

  changePassword(user: DirectoryUser, oldPassword: string, newPassword: string): Promise<ApplyOutcome> {
    this.deps.logger.debug('changing password', { directory: this.id, dn: user.dn });
    return changePassword(this.context, user, oldPassword, newPassword);
  }

  /** lockoutTime = 0 (also zeroes badPwdCount); writing it on an unlocked account is harmless, so this is idempotent. */
  async unlockAccount(user: DirectoryUser): Promise<ApplyOutcome> {
    await this.withClient('unlockAccount', (client) => client.modify(user.dn, [replaceValue(AdAttribute.lockoutTime, '0')]), { idempotent: true, missing: AdRight.writeLockoutTime });
    return { dn: user.dn, appliedAt: this.deps.now(), details: {} };
  }

  async getAccountState(user: DirectoryUser): Promise<AccountState> {
    const entry = await this.withClient('search', (client) => readUserEntry(client, user.dn), { idempotent: true });
    const policy = entry === null ? null : await this.policyFor(user);
    return accountState(user.dn, entry, policy);
  }

  checkPermissions(options: { user?: DirectoryUser }): Promise<PermissionReport> {
    return permissionReport(this.context, options.user ?? null);
  }

  passwordAlreadyApplied(user: DirectoryUser, password: string, since: Date): Promise<boolean> {
    return passwordAlreadyApplied(this.context, user, password, since);
  }

  readContactAttributes(user: DirectoryUser, names: readonly string[]): Promise<Record<string, string[]>> {
    return this.withClient('search', (client) => readContactAttributes(client, user.dn, names), { idempotent: true });
  }

  groupMembership(user: DirectoryUser, groupDns: readonly string[]): Promise<GroupMembership> {
    return this.withClient('search', (client) => adGroupMembership(client, user.dn, groupDns), { idempotent: true });
  }

  verifyPassword(user: DirectoryUser, password: string): Promise<void> {
    return verifyAdPassword(this.context, user, password);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async withClient<T>(operation: DirectoryOperation, fn: (client: Client) => Promise<T>, options: { idempotent?: boolean; missing?: string } = {}): Promise<T> {
    try {
      return await this.pool.withClient(fn, { idempotent: options.idempotent ?? false });
    } catch (error) {
      throw mapDirectoryError(error, { operation, missing: options.missing });
    }
  }

  private supportedControls(): Promise<ReadonlySet<string>> {
    this.controls ??= this.withClient('search', readRootDse, { idempotent: true }).then(
      (rootDse) => new Set(rootDse.supportedControl),
      (error: unknown) => {
        this.controls = null;
        throw error;
      },
    );
    return this.controls;
  }

  /** The user's PSO comes from the snapshot when fresh; policies are cached per PSO (or the domain). */
  private async policyFor(user: DirectoryUser): Promise<PasswordPolicy> {
    const resolved = adSnapshotOf(user, this, this.deps.now().getTime());
    const psoDn = resolved !== null ? resolved.psoDn : await this.withClient('search', (client) => readResultantPso(client, user.dn), { idempotent: true });
    const key = psoDn ?? '';
    const cached = this.policies.get(key);
    if (cached !== null) return cached;
    const policy = await this.withClient('search', (client) => readPolicyOf(client, psoDn, this.config.baseDn), { idempotent: true });
    this.policies.set(key, policy);
    return policy;
  }
}
