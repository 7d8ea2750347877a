import type { Client } from 'ldapts';
import type { DirectoryConfig } from '../../agent/directory/directory-config.js';
import { directoryConfig } from '../helpers/directory-config.js';

/**
 * The accounts the scenario acts on, by what they are for. The two seeds name them differently;
 * each backend maps every role to one of its seeded accounts.
 */
export const Role = {
  /** Inside the delegated OU, nothing special: admin resets. */
  delegated: 'delegated',
  /** Inside the delegated OU: the user's own changes (history, minimum age). */
  changer: 'changer',
  /** Outside the delegation. */
  outside: 'outside',
  /** adminCount=1, Domain Admins: protected detection. */
  protectedAdmin: 'protectedAdmin',
  /** Inside the delegated OU, but its DACL does not inherit the delegation. */
  protectedDacl: 'protectedDacl',
  /** pwdLastSet = 0. */
  mustChange: 'mustChange',
  disabled: 'disabled',
  /** Inside the delegation, locked out by bad binds during the scenario. */
  lockable: 'lockable',
  /** The built-in Administrator (RID 500). */
  administrator: 'administrator',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface RoleAccount {
  dn: string;
  sam: string;
  upn: string;
  /** The seeded password. */
  password: string;
  mail: string | null;
}

/** One directory the scenario runs against: a directory-sim in Samba mode or a real Samba DC. */
export interface Backend {
  name: string;
  baseDn: string;
  /** The NetBIOS domain name, for DOMAIN\\user binds. */
  netbiosDomain: string;
  /** The OU delegated to svc-writeback. */
  delegatedOu: string;
  ldapsUrl: string;
  /** Plain LDAP, for StartTLS. */
  ldapUrl: string;
  caPem: string;
  /** The driver's config, bound as svc-writeback over verified LDAPS. */
  config: DirectoryConfig;
  bindPassword: string;
  roles: Record<Role, RoleAccount>;
  /** The seeded passwords (service account and Administrator included): none may leak. */
  secrets: string[];
  /** An ldapts client over LDAPS bound as Administrator; the caller unbinds it. */
  adminClient(): Promise<Client>;
  /** Takes Write pwdLastSet and Write lockoutTime from svc-writeback's delegation, or gives them back. */
  setFollowUpRights(granted: boolean): Promise<void>;
  /** Gives or takes Unexpire Password for Authenticated Users on the domain root (Samba provisions it granted). */
  setUnexpireForAuthenticatedUsers(granted: boolean): Promise<void>;
  /** The directory stops answering: connections end, new ones are refused. */
  goDown(): Promise<void>;
  comeBack(): Promise<void>;
  stop(): Promise<void>;
}

/** The same driver config for both backends; only the addresses and names differ. */
export function driverConfig(fields: { ldapsUrl: string; baseDn: string; bindDn: string; caFile: string; delegatedOu: string }): DirectoryConfig {
  return directoryConfig(
    { id: 'differential', kind: 'activeDirectory', urls: [fields.ldapsUrl], baseDn: fields.baseDn, bindDn: fields.bindDn, caFile: fields.caFile, include: [fields.delegatedOu] },
    { passwordMethod: 'replace', policyCacheMs: 0 },
  );
}
