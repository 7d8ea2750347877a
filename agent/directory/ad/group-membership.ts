import type { Client } from 'ldapts';
import type { GroupMembership } from '../driver.js';
import { normalizeDn } from '../ldap/dn.js';
import { escapeFilterValue } from '../ldap/escape.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';
import { Oid } from '../../../ldap-constants/oids.js';
import { AdAttribute, GroupTypeFlag } from './ad-attributes.js';
import { bufferValues, firstInteger } from './entry-values.js';
import { readConstructedAttributes } from './protected-account.js';
import { sidFromBytes } from './sid.js';

/** A listed group as the agent's account sees it: its SID when a security group; null when it cannot be read. */
async function readGroup(client: Client, groupDn: string): Promise<{ securitySid: string | null } | null> {
  try {
    const { searchEntries } = await client.search(groupDn, {
      scope: 'base',
      filter: '(objectClass=group)',
      attributes: [AdAttribute.objectSid, AdAttribute.groupType],
      explicitBufferAttributes: [AdAttribute.objectSid],
    });
    const group = searchEntries[0];
    if (group === undefined) return null;
    const sidBytes = bufferValues(group, AdAttribute.objectSid)[0];
    const groupType = firstInteger(group, AdAttribute.groupType);
    const security = sidBytes !== undefined && groupType !== null && (groupType & GroupTypeFlag.security) !== 0;
    return { securitySid: security ? sidFromBytes(sidBytes) : null };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === LdapResultCode.noSuchObject || code === LdapResultCode.invalidDnSyntax || code === LdapResultCode.insufficientAccessRights) return null;
    throw error;
  }
}

/**
 * Membership on AD, nested included: each listed group is read first (missing or hidden: unreadable,
 * so the caller fails closed); a security group is matched by its SID in the user's tokenGroups,
 * which AD computes transitively; any other group with LDAP_MATCHING_RULE_IN_CHAIN on memberOf.
 */
export async function adGroupMembership(client: Client, userDn: string, groupDns: readonly string[]): Promise<GroupMembership> {
  const unreadable: string[] = [];
  if (groupDns.length === 0) return { memberOf: null, unreadable };
  let tokenSids: Set<string> | null = null;
  for (const groupDn of groupDns) {
    const group = await readGroup(client, groupDn);
    if (group === null) {
      unreadable.push(groupDn);
      continue;
    }
    if (group.securitySid !== null) {
      tokenSids ??= new Set(bufferValues((await readConstructedAttributes(client, userDn)) ?? { dn: '' }, AdAttribute.tokenGroups).map(sidFromBytes));
      if (tokenSids.has(group.securitySid)) return { memberOf: groupDn, unreadable };
      if (tokenSids.size > 0) continue;
      // No tokenGroups readable: the in-chain search below decides.
    }
    const filter = `(${AdAttribute.memberOf}:${Oid.matchingRuleInChain}:=${escapeFilterValue(normalizeDn(groupDn))})`;
    const { searchEntries } = await client.search(userDn, { scope: 'base', filter, attributes: ['1.1'] });
    if (searchEntries.length > 0) return { memberOf: groupDn, unreadable };
  }
  return { memberOf: null, unreadable };
}
