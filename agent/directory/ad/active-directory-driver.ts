import type { Client } from 'ldapts';
import type { DirectoryConfig, DriverDeps } from '../../config/directory-config.js';
import type {
  AccountState, ApplyOutcome, DirectoryDriver, DirectoryUser, PasswordPolicy, PermissionReport, ResetOptions, Target,
} from '../driver.js';
import { LdapConnectionPool } from '../ldap/connection-pool.js';
import { mapDirectoryError, type DirectoryOperation } from '../ldap/directory-errors.js';
import { readRootDse } from '../ldap/root-dse.js';
import { accountFlags, accountState } from './account-state.js';
import { AdAttribute } from './ad-attributes.js';
import type { AdContext } from './ad-context.js';
import { bufferValues } from './entry-values.js';
import { guidFromBytes } from './object-guid.js';
import { changePassword } from './password-change.js';
import { PolicyCache, readPasswordPolicy } from './password-policy.js';
import { replaceValue } from './modifications.js';
import { resetPassword } from './password-reset.js';
import { passwordAlreadyApplied } from './password-applied.js';
import { permissionReport } from './permission-report.js';
import { protectedReason } from './protected-account.js';
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

  constructor(private readonly config: DirectoryConfig, private readonly deps: DriverDeps) {
    this.id = config.id;
    this.pool = new LdapConnectionPool({
      urls: config.urls, tls: config.tls, timeoutMs: config.timeoutMs, bindDn: config.bindDn,
      bindPassword: deps.bindPassword, size: config.poolSize, logger: deps.logger,
    });
    this.policies = new PolicyCache(config.policyCacheMs, deps.now);
    this.context = {
      config, deps,
      withClient: (operation, fn, options) => this.withClient(operation, fn, options),
      withUserConnection: (fn) => this.pool.withSeparateConnection(fn),
      supportedControls: () => this.supportedControls(),
      policyFor: (dn) => this.policyFor(dn),
    };
  }

  async resolveUser(target: Target): Promise<DirectoryUser> {
    return this.withClient('search', async (client) => {
      const entry = await findUserEntry(client, target, this.config.baseDn);
      const guid = bufferValues(entry, AdAttribute.objectGUID)[0];
      return {
        dn: entry.dn,
        uuid: guid?.length === 16 ? guidFromBytes(guid) : null,
        ...accountFlags(entry),
        protectedReason: await protectedReason(client, entry, this.config.scope.protectedGroups),
      };
    }, { idempotent: true });
  }

  passwordPolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    return this.policyFor(user.dn);
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
    const policy = entry === null ? null : await this.policyFor(user.dn);
    return accountState(user.dn, entry, policy);
  }

  checkPermissions(options: { user?: DirectoryUser }): Promise<PermissionReport> {
    return permissionReport(this.context, options.user ?? null);
  }

  passwordAlreadyApplied(user: DirectoryUser, password: string, since: Date): Promise<boolean> {
    return passwordAlreadyApplied(this.context, user, password, since);
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

  private async policyFor(userDn: string): Promise<PasswordPolicy> {
    const cached = this.policies.get(userDn);
    if (cached !== null) return cached;
    const policy = await this.withClient('search', (client) => readPasswordPolicy(client, userDn, this.config.baseDn), { idempotent: true });
    this.policies.set(userDn, policy);
    return policy;
  }
}
