import { isWithin, isWithinExactly } from '../directory/ldap/dn.js';

export interface ScopeRules {
  include: string[];
  exclude: string[];
}

/** The DN of the entry at `dn` exactly as the directory writes it, or null when there is no such entry (or it is not visible). */
export type CanonicalDnOf = (dn: string) => Promise<string | null>;

/**
 * The text test: the DN must be inside one `include` subtree and outside every `exclude` subtree,
 * compared as DNs (case, spaces and escapes do not fool it). Its normal form is lossy (case
 * folding, trimmed spaces), so a look-alike entry can pass it; scopeRefusal decides.
 */
export function outOfScopeReason(dn: string, rules: ScopeRules): string | null {
  const excluded = rules.exclude.find((base) => isWithin(dn, base));
  if (excluded !== undefined) return `the account is under an excluded subtree (${excluded})`;
  if (!rules.include.some((base) => isWithin(dn, base))) return 'the account is outside every subtree in scope.include';
  return null;
}

/**
 * Agent-side scope, applied even to validly signed commands. `dn` is the user's DN as the
 * directory returned it; each base is looked up on the directory (`canonicalOf`), and the user must
 * lie below the base's own DN with every value equal code point for code point. So `OU=Staff\ `
 * (escaped trailing space) or `OU=\u212Aiosk` (KELVIN SIGN) beside the real OU do not pass, though
 * the lossy text test would let them. An exclude refuses when it matches either way (the wider
 * answer). Fails closed: a base that cannot be looked up admits nobody. Returns why not, or null.
 */
export async function scopeRefusal(dn: string, rules: ScopeRules, canonicalOf: CanonicalDnOf): Promise<string | null> {
  const byText = outOfScopeReason(dn, rules);
  if (byText !== null) return byText;
  for (const base of rules.exclude) {
    const canonical = await canonicalOf(base);
    if (canonical !== null && isWithinExactly(dn, canonical)) return `the account is under an excluded subtree (${base})`;
  }
  for (const base of rules.include) {
    if (!isWithin(dn, base)) continue;
    const canonical = await canonicalOf(base);
    if (canonical !== null && isWithinExactly(dn, canonical)) return null;
  }
  return "the account is under an entry that only looks like a subtree in scope.include (its DN differs from the directory's own)";
}
