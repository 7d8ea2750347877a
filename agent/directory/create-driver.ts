import type { DirectoryConfig, DriverDeps } from './directory-config.js';
import { ActiveDirectoryDriver } from './ad/active-directory-driver.js';
import type { DirectoryDriver } from './driver.js';
import { OpenLdapDriver } from './openldap/openldap-driver.js';

/** The driver for a configured directory's `kind`. */
export function createDriver(config: DirectoryConfig, deps: DriverDeps): DirectoryDriver {
  return config.kind === 'activeDirectory' ? new ActiveDirectoryDriver(config, deps) : new OpenLdapDriver(config, deps, { defaultPolicyDn: config.defaultPolicyDn ?? null });
}
