import type { Logger } from '../logging/logger.js';
import type { PortalConfig } from '../config/portal-config.js';

/** One entry of `directories` in the config file, after validation and defaults. */
export interface DirectoryConfig {
  id: string;
  kind: 'activeDirectory' | 'openldap';
  /** ldaps:// or ldap:// (then `tls.startTls` must be true); tried in order, failing over. */
  urls: string[];
  baseDn: string;
  bindDn: string;
  tls: {
    /** PEM file of the CA(s) that signed the directory's certificate; null = the system store. */
    caFile: string | null;
    startTls: boolean;
  };
  scope: {
    include: string[];
    exclude: string[];
    refuseProtectedAccounts: boolean;
    /** OpenLDAP: DNs of groups whose members (direct or nested) are protected. AD: extra groups. */
    protectedGroups: string[];
    /**
     * Protected accounts in these groups (direct or nested) may reset or unlock their own password
     * through commands the service marks `selfService: true`; absent or [] = never (docs/self-service.md).
     */
    selfServiceProtectedGroups?: string[];
  };
  /** Self-service portal features; absent = all off (agent/config/portal-config.ts). */
  portal?: PortalConfig;
  /** AD only: what to do when the DC supports no policy hints control (history on resets). */
  historyOnReset: 'require' | 'bestEffort';
  /** OpenLDAP only: Password Modify extended operation, or replace of userPassword. */
  passwordMethod: 'passwordModify' | 'replace';
  /** Per operation, including connect. */
  timeoutMs: number;
  /** Connections kept per directory. */
  poolSize: number;
  /** How long a read password policy is reused. */
  policyCacheMs: number;
  /**
   * OpenLDAP only: the ppolicy overlay's default policy entry (olcPPolicyDefault), which the service
   * account cannot read from cn=config; null = the only pwdPolicy entry, or the one named `default`.
   */
  defaultPolicyDn?: string | null;
}

/** What every driver constructor receives besides its config. */
export interface DriverDeps {
  /** The resolved bind password (never logged). */
  bindPassword: string;
  logger: Logger;
  /** Injected so tests control time. */
  now: () => Date;
}
