import { Oid } from '../../ldap-constants/oids.js';
import { AttributeSyntax } from '../ad/attribute-syntax.js';
import { attributeDefinition } from '../ad/schema.js';
import { sidToBuffer } from '../ad/sid.js';
import type { DirectoryStore } from '../store/directory-store.js';
import { normalizeDn, parseDn } from '../store/dn.js';
import type { AttributeValue, Entry } from '../store/entry.js';
import { normalizeValue } from '../store/normalize-value.js';
import type { Filter } from './filter.js';

/** The assertion value in the stored form of the attribute (SIDs may be given as S-1-... text). */
export function assertionValue(attribute: string, value: Buffer): AttributeValue {
  const { syntax } = attributeDefinition(attribute);
  if (syntax === AttributeSyntax.sid) {
    const text = value.toString('latin1');
    return /^S-1-\d+(-\d+)*$/i.test(text) ? sidToBuffer(text.toUpperCase()) : value;
  }
  return syntax === AttributeSyntax.binary ? value : value.toString('utf8');
}

function assertionKey(attribute: string, value: Buffer): string {
  return normalizeValue(attribute, assertionValue(attribute, value));
}

function compareOrdered(attribute: string, stored: AttributeValue, assertion: Buffer): number {
  const a = normalizeValue(attribute, stored);
  const b = normalizeValue(attribute, assertion.toString('utf8'));
  if (attributeDefinition(attribute).syntax === AttributeSyntax.integer && /^-?\d+$/.test(a) && /^-?\d+$/.test(b)) {
    const diff = BigInt(a) - BigInt(b);
    return diff < 0n ? -1 : diff > 0n ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** objectCategory=person is shorthand for the class's category DN; match on the DN's first RDN. */
function objectCategoryMatches(stored: AttributeValue, assertion: string): boolean {
  const text = typeof stored === 'string' ? stored : stored.toString('utf8');
  if (assertion.includes('=')) return normalizeDn(text) === normalizeDn(assertion);
  const first = parseDn(text)[0]?.[0]?.value ?? '';
  return first.toLowerCase() === assertion.toLowerCase();
}

/** Evaluates a filter against an entry (two-valued: undefined attributes are simply false). */
export function evaluateFilter(filter: Filter, entry: Entry, store: DirectoryStore): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.filters.every((inner) => evaluateFilter(inner, entry, store));
    case 'or':
      return filter.filters.some((inner) => evaluateFilter(inner, entry, store));
    case 'not':
      return !evaluateFilter(filter.filter, entry, store);
    case 'present':
      if (filter.attribute.toLowerCase() === 'objectclass') return true;
      return store.values(entry, filter.attribute).length > 0;
    case 'equal':
    case 'approx': {
      const values = store.values(entry, filter.attribute);
      if (filter.attribute.toLowerCase() === 'objectcategory') {
        return values.some((value) => objectCategoryMatches(value, filter.value.toString('utf8')));
      }
      const wanted = assertionKey(filter.attribute, filter.value);
      return values.some((value) => normalizeValue(filter.attribute, value) === wanted);
    }
    case 'greaterOrEqual':
      return store.values(entry, filter.attribute).some((value) => compareOrdered(filter.attribute, value, filter.value) >= 0);
    case 'lessOrEqual':
      return store.values(entry, filter.attribute).some((value) => compareOrdered(filter.attribute, value, filter.value) <= 0);
    case 'substrings': {
      const initial = filter.initial?.toString('utf8').toLowerCase();
      const final = filter.final?.toString('utf8').toLowerCase();
      const any = filter.any.map((part) => part.toString('utf8').toLowerCase());
      return store.values(entry, filter.attribute).some((value) => {
        const text = (typeof value === 'string' ? value : value.toString('utf8')).toLowerCase();
        let position = 0;
        if (initial !== undefined) {
          if (!text.startsWith(initial)) return false;
          position = initial.length;
        }
        for (const part of any) {
          const found = text.indexOf(part, position);
          if (found < 0) return false;
          position = found + part.length;
        }
        return final === undefined || (text.length - final.length >= position && text.endsWith(final));
      });
    }
    case 'extensible':
      return evaluateExtensible(filter, entry, store);
  }
}

function evaluateExtensible(filter: Filter & { kind: 'extensible' }, entry: Entry, store: DirectoryStore): boolean {
  const attribute = filter.attribute;
  if (filter.dnAttributes && attribute !== undefined) {
    const wanted = filter.value.toString('utf8').toLowerCase();
    const inDn = parseDn(entry.dn).some((rdn) => rdn.some((part) => part.type.toLowerCase() === attribute.toLowerCase() && part.value.toLowerCase() === wanted));
    if (inDn) return true;
  }
  if (attribute === undefined) return false;
  switch (filter.rule) {
    case undefined:
      return evaluateFilter({ kind: 'equal', attribute, value: filter.value }, entry, store);
    case Oid.matchingRuleBitAnd:
    case Oid.matchingRuleBitOr: {
      const bits = BigInt.asUintN(64, BigInt(filter.value.toString('utf8').trim() || '0'));
      return store.values(entry, attribute).some((value) => {
        const text = typeof value === 'string' ? value : value.toString('utf8');
        if (!/^-?\d+$/.test(text.trim())) return false;
        const number = BigInt.asUintN(64, BigInt(text.trim()));
        return filter.rule === Oid.matchingRuleBitAnd ? (number & bits) === bits : (number & bits) !== 0n;
      });
    }
    case Oid.matchingRuleInChain:
      return inChain(entry, attribute, normalizeDn(filter.value.toString('utf8')), store);
    default:
      return false;
  }
}

/** LDAP_MATCHING_RULE_IN_CHAIN: follows the DN-valued attribute transitively from the entry. */
function inChain(entry: Entry, attribute: string, targetKey: string, store: DirectoryStore): boolean {
  const seen = new Set<string>([entry.key]);
  const queue: Entry[] = [entry];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const value of store.values(current, attribute)) {
      const key = normalizeValue('distinguishedName', value);
      if (key === targetKey) return true;
      if (seen.has(key)) continue;
      seen.add(key);
      const next = store.getByKey(key);
      if (next) queue.push(next);
    }
  }
  return false;
}
