import type { DirectoryConfig } from './directory-config.js';
import { AgentError } from '../errors.js';
import type { DriverFactory } from './driver.js';

/**
 * A driver factory that has loaded only the drivers of the kinds configured. The AD driver brings
 * security-descriptor and permission-report code an OpenLDAP-only agent never runs; loaded
 * eagerly (create-driver.ts) it costs `run` resident memory for nothing.
 */
export async function loadDriverFactory(directories: readonly Pick<DirectoryConfig, 'kind'>[]): Promise<DriverFactory> {
  const kinds = new Set(directories.map((d) => d.kind));
  const ad = kinds.has('activeDirectory') ? (await import('./ad/active-directory-driver.js')).ActiveDirectoryDriver : null;
  const openldap = kinds.has('openldap') ? (await import('./openldap/openldap-driver.js')).OpenLdapDriver : null;
  return (config, deps) => {
    if (config.kind === 'activeDirectory') {
      if (ad === null) throw new AgentError('INTERNAL', 'the Active Directory driver was not loaded');
      return new ad(config, deps);
    }
    if (openldap === null) throw new AgentError('INTERNAL', 'the OpenLDAP driver was not loaded');
    return new openldap(config, deps, { defaultPolicyDn: config.defaultPolicyDn ?? null });
  };
}
