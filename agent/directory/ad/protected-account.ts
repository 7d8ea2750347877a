import type { Client, Entry } from 'ldapts';
import { Oid } from '../../../ldap-constants/oids.js';
import { escapeFilterValue } from '../ldap/escape.js';
import { normalizeDn } from '../ldap/dn.js';
import { entryValue } from '../ldap/entry-values.js';
import { AdAttribute, GroupTypeFlag, UacFlag } from './ad-attributes.js';
import { bufferValues, firstInteger } from './entry-values.js';
import { PrivilegedBuiltinSid, PrivilegedGroupRid, ProtectedAccountRid, RODC_KRBTGT_NAME } from './privileged-groups.js';
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

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  async sidOf(client: Client, groupDn: string): Promise<string | null> {
    const key = normalizeDn(groupDn);
    const now = this.now().getTime();
    const hit = this.#groups.get(key);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.securitySid;
    let securitySid: string | null = null;
    try {
      const { searchEntries } = await client.search(groupDn, {
        scope: 'base',
        filter: '(objectClass=group)',
        attributes: [AdAttribute.objectSid, AdAttribute.groupType],
        explicitBufferAttributes: [AdAttribute.objectSid],
      });
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

/** Trust accounts (another domain's, a computer's, a DC's) are the machinery of the domain, never a person. */
const TRUST_ACCOUNT_FLAGS = UacFlag.interdomainTrustAccount | UacFlag.workstationTrustAccount | UacFlag.serverTrustAccount;

/**
 * What the driver needs to tell a protected account when the directory withholds what decides it:
 * a reason that refuses the write (fail closed) and says what to grant.
 */
function unreadable(what: string): string {
  return `${what} not readable by the agent's account, so it cannot tell whether the account is protected (run check-permissions: readProtectionAttributes)`;
}

/**
 * Why this user is a protected account, or null (`constructed`: the entry's tokenGroups, from
 * readConstructedAttributes; `bindDn`: the agent's own account). Fails closed: when objectSid,
 * primaryGroupID or tokenGroups are withheld (AD omits an unreadable attribute without an error,
 * and every user has a SID, a primary group and so at least one token group) the account counts
 * as protected. Protected: adminCount=1 (AdminSDHolder owns its ACL), the agent's own bind
 * account, a built-in privileged account, krbtgt (also a read-only DC's `krbtgt_N`), a trust
 * account, a privileged primary group, membership direct or nested of a privileged group (from
 * tokenGroups, which AD computes transitively, by SID), or of a configured extra group (its SID in
 * tokenGroups for a security group, else LDAP_MATCHING_RULE_IN_CHAIN, which follows nesting).
 */
export async function protectedReason(
  client: Client,
  entry: Entry,
  constructed: Entry | null,
  protectedGroups: readonly string[],
  groupSids: ProtectedGroupSids,
  bindDn: string,
): Promise<string | null> {
  if (firstInteger(entry, AdAttribute.adminCount) === 1) return 'adminCount=1 (protected by AdminSDHolder)';
  if (sameDn(entry.dn, bindDn)) return "the agent's own bind account";
  const sidBytes = bufferValues(entry, AdAttribute.objectSid)[0];
  if (sidBytes === undefined) return unreadable('objectSid');
  const account = lookup(ProtectedAccountRid, domainRid(sidFromBytes(sidBytes)));
  if (account !== null) return `built-in ${account} account`;
  const sam = entryValue(entry, AdAttribute.sAMAccountName) ?? '';
  if (RODC_KRBTGT_NAME.test(sam)) return "a read-only domain controller's krbtgt account";
  const uac = firstInteger(entry, AdAttribute.userAccountControl) ?? 0;
  if ((uac & TRUST_ACCOUNT_FLAGS) !== 0 || sam.endsWith('$')) return 'a trust account';

  const primaryGroup = firstInteger(entry, AdAttribute.primaryGroupID);
  if (primaryGroup === null) return unreadable('primaryGroupID');
  const primary = lookup(PrivilegedGroupRid, primaryGroup);
  if (primary !== null) return `primary group ${primary}`;

  const tokenGroups = bufferValues(constructed ?? { dn: '' }, AdAttribute.tokenGroups);
  if (tokenGroups.length === 0) return unreadable('tokenGroups');
  const tokenSids = new Set<string>();
  for (const bytes of tokenGroups) {
    const sid = sidFromBytes(bytes);
    const group = privilegedGroupName(sid);
    if (group !== null) return `member of ${group}`;
    tokenSids.add(sid);
  }
  for (const group of protectedGroups) {
    const groupSid = await groupSids.sidOf(client, group);
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

function sameDn(a: string, b: string): boolean {
  try {
    return normalizeDn(a) === normalizeDn(b);
  } catch {
    return false;
  }
}
