import { ConfigDefaults } from '../agent/config/config-defaults.js';
import type { DirectoryConfig } from '../agent/directory/directory-config.js';

/** The agent's defaults for the keys a deployed config leaves out, where the tests' builder differs. */
export const BENCH_DIRECTORY_DEFAULTS = {
  timeoutMs: ConfigDefaults.timeoutMs,
  policyCacheMs: ConfigDefaults.policyCacheMs,
  passwordMethod: ConfigDefaults.passwordMethod,
} satisfies Partial<DirectoryConfig>;

/** What a directory under test offers the bench: the agent's config entry and a raw-LDAP baseline. */
export interface BenchTarget {
  /** Row label, e.g. "slapd (fsync off)". */
  name: string;
  /** Short key for the JSON, e.g. "slapd-nosync". */
  key: string;
  /** The directory entry of the agent's config (bindPassword comes from the environment). */
  agentDirectory: DirectoryConfig;
  bindPassword: string;
  /** How commands name users, and the users available (distinct; reused round robin beyond). */
  targetBy: 'uid' | 'sAMAccountName';
  users: readonly string[];
  baseline: BaselineTarget;
  /** `ldapmodify` settings when the directory takes a plain LDIF modify stream (slapd). */
  ldapmodify?: { url: string; caFile: string; bindDn: string; bindPassword: string; dnOf: (user: string) => string };
  /** Directory server processes whose CPU is worth reporting next to the agent's. */
  serverPid: number | null;
  close(): Promise<void>;
}

/** How the baseline finds a user and writes a password, with ldapts and nothing else. */
export interface BaselineTarget {
  url: string;
  caFile: string;
  bindDn: string;
  bindPassword: string;
  searchBase: string;
  /** An escaped equality filter for the user. */
  filterFor: (user: string) => string;
  /** unicodePwd replace (AD), Password Modify extended operation or userPassword replace (OpenLDAP). */
  write: 'unicodePwd' | 'passwordModify' | 'userPassword';
}

/** A fresh password per command: passes AD complexity and ppolicy quality, never in any history. */
export function benchPassword(run: string, index: number): string {
  return `Bench#${run}-${index}x`;
}
