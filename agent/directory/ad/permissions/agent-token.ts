import type { Client } from 'ldapts';
import { AdAttribute, BINARY_ATTRIBUTES } from '../ad-attributes.js';
import { bufferValues } from '../entry-values.js';
import { entryValue } from '../../ldap/entry-values.js';
import { sidFromBytes } from '../sid.js';
import { WellKnownSid } from './well-known-sid.js';

/** The agent's account as the access check sees it. */
export interface AgentToken {
  dn: string;
  sid: string;
  /** Own SID, tokenGroups, Everyone and Authenticated Users; SELF is added per object (selfToken). */
  sids: ReadonlySet<string>;
  groupCount: number;
  /** user@dns.domain (or DOMAIN-less sAMAccountName), for dsacls. */
  principal: string;
}

/** dc=corp,dc=example -> corp.example */
export function dnsDomainOf(baseDn: string): string {
  return baseDn
    .split(',')
    .map((rdn) => rdn.trim())
    .filter((rdn) => /^dc=/i.test(rdn))
    .map((rdn) => rdn.slice(3))
    .join('.');
}

/**
 * Reads the bound account's SIDs: objectSid and tokenGroups (constructed, so a base search on its
 * own DN), plus the well-known SIDs every network logon carries. Null when they cannot be read.
 */
export async function readAgentToken(client: Client, bindDn: string, baseDn: string): Promise<AgentToken | null> {
  const { searchEntries } = await client.search(bindDn, {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: [AdAttribute.objectSid, AdAttribute.tokenGroups, AdAttribute.userPrincipalName, AdAttribute.sAMAccountName],
    explicitBufferAttributes: BINARY_ATTRIBUTES,
  });
  const entry = searchEntries[0];
  const own = entry === undefined ? undefined : bufferValues(entry, AdAttribute.objectSid)[0];
  if (entry === undefined || own === undefined) return null;
  const sid = sidFromBytes(own);
  const groups = bufferValues(entry, AdAttribute.tokenGroups).map(sidFromBytes);
  const upn = entryValue(entry, AdAttribute.userPrincipalName);
  const sam = entryValue(entry, AdAttribute.sAMAccountName);
  return {
    dn: entry.dn,
    sid,
    sids: new Set([sid, ...groups, WellKnownSid.everyone, WellKnownSid.authenticatedUsers]),
    groupCount: groups.length,
    principal: upn ?? `${sam ?? bindDn}@${dnsDomainOf(baseDn)}`,
  };
}

/** The token to check an object with: SELF only when the object is the agent's own account. */
export function tokenFor(token: AgentToken, objectSid: string | null): ReadonlySet<string> {
  return objectSid !== null && objectSid === token.sid ? new Set([...token.sids, WellKnownSid.self]) : token.sids;
}
