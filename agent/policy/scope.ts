import { isWithin } from '../directory/ldap/dn.js';

export interface ScopeRules {
  include: string[];
  exclude: string[];
}

/**
 * Agent-side scope (applied even to validly signed commands): the DN must be inside one
 * `include` subtree and outside every `exclude` subtree. Real DN comparison: case, spaces and
 * escaped characters do not fool it. Returns why not, or null when in scope.
 */
export function outOfScopeReason(dn: string, rules: ScopeRules): string | null {
  const excluded = rules.exclude.find((base) => isWithin(dn, base));
  if (excluded !== undefined) return `the account is under an excluded subtree (${excluded})`;
  if (!rules.include.some((base) => isWithin(dn, base))) return 'the account is outside every subtree in scope.include';
  return null;
}
