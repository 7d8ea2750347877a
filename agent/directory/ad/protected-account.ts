import type { Client, Entry } from 'ldapts';
import { Oid } from '../oids.js';
import { escapeFilterValue } from '../ldap/escape.js';
import { normalizeDn } from '../ldap/dn.js';
import { AdAttribute } from './ad-attributes.js';
import { bufferValues, firstInteger } from './entry-values.js';
import { PrivilegedBuiltinSid, PrivilegedGroupRid, ProtectedAccountRid } from './privileged-groups.js';
import { domainRid, sidFromBytes } from './sid.js';

function lookup<T extends Record<number | string, string>>(table: T, key: number | string | null): string | null {
  if (key === null) return null;
  return Object.hasOwn(table, key) ? (table[key as keyof T] as string) : null;
}

/** Why a group SID from tokenGroups makes its member protected, or null. */
export function privilegedGroupName(sid: string): string | null {
  return lookup(PrivilegedBuiltinSid, sid) ?? lookup(PrivilegedGroupRid, domainRid(sid));
}

/** Constructed attributes, which AD returns on a base search only: read once per resolved user. */
export const CONSTRUCTED_USER_ATTRIBUTES = [AdAttribute.tokenGroups, AdAttribute.resultantPso];

export async function readConstructedAttributes(client: Client, dn: string): Promise<Entry | null> {
  const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: CONSTRUCTED_USER_ATTRIBUTES, explicitBufferAttributes: [AdAttribute.tokenGroups] });
  return searchEntries[0] ?? null;
}

/**
 * Why this user is a protected account, or null (`constructed`: the entry's tokenGroups, from
 * readConstructedAttributes): adminCount=1 (AdminSDHolder owns its ACL), a
 * built-in privileged account, membership direct or nested of a privileged group (from
 * tokenGroups, which AD computes transitively, by SID), or of a configured extra group
 * (LDAP_MATCHING_RULE_IN_CHAIN, which follows nesting).
 */
export async function protectedReason(client: Client, entry: Entry, constructed: Entry | null, protectedGroups: readonly string[]): Promise<string | null> {
  if (firstInteger(entry, AdAttribute.adminCount) === 1) return 'adminCount=1 (protected by AdminSDHolder)';
  const sidBytes = bufferValues(entry, AdAttribute.objectSid)[0];
  const account = sidBytes === undefined ? null : lookup(ProtectedAccountRid, domainRid(sidFromBytes(sidBytes)));
  if (account !== null) return `built-in ${account} account`;

  for (const bytes of bufferValues(constructed ?? { dn: '' }, AdAttribute.tokenGroups)) {
    const group = privilegedGroupName(sidFromBytes(bytes));
    if (group !== null) return `member of ${group}`;
  }
  for (const group of protectedGroups) {
    const filter = `(${AdAttribute.memberOf}:${Oid.matchingRuleInChain}:=${escapeFilterValue(normalizeDn(group))})`;
    const { searchEntries: hit } = await client.search(entry.dn, { scope: 'base', filter, attributes: ['1.1'] });
    if (hit.length > 0) return `member of the configured protected group ${group}`;
  }
  return null;
}
