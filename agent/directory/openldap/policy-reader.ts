/**
 * Finds and reads the ppolicy entry that governs a user: the user's pwdPolicySubentry, else the
 * overlay's default policy. The default's DN lives in cn=config (olcPPolicyDefault), which a
 * service account cannot read; so it comes from the driver option `defaultPolicyDn`, and without
 * it from discovery: the only pwdPolicy entry below baseDn, or else the only one whose RDN value is
 * `default`. Discovery is a guess; configure the DN when several policies exist. Results are cached
 * for policyCacheMs.
 */
import type { Client } from 'ldapts';
import type { Logger } from '../../logging/logger.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';
import { entryValue } from '../ldap/entry-values.js';
import { parseDn } from '../ldap/dn.js';
import { PpolicyAttr } from './openldap-attributes.js';
import { emptyPpolicy, parsePpolicyEntry, POLICY_ATTRIBUTES, type PpolicyEntry } from './ppolicy-entry.js';

export interface PolicyReaderOptions {
  baseDn: string;
  /** DN of the overlay's default policy (olcPPolicyDefault); null = discover. */
  defaultPolicyDn: string | null;
  cacheMs: number;
  now: () => Date;
  logger: Logger;
}

interface Cached {
  policy: PpolicyEntry | null;
  at: number;
}

export class PolicyReader {
  private readonly cache = new Map<string, Cached>();
  private discovered: { dn: string | null; at: number } | null = null;

  constructor(private readonly options: PolicyReaderOptions) {}

  /** The policy for the user at `userDn`; `emptyPpolicy()` when none can be found or read. */
  async forUser(client: Client, userDn: string): Promise<PpolicyEntry> {
    const { searchEntries } = await client.search(userDn, { scope: 'base', attributes: [PpolicyAttr.pwdPolicySubentry] });
    return this.forSubentry(client, entryValue(searchEntries[0], PpolicyAttr.pwdPolicySubentry));
  }

  /** The policy named by a user's pwdPolicySubentry value, or the default one when it has none. */
  async forSubentry(client: Client, subentry: string | null): Promise<PpolicyEntry> {
    const dn = subentry ?? (await this.defaultDn(client));
    if (dn === null) return emptyPpolicy();
    return (await this.read(client, dn)) ?? emptyPpolicy();
  }

  /** The default policy's DN: configured, else discovered (cached like policies). */
  async defaultDn(client: Client): Promise<string | null> {
    if (this.options.defaultPolicyDn !== null) return this.options.defaultPolicyDn;
    const now = this.options.now().getTime();
    if (this.discovered !== null && now - this.discovered.at < this.options.cacheMs) return this.discovered.dn;
    const { searchEntries } = await client.search(this.options.baseDn, { scope: 'sub', filter: '(objectClass=pwdPolicy)', attributes: ['1.1'], sizeLimit: 50 });
    const dns = searchEntries.map((e) => e.dn);
    const named = dns.filter((dn) => {
      const first = parseDn(dn)[0]?.[0];
      return first !== undefined && first.value.toLowerCase() === 'default';
    });
    const dn = dns.length === 1 ? (dns[0] ?? null) : named.length === 1 ? (named[0] ?? null) : null;
    if (dn === null) this.options.logger.warn('no default password policy found; set defaultPolicyDn for this directory', { candidates: dns.length });
    this.discovered = { dn, at: now };
    return dn;
  }

  /** Reads one policy entry (cached); null when it does not exist or is not readable. */
  async read(client: Client, dn: string): Promise<PpolicyEntry | null> {
    const now = this.options.now().getTime();
    const hit = this.cache.get(dn.toLowerCase());
    if (hit !== undefined && now - hit.at < this.options.cacheMs) return hit.policy;
    let policy: PpolicyEntry | null = null;
    try {
      const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=pwdPolicy)', attributes: POLICY_ATTRIBUTES });
      const entry = searchEntries[0];
      policy = entry === undefined ? null : parsePpolicyEntry(entry);
    } catch (error) {
      // rc 32: absent or hidden by ACLs (slapd answers the same for both).
      if ((error as { code?: unknown }).code !== LdapResultCode.noSuchObject) throw error;
    }
    this.cache.set(dn.toLowerCase(), { policy, at: now });
    return policy;
  }
}
