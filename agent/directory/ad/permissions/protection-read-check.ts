import type { Client } from 'ldapts';
import type { PermissionCheck } from '../../driver.js';
import { AdGuid } from '../../../../ldap-constants/ad-guids.js';
import { entryValues } from '../../ldap/entry-values.js';
import { LdapResultCode } from '../../../../ldap-constants/ldap-result-codes.js';
import { AdAttribute, BINARY_ATTRIBUTES } from '../ad-attributes.js';
import { bufferValues } from '../entry-values.js';
import { readConstructedAttributes } from '../protected-account.js';
import type { AgentToken } from './agent-token.js';
import { grantReadCommand, type DirectoryFlavor } from './permission-fixes.js';

/** The attributes that decide whether an account is protected, each with the GUID a grant names. */
const PROTECTION_ATTRIBUTES = {
  tokenGroups: AdGuid.tokenGroups,
  objectSid: AdGuid.objectSid,
  primaryGroupID: AdGuid.primaryGroupID,
  adminCount: AdGuid.adminCount,
} as const;
type ProtectionAttribute = keyof typeof PROTECTION_ATTRIBUTES;

/** What was learnt on one sample user in scope. */
export interface ProtectionReadFacts {
  dn: string;
  /** The OU the grant goes on. */
  base: string;
  missing: ProtectionAttribute[];
}

/**
 * Reads, as the agent, what the protected-account check needs. objectSid, primaryGroupID and
 * tokenGroups are on every user, so an absent value on the sample user means withheld. adminCount
 * is absent on most users; it is 1 on krbtgt and Administrator in every domain, whose DACLs come
 * from AdminSDHolder like every account adminCount protects: a filter on it finds one of them only
 * when the agent may read it (an unreadable attribute never matches).
 */
export async function readProtectionFacts(client: Client, sampleDn: string, base: string, baseDn: string): Promise<ProtectionReadFacts> {
  const { searchEntries } = await client.search(sampleDn, {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: [AdAttribute.objectSid, AdAttribute.primaryGroupID],
    explicitBufferAttributes: BINARY_ATTRIBUTES,
  });
  const entry = searchEntries[0];
  const constructed = await readConstructedAttributes(client, sampleDn);
  const missing: ProtectionAttribute[] = [];
  if (constructed === null || bufferValues(constructed, AdAttribute.tokenGroups).length === 0) missing.push('tokenGroups');
  if (entry === undefined || bufferValues(entry, AdAttribute.objectSid).length === 0) missing.push('objectSid');
  if (entry === undefined || entryValues(entry, AdAttribute.primaryGroupID).length === 0) missing.push('primaryGroupID');
  if (!(await anyProtectedVisible(client, baseDn))) missing.push('adminCount');
  return { dn: sampleDn, base, missing };
}

async function anyProtectedVisible(client: Client, baseDn: string): Promise<boolean> {
  try {
    const { searchEntries } = await client.search(baseDn, { scope: 'sub', filter: `(&(objectCategory=person)(${AdAttribute.adminCount}=1))`, attributes: ['1.1'], sizeLimit: 1 });
    return searchEntries.length > 0;
  } catch (error) {
    // More than the one asked for: found.
    if ((error as { code?: unknown }).code === LdapResultCode.sizeLimitExceeded) return true;
    throw error;
  }
}

/** KB 331951's point, in the words an admin searches for. */
const TOKEN_GROUPS_NOTE =
  'Microsoft KB 331951: a domain created without pre-Windows 2000 compatible permissions does not let Authenticated Users read the token-groups attributes; ' +
  'Microsoft gives that access through the Windows Authorization Access group (BUILTIN\\Windows Authorization Access Group, S-1-5-32-560), whose default grant covers tokenGroupsGlobalAndUniversal only. ' +
  'The agent reads tokenGroups (it also lists domain-local groups such as Account Operators), so grant Read on tokenGroups as shown';

/**
 * `readProtectionAttributes` (required): can the agent read what tells a protected account? Without
 * it every write is refused as PROTECTED_ACCOUNT (the agent fails closed), so it is MISSING.
 */
export function protectionReadCheck(facts: ProtectionReadFacts, flavor: DirectoryFlavor, token: AgentToken): PermissionCheck {
  const all = Object.keys(PROTECTION_ATTRIBUTES).join(', ');
  if (facts.missing.length === 0) {
    return { name: 'readProtectionAttributes', status: 'OK', required: true, detail: `${all} readable (on ${facts.dn}; adminCount on the accounts AdminSDHolder protects)` };
  }
  const trustee = { sid: token.sid, principal: token.principal };
  const fixes = facts.missing.map((name) => grantReadCommand(flavor, facts.base, { name, guid: PROTECTION_ATTRIBUTES[name] }, trustee));
  if (facts.missing.includes('tokenGroups')) fixes.push(TOKEN_GROUPS_NOTE);
  return {
    name: 'readProtectionAttributes',
    status: 'MISSING',
    required: true,
    detail: `not readable on ${facts.dn}: ${facts.missing.join(', ')}; the agent cannot tell protected accounts and refuses every write as PROTECTED_ACCOUNT`,
    fix: fixes.join('\n'),
  };
}
