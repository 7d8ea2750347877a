import type { Client, Entry } from 'ldapts';
import { Oid } from '../../../ldap-constants/oids.js';
import { escapeFilterValue } from '../ldap/escape.js';
import { normalizeDn } from '../ldap/dn.js';
import { AdAttribute, GroupTypeFlag } from './ad-attributes.js';
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

/** A configured protected group as tokenGroups can match it: its SID when it is a security group. */
interface GroupIdentity {
  /** S-1-... of a security group; null for a distribution group or one the agent cannot read. */
  securitySid: string | null;
  at: number;
}

/**
 * SIDs of the configured protected groups, read once and kept for `ttlMs` (the policy cache's
 * time): with them a member, direct or nested, shows in the tokenGroups the driver reads anyway,
 * and the check costs no round trip of its own. A group that is not a security group,
 * or cannot be read, is checked with LDAP_MATCHING_RULE_IN_CHAIN as before.
 */
export class ProtectedGroupSids {
  readonly #groups = new Map<string, GroupIdentity>();

  constructor(private readonly ttlMs: number, private readonly now: () => Date) {}

  async sidOf(client: Client, groupDn: string): Promise<string | null> {
    const key = normalizeDn(groupDn);
    const now = this.now().getTime();
    const hit = this.#groups.get(key);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.securitySid;
    let securitySid: string | null = null;
    try {
      const { searchEntries } = await client.search(groupDn, { scope: 'base', filter: '(objectClass=group)', attributes: [AdAttribute.objectSid, AdAttribute.groupType], explicitBufferAttributes: [AdAttribute.objectSid] });
      const group = searchEntries[0];
      const sidBytes = group === undefined ? undefined : bufferValues(group, AdAttribute.objectSid)[0];
      const groupType = group === undefined ? null : firstInteger(group, AdAttribute.groupType);
      if (sidBytes !== undefined && groupType !== null && (groupType & GroupTypeFlag.security) !== 0) securitySid = sidFromBytes(sidBytes);
    } catch {
      // Not readable (or gone): the in-chain search decides, as without this cache.
    }
    if (this.ttlMs > 0) this.#groups.set(key, { securitySid, at: now });
    return securitySid;
  }
}

/**
 * Why this user is a protected account, or null (`constructed`: the entry's tokenGroups, from
 * readConstructedAttributes): adminCount=1 (AdminSDHolder owns its ACL), a built-in privileged
 * account, membership direct or nested of a privileged group (from tokenGroups, which AD computes
 * transitively, by SID), or of a configured extra group (its SID in tokenGroups for a security
 * group, else LDAP_MATCHING_RULE_IN_CHAIN, which follows nesting).
 */
export async function protectedReason(client: Client, entry: Entry, constructed: Entry | null, protectedGroups: readonly string[], groupSids: ProtectedGroupSids): Promise<string | null> {
  if (firstInteger(entry, AdAttribute.adminCount) === 1) return 'adminCount=1 (protected by AdminSDHolder)';
  const sidBytes = bufferValues(entry, AdAttribute.objectSid)[0];
  const account = sidBytes === undefined ? null : lookup(ProtectedAccountRid, domainRid(sidFromBytes(sidBytes)));
  if (account !== null) return `built-in ${account} account`;

  const tokenSids = new Set<string>();
  for (const bytes of bufferValues(constructed ?? { dn: '' }, AdAttribute.tokenGroups)) {
    const sid = sidFromBytes(bytes);
    const group = privilegedGroupName(sid);
    if (group !== null) return `member of ${group}`;
    tokenSids.add(sid);
  }
  for (const group of protectedGroups) {
    const groupSid = constructed === null ? null : await groupSids.sidOf(client, group);
    if (groupSid !== null) {
      if (tokenSids.has(groupSid)) return `member of the configured protected group ${group}`;
      continue;
    }
    const filter = `(${AdAttribute.memberOf}:${Oid.matchingRuleInChain}:=${escapeFilterValue(normalizeDn(group))})`;
    const { searchEntries: hit } = await client.search(entry.dn, { scope: 'base', filter, attributes: ['1.1'] });
    if (hit.length > 0) return `member of the configured protected group ${group}`;
  }
  return null;
}
