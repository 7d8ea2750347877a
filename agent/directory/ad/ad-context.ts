import type { Client } from 'ldapts';
import type { DirectoryConfig, DriverDeps } from '../../config/directory-config.js';
import type { PasswordPolicy } from '../driver.js';
import type { DirectoryOperation } from '../ldap/directory-errors.js';

/** What the driver's operation modules share: config, deps, and the driver's connection helpers. */
export interface AdContext {
  config: DirectoryConfig;
  deps: DriverDeps;
  /** Runs `fn` on a pooled connection bound as the service account; errors are mapped for `operation`. */
  withClient<T>(operation: DirectoryOperation, fn: (client: Client) => Promise<T>, options?: { idempotent?: boolean; missing?: string }): Promise<T>;
  /** A separate, unbound TLS connection (to bind as a user). */
  withUserConnection<T>(fn: (client: Client) => Promise<T>): Promise<T>;
  /** supportedControl of the DC's root DSE (read once, kept). */
  supportedControls(): Promise<ReadonlySet<string>>;
  policyFor(userDn: string): Promise<PasswordPolicy>;
}
