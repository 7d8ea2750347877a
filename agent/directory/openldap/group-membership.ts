/**
 * Group membership on OpenLDAP, nested included, for the self-service portal. Each listed group is
 * read first (missing or hidden by an ACL: unreadable, and the caller fails closed); then the walk
 * goes up from the user through groups naming it in `member` or `uniqueMember`, breadth first, with
 * a depth limit and a visited set (cycles exist). The memberOf overlay is not needed: it only
 * mirrors `member`.
 */
import type { Client } from 'ldapts';
import type { GroupMembership } from '../driver.js';
import { dnEquals, normalizeDn } from '../ldap/dn.js';
import { escapeFilterValue } from '../ldap/escape.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';
import { PpolicyAttr } from './openldap-attributes.js';

const MAX_DEPTH = 8;

async function readable(client: Client, groupDn: string): Promise<boolean> {
  try {
    const { searchEntries } = await client.search(groupDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
    return searchEntries.length > 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === LdapResultCode.noSuchObject || code === LdapResultCode.invalidDnSyntax || code === LdapResultCode.insufficientAccessRights) return false;
    throw error;
  }
}

export async function openLdapGroupMembership(client: Client, baseDn: string, userDn: string, groupDns: readonly string[]): Promise<GroupMembership> {
  const unreadable: string[] = [];
  const wanted: string[] = [];
  for (const groupDn of groupDns) ((await readable(client, groupDn)) ? wanted : unreadable).push(groupDn);
  if (wanted.length === 0) return { memberOf: null, unreadable };
  const visited = new Set<string>([normalizeDn(userDn)]);
  let frontier = [userDn];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth += 1) {
    const next: string[] = [];
    for (const dn of frontier) {
      const value = escapeFilterValue(dn);
      const { searchEntries } = await client.search(baseDn, { scope: 'sub', filter: `(|(${PpolicyAttr.member}=${value})(${PpolicyAttr.uniqueMember}=${value}))`, attributes: ['1.1'] });
      for (const group of searchEntries) {
        const match = wanted.find((groupDn) => dnEquals(groupDn, group.dn));
        if (match !== undefined) return { memberOf: match, unreadable };
        const key = normalizeDn(group.dn);
        if (!visited.has(key)) {
          visited.add(key);
          next.push(group.dn);
        }
      }
    }
    frontier = next;
  }
  return { memberOf: null, unreadable };
}
