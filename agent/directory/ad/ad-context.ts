import type { Client, Entry } from 'ldapts';
import type { DirectoryConfig, DriverDeps } from '../directory-config.js';
import type { DirectoryUser, PasswordPolicy } from '../driver.js';
import type { UserBind } from '../ldap/connection-pool.js';
import type { DirectoryOperation } from '../ldap/directory-errors.js';

/** What the driver's operation modules share: config, deps, and the driver's connection helpers. */
export interface AdContext {
  config: DirectoryConfig;
  deps: DriverDeps;
  /** Runs `fn` on a pooled connection bound as the service account; errors are mapped for `operation`. */
  withClient<T>(operation: DirectoryOperation, fn: (client: Client) => Promise<T>, options?: { idempotent?: boolean; missing?: string }): Promise<T>;
  /** Binds as a user on a connection of the users' own, then runs `then` on it (LdapConnectionPool.withUserBind). */
  withUserBind<T>(bind: UserBind, then: (client: Client) => Promise<T>): Promise<T>;
  /** supportedControl of the DC's root DSE (read once, kept). */
  supportedControls(): Promise<ReadonlySet<string>>;
  /** The password policy in force for the user (cached per PSO, or the domain). */
  policyFor(user: DirectoryUser): Promise<PasswordPolicy>;
  /** The entry in the user's snapshot (USER_ATTRIBUTES) while fresh, or null: read it again. */
  resolvedEntry(user: DirectoryUser): Entry | null;
  /**
   * Whether this DC set pwdLastSet itself on the last admin resets of accounts whose pwdLastSet was
   * not 0 (Samba does; a Windows DC without Unexpire Password may not): learned from the read after
   * a reset and kept for policyCacheMs; null when not known.
   */
  resetSetsPwdLastSet(): boolean | null;
  learnResetSetsPwdLastSet(sets: boolean): void;
}
