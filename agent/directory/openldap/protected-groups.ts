/**
 * Is a user a member, direct or through nested groups, of one of the configured protected groups?
 * Walks up from the user: groups listing it in `member` or `uniqueMember`, then groups listing
 * those, breadth first, with a depth limit and a visited set (group cycles exist in the wild).
 */
import type { Client } from 'ldapts';
import { dnEquals, normalizeDn } from '../ldap/dn.js';
import { escapeFilterValue } from '../ldap/escape.js';
import { PpolicyAttr } from './openldap-attributes.js';

const MAX_DEPTH = 8;

/** The reason text when `userDn` is protected, else null. */
export async function protectedGroupReason(client: Client, baseDn: string, userDn: string, protectedGroups: readonly string[]): Promise<string | null> {
  if (protectedGroups.length === 0) return null;
  const visited = new Set<string>([normalizeDn(userDn)]);
  let frontier = [userDn];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth += 1) {
    const next: string[] = [];
    for (const dn of frontier) {
      const value = escapeFilterValue(dn);
      const { searchEntries } = await client.search(baseDn, { scope: 'sub', filter: `(|(${PpolicyAttr.member}=${value})(${PpolicyAttr.uniqueMember}=${value}))`, attributes: ['1.1'] });
      for (const group of searchEntries) {
        const match = protectedGroups.find((protectedDn) => dnEquals(protectedDn, group.dn));
        if (match !== undefined) return depth === 0 ? `member of protected group ${group.dn}` : `member of protected group ${group.dn} (through nested groups)`;
        const key = normalizeDn(group.dn);
        if (!visited.has(key)) {
          visited.add(key);
          next.push(group.dn);
        }
      }
    }
    frontier = next;
  }
  return null;
}
