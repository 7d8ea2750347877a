import type { Client } from 'ldapts';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';

/** The DN of the entry at `dn` as the directory writes it (a base search); null when there is no such entry. */
export async function readCanonicalDn(client: Client, dn: string): Promise<string | null> {
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
    return searchEntries[0]?.dn ?? null;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === LdapResultCode.noSuchObject || code === LdapResultCode.invalidDnSyntax) return null;
    throw error;
  }
}

/**
 * The directory's own DNs of the configured scope bases, kept for `ttlMs` (the policy cache's
 * time) so the scope check costs no round trip per command. A base not found now is looked up
 * again next time.
 */
export class CanonicalScopeDns {
  readonly #cache = new Map<string, { canonical: string; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  async of(dn: string, read: (dn: string) => Promise<string | null>): Promise<string | null> {
    const at = this.now().getTime();
    const hit = this.#cache.get(dn);
    if (hit !== undefined && at - hit.at < this.ttlMs) return hit.canonical;
    const canonical = await read(dn);
    if (canonical !== null && this.ttlMs > 0) this.#cache.set(dn, { canonical, at });
    return canonical;
  }
}
