import { PrivilegedBuiltinSid } from '../privileged-groups.js';

/**
 * Well-known SIDs (MS-DTYP 2.4.2.4) the permission check puts into the agent's token or names in
 * its output. tokenGroups holds the account's groups only; these come from the logon itself.
 */
export const WellKnownSid = {
  everyone: 'S-1-1-0',
  /** In every token of a logon over the network, as an LDAP bind is. */
  authenticatedUsers: 'S-1-5-11',
  /** PRINCIPAL_SELF: matches only when the object checked is the caller's own account. */
  self: 'S-1-5-10',
  system: 'S-1-5-18',
} as const;
export type WellKnownSid = (typeof WellKnownSid)[keyof typeof WellKnownSid];

/** Names for output, keyed by SID (the built-in groups come from privileged-groups.ts). */
export const WELL_KNOWN_SID_NAMES: Readonly<Record<string, string>> = {
  [WellKnownSid.everyone]: 'Everyone',
  [WellKnownSid.authenticatedUsers]: 'Authenticated Users',
  [WellKnownSid.self]: 'SELF',
  [WellKnownSid.system]: 'SYSTEM',
  ...PrivilegedBuiltinSid,
};
