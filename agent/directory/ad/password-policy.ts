import type { Client, Entry } from 'ldapts';
import type { PasswordPolicy } from '../driver.js';
import { AdAttribute, DomainPolicyAttribute, PsoAttribute, PWD_PROPERTIES_COMPLEX } from './ad-attributes.js';
import { entryValue } from '../ldap/entry-values.js';
import { firstInteger } from './entry-values.js';
import { adIntervalToMs } from './filetime.js';

/** The default domain policy, from the attributes of the domain root. */
export function domainPolicyFrom(entry: Entry): PasswordPolicy {
  return {
    source: entry.dn,
    minLength: firstInteger(entry, DomainPolicyAttribute.minPwdLength) ?? 0,
    complexity: ((firstInteger(entry, DomainPolicyAttribute.pwdProperties) ?? 0) & PWD_PROPERTIES_COMPLEX) !== 0,
    historyLength: firstInteger(entry, DomainPolicyAttribute.pwdHistoryLength) ?? 0,
    minAgeMs: adIntervalToMs(entryValue(entry, DomainPolicyAttribute.minPwdAge)),
    maxAgeMs: adIntervalToMs(entryValue(entry, DomainPolicyAttribute.maxPwdAge)),
    lockoutThreshold: firstInteger(entry, DomainPolicyAttribute.lockoutThreshold) ?? 0,
    lockoutDurationMs: adIntervalToMs(entryValue(entry, DomainPolicyAttribute.lockoutDuration)),
  };
}

/** A fine-grained policy, from a Password Settings Object. */
export function psoPolicyFrom(entry: Entry): PasswordPolicy {
  return {
    source: entry.dn,
    minLength: firstInteger(entry, PsoAttribute.minLength) ?? 0,
    complexity: entryValue(entry, PsoAttribute.complexity)?.toUpperCase() === 'TRUE',
    historyLength: firstInteger(entry, PsoAttribute.historyLength) ?? 0,
    minAgeMs: adIntervalToMs(entryValue(entry, PsoAttribute.minAge)),
    maxAgeMs: adIntervalToMs(entryValue(entry, PsoAttribute.maxAge)),
    lockoutThreshold: firstInteger(entry, PsoAttribute.lockoutThreshold) ?? 0,
    lockoutDurationMs: adIntervalToMs(entryValue(entry, PsoAttribute.lockoutDuration)),
  };
}

async function readBase(client: Client, dn: string, attributes: string[]): Promise<Entry | null> {
  const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes });
  return searchEntries[0] ?? null;
}

/**
 * Reads the policy in force for a user: its resulting PSO when it has one and the agent can read
 * it, else the domain root's. PSOs are often readable by Domain Admins only; the domain policy is
 * then what the agent can know (the DC still enforces the PSO, so its refusal stays authoritative).
 */
export async function readPasswordPolicy(client: Client, userDn: string, domainDn: string): Promise<PasswordPolicy> {
  return readPolicyOf(client, await readResultantPso(client, userDn), domainDn);
}

/** The user's msDS-ResultantPSO (null: none, the domain policy applies). */
export async function readResultantPso(client: Client, userDn: string): Promise<string | null> {
  const user = await readBase(client, userDn, [AdAttribute.resultantPso]);
  return user === null ? null : entryValue(user, AdAttribute.resultantPso);
}

/** The policy of a PSO (when readable), else the domain root's. */
export async function readPolicyOf(client: Client, psoDn: string | null, domainDn: string): Promise<PasswordPolicy> {
  if (psoDn !== null) {
    const pso = await readBase(client, psoDn, Object.values(PsoAttribute)).catch(() => null);
    if (pso !== null && entryValue(pso, PsoAttribute.minLength) !== null) return psoPolicyFrom(pso);
  }
  const domain = await readBase(client, domainDn, Object.values(DomainPolicyAttribute));
  if (domain === null) throw new Error('the domain root could not be read');
  return domainPolicyFrom(domain);
}

/** Keeps read policies for `ttlMs`, per PSO DN (or the domain): users share them. */
export class PolicyCache {
  private readonly entries = new Map<string, { policy: PasswordPolicy; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  get(key: string): PasswordPolicy | null {
    const hit = this.entries.get(key.toLowerCase());
    if (hit === undefined) return null;
    if (hit.until <= this.now().getTime()) {
      this.entries.delete(key.toLowerCase());
      return null;
    }
    return hit.policy;
  }

  set(key: string, policy: PasswordPolicy): void {
    if (this.ttlMs <= 0) return;
    // Bounded: a long-running agent sees many users; stale ones are dropped first.
    if (this.entries.size >= 1000) this.prune();
    this.entries.set(key.toLowerCase(), { policy, until: this.now().getTime() + this.ttlMs });
  }

  private prune(): void {
    const now = this.now().getTime();
    for (const [key, value] of this.entries) if (value.until <= now) this.entries.delete(key);
    if (this.entries.size >= 1000) this.entries.clear();
  }
}
