/**
 * The accounts and groups Active Directory protects with AdminSDHolder, by well-known SID or RID
 * (names are localised and can be renamed; SIDs cannot). A member of any, direct or nested, is a
 * protected account: delegated rights do not reach it and the agent refuses to touch it.
 */

/** Built-in domain-local groups (S-1-5-32-...). */
export const PrivilegedBuiltinSid = {
  'S-1-5-32-544': 'Administrators',
  'S-1-5-32-548': 'Account Operators',
  'S-1-5-32-549': 'Server Operators',
  'S-1-5-32-550': 'Print Operators',
  'S-1-5-32-551': 'Backup Operators',
  'S-1-5-32-552': 'Replicator',
} as const;

/** Groups by RID within any domain of the forest (S-1-5-21-<domain>-RID): Enterprise and Schema Admins live in the root domain. */
export const PrivilegedGroupRid = {
  512: 'Domain Admins',
  516: 'Domain Controllers',
  518: 'Schema Admins',
  519: 'Enterprise Admins',
  521: 'Read-only Domain Controllers',
  526: 'Key Admins',
  527: 'Enterprise Key Admins',
} as const;

/** Accounts protected themselves, by RID. */
export const ProtectedAccountRid = {
  500: 'Administrator',
  502: 'krbtgt',
} as const;
