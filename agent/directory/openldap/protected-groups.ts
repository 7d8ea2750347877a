/**
 * Is a user a member of one of the configured protected groups? Each group must be readable by its
 * own DN (wherever it lives, inside `baseDn` or not); membership is any of: the user's DN in
 * `member` or `uniqueMember`, its `uid` in a posixGroup's `memberUid`, the group in the user's
 * `memberOf` (the memberOf overlay), directly or through nested groups. A group that cannot be
 * read makes every account protected: the check fails closed instead of skipping it.
 */
import type { Client, Entry } from 'ldapts';
import { dnEquals, isWithin, normalizeDn, parentDn, parseDn } from '../ldap/dn.js';
import { entryValues } from '../ldap/entry-values.js';
import { escapeFilterValue } from '../ldap/escape.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';
import { PpolicyAttr } from './openldap-attributes.js';

const MAX_DEPTH = 8;

/** Object classes whose membership attribute is mandatory: none readable means the agent may not read it. */
const MEMBER_MUST = { groupofnames: PpolicyAttr.member, groupofuniquenames: PpolicyAttr.uniqueMember } as const;

/** A configured protected group that could not be read (missing, invisible, or its members withheld). */
export class ProtectedGroupUnreadableError extends Error {
  override readonly name = 'ProtectedGroupUnreadableError';
  constructor(
    readonly groupDn: string,
    readonly why: string,
  ) {
    super(`the protected group ${groupDn} cannot be read: ${why}`);
  }
}

/** The user as the check needs it. */
export interface GroupCheckUser {
  dn: string;
  uids: readonly string[];
  memberOf: readonly string[];
}

/** Reads one configured group by its DN; throws ProtectedGroupUnreadableError when it or its members cannot be read. */
export async function readProtectedGroup(client: Client, groupDn: string): Promise<void> {
  let entry: Entry | undefined;
  try {
    ({
      searchEntries: [entry],
    } = await client.search(groupDn, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: [PpolicyAttr.objectClass, PpolicyAttr.member, PpolicyAttr.uniqueMember],
    }));
  } catch (error) {
    if ((error as { code?: unknown }).code === LdapResultCode.noSuchObject) throw new ProtectedGroupUnreadableError(groupDn, 'no such entry, or not visible to the agent');
    throw error;
  }
  if (entry === undefined) throw new ProtectedGroupUnreadableError(groupDn, 'no such entry, or not visible to the agent');
  const classes = entryValues(entry, PpolicyAttr.objectClass).map((value) => value.toLowerCase());
  if (classes.length === 0) throw new ProtectedGroupUnreadableError(groupDn, 'its objectClass is not readable');
  for (const [objectClass, attribute] of Object.entries(MEMBER_MUST)) {
    if (classes.includes(objectClass) && entryValues(entry, attribute).length === 0) throw new ProtectedGroupUnreadableError(groupDn, `its ${attribute} values are not readable`);
  }
  if (!classes.some((c) => c in MEMBER_MUST || c === 'posixgroup')) throw new ProtectedGroupUnreadableError(groupDn, `it is not a group (objectClass ${classes.join(', ')})`);
}

/**
 * Reads the configured groups (readProtectedGroup) and keeps a successful read for `ttlMs`: the read
 * only proves the group can be read; membership itself is searched live on every command. A
 * failed read is never kept.
 */
export class ProtectedGroupGate {
  readonly #readAt = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  /** The groups' DNs as the directory writes them; throws ProtectedGroupUnreadableError. */
  async check(client: Client, groupDns: readonly string[]): Promise<void> {
    const at = this.now().getTime();
    for (const dn of groupDns) {
      const readAt = this.#readAt.get(dn);
      if (readAt !== undefined && at - readAt < this.ttlMs) continue;
      await readProtectedGroup(client, dn);
      if (this.ttlMs > 0) this.#readAt.set(dn, at);
    }
  }
}

/** The subtrees the upward walk searches: baseDn and each protected group's container, none inside another. */
function walkBases(baseDn: string, groupDns: readonly string[]): string[] {
  const candidates = [baseDn, ...groupDns.map((dn) => parentDn(dn) ?? dn)].sort((a, b) => parseDn(a).length - parseDn(b).length);
  const bases: string[] = [];
  for (const candidate of candidates) if (!bases.some((base) => isWithin(candidate, base))) bases.push(candidate);
  return bases;
}

/**
 * The reason text when the user is protected, else null; throws ProtectedGroupUnreadableError when
 * a configured group cannot be read (`gate`). Membership is searched live: the groups' `memberOf`
 * on the user, then walking up from the user (`member`, `uniqueMember`, and `memberUid` for its
 * uid) under baseDn and under each protected group's container, so a group outside baseDn and a
 * group nested in it are both found.
 */
export async function protectedGroupReason(client: Client, baseDn: string, user: GroupCheckUser, protectedGroupDns: readonly string[], gate: ProtectedGroupGate): Promise<string | null> {
  if (protectedGroupDns.length === 0) return null;
  await gate.check(client, protectedGroupDns);
  const protectedOf = (dn: string): string | undefined => protectedGroupDns.find((group) => dnEquals(group, dn));
  for (const dn of user.memberOf) {
    const match = protectedOf(dn);
    if (match !== undefined) return `member of protected group ${match} (memberOf)`;
  }
  const bases = walkBases(baseDn, protectedGroupDns);
  const visited = new Set<string>([normalizeDn(user.dn)]);
  let frontier = [user.dn];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth += 1) {
    const next: string[] = [];
    for (const dn of frontier) {
      const value = escapeFilterValue(dn);
      const byUid = depth === 0 ? user.uids.map((uid) => `(${PpolicyAttr.memberUid}=${escapeFilterValue(uid)})`).join('') : '';
      const filter = `(|(${PpolicyAttr.member}=${value})(${PpolicyAttr.uniqueMember}=${value})${byUid})`;
      for (const base of bases) {
        const { searchEntries } = await client.search(base, { scope: 'sub', filter, attributes: ['1.1'] });
        for (const found of searchEntries) {
          const match = protectedOf(found.dn);
          if (match !== undefined) return depth === 0 ? `member of protected group ${found.dn}` : `member of protected group ${found.dn} (through nested groups)`;
          const key = normalizeDn(found.dn);
          if (!visited.has(key)) {
            visited.add(key);
            next.push(found.dn);
          }
        }
      }
    }
    frontier = next;
  }
  return null;
}
