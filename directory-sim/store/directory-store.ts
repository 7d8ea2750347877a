import { attributeDefinition } from '../ad/schema.js';
import type { SecurityDescriptor } from '../ad/security-descriptor.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import { SimError } from '../sim-error.js';
import { dnKeys, normalizeDn } from './dn.js';
import type { AccountSecret, AttributeValue, Entry } from './entry.js';
import { normalizeValue } from './normalize-value.js';

const memberAttribute = 'member';
const memberOfAttribute = 'memberof';
const dnAttribute = 'distinguishedname';

/**
 * The in-memory tree. Entries are keyed by normalized DN; equality indexes cover the attributes the
 * schema marks `indexed`, so lookups by sAMAccountName, UPN, mail, objectGUID... never scan.
 * memberOf is kept as a back-link index of `member`, as AD computes it.
 */
export class DirectoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly childrenOf = new Map<string, Set<string>>();
  /** attribute → normalized value → entry key, or a Set of keys once a value is shared (most are unique). */
  private readonly indexes = new Map<string, Map<string, string | Set<string>>>();
  private readonly memberOf = new Map<string, Set<string>>();

  get size(): number {
    return this.entries.size;
  }

  /** The entry with this DN (any spelling), or undefined (also for a malformed DN). */
  get(dn: string): Entry | undefined {
    try {
      return this.entries.get(normalizeDn(dn));
    } catch {
      return undefined;
    }
  }

  getByKey(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  /** Adds an entry; its parent must exist unless it is a naming context (no parent in the store). */
  add(dn: string, attributes: Record<string, readonly AttributeValue[]>, security: SecurityDescriptor, secret?: AccountSecret): Entry {
    const { key, parentKey: parent } = dnKeys(dn);
    if (this.entries.has(key)) throw new SimError(LdapResultCode.entryAlreadyExists, `00002071: UpdErr: DSID-030503F1, problem 6005 (ENTRY_EXISTS), data 0\n`);
    const entry: Entry = { dn, key, parentKey: parent !== null && this.entries.has(parent) ? parent : null, attributes: new Map(), unknownNames: undefined, security, secret };
    this.entries.set(key, entry);
    if (entry.parentKey !== null) {
      let siblings = this.childrenOf.get(entry.parentKey);
      if (!siblings) this.childrenOf.set(entry.parentKey, (siblings = new Set()));
      siblings.add(key);
    }
    for (const [name, values] of Object.entries(attributes)) {
      if (name.toLowerCase() !== dnAttribute) this.setValues(entry, name, values);
    }
    return entry;
  }

  remove(entry: Entry): void {
    for (const name of [...entry.attributes.keys()]) this.setValues(entry, name, []);
    this.entries.delete(entry.key);
    if (entry.parentKey !== null) this.childrenOf.get(entry.parentKey)?.delete(entry.key);
  }

  /** Replaces all values of one attribute (none = delete it), keeping indexes and back-links right. */
  setValues(entry: Entry, name: string, values: readonly AttributeValue[]): void {
    const lower = name.toLowerCase();
    if (lower === dnAttribute || lower === memberOfAttribute) return;
    const definition = attributeDefinition(name);
    const previous = entry.attributes.get(lower);
    if (definition.indexed || lower === memberAttribute) {
      for (const value of previous ?? []) this.unindex(entry, lower, value);
      for (const value of values) this.index(entry, lower, value);
    }
    if (values.length === 0) {
      entry.attributes.delete(lower);
      entry.unknownNames?.delete(lower);
      return;
    }
    entry.attributes.set(lower, values);
    if (definition.name.toLowerCase() !== lower && !entry.unknownNames?.has(lower)) (entry.unknownNames ??= new Map()).set(lower, name);
  }

  /** The name an attribute is returned under: the schema's, or the spelling first written. */
  attributeName(entry: Entry, lower: string): string {
    return entry.unknownNames?.get(lower) ?? attributeDefinition(lower).name;
  }

  private index(entry: Entry, lower: string, value: AttributeValue): void {
    if (lower === memberAttribute) {
      const target = normalizeValue(memberAttribute, value);
      let groups = this.memberOf.get(target);
      if (!groups) this.memberOf.set(target, (groups = new Set()));
      groups.add(entry.key);
      return;
    }
    let index = this.indexes.get(lower);
    if (!index) this.indexes.set(lower, (index = new Map<string, string | Set<string>>()));
    const normalized = normalizeValue(lower, value);
    const keys = index.get(normalized);
    if (keys === undefined) index.set(normalized, entry.key);
    else if (typeof keys === 'string') {
      if (keys !== entry.key) index.set(normalized, new Set([keys, entry.key]));
    } else keys.add(entry.key);
  }

  private unindex(entry: Entry, lower: string, value: AttributeValue): void {
    if (lower === memberAttribute) {
      this.memberOf.get(normalizeValue(memberAttribute, value))?.delete(entry.key);
      return;
    }
    const index = this.indexes.get(lower);
    const normalized = normalizeValue(lower, value);
    const keys = index?.get(normalized);
    if (keys === entry.key) index?.delete(normalized);
    else if (typeof keys === 'object') keys.delete(entry.key);
  }

  /** Values of an attribute as a search sees them (memberOf from back-links). */
  values(entry: Entry, name: string): readonly AttributeValue[] {
    const lower = name.toLowerCase();
    if (lower === dnAttribute) return [entry.dn];
    if (lower === memberOfAttribute) {
      const groups = this.memberOf.get(entry.key);
      if (!groups) return [];
      return [...groups].flatMap((key) => {
        const group = this.entries.get(key);
        return group ? [group.dn] : [];
      });
    }
    return entry.attributes.get(lower) ?? [];
  }

  /** The attribute names of an entry: stored ones, distinguishedName, and memberOf when it has any. */
  attributeNames(entry: Entry): string[] {
    const names = ['distinguishedName', ...[...entry.attributes.keys()].map((lower) => this.attributeName(entry, lower))];
    if ((this.memberOf.get(entry.key)?.size ?? 0) > 0) names.push('memberOf');
    return names;
  }

  /** Keys of entries whose indexed attribute has this value; undefined when the attribute has no index. */
  lookup(name: string, value: AttributeValue): ReadonlySet<string> | undefined {
    const lower = name.toLowerCase();
    if (lower === dnAttribute) {
      const key = normalizeValue(dnAttribute, value);
      return this.entries.has(key) ? new Set([key]) : new Set();
    }
    if (!attributeDefinition(lower).indexed) return undefined;
    const keys = this.indexes.get(lower)?.get(normalizeValue(lower, value));
    return keys === undefined ? new Set() : typeof keys === 'string' ? new Set([keys]) : keys;
  }

  children(key: string): Entry[] {
    return [...(this.childrenOf.get(key) ?? [])].flatMap((child) => {
      const entry = this.entries.get(child);
      return entry ? [entry] : [];
    });
  }

  /** The entry and everything below it, depth first, siblings in creation order. */
  *subtree(key: string): Generator<Entry> {
    const stack = [key];
    while (stack.length > 0) {
      const current = stack.pop()!;
      const entry = this.entries.get(current);
      if (!entry) continue;
      yield entry;
      const children = this.childrenOf.get(current);
      if (!children) continue;
      // Pushed last-first so siblings come out in the order they were added.
      const ordered = [...children];
      for (let i = ordered.length - 1; i >= 0; i--) stack.push(ordered[i]!);
    }
  }

  /** True when `key` is `ancestor` or below it. */
  isWithin(key: string, ancestor: string): boolean {
    return ancestor === '' || key === ancestor || key.endsWith(`,${ancestor}`);
  }

  /** Path from the naming context down to the entry (root first). */
  pathTo(entry: Entry): Entry[] {
    const path: Entry[] = [];
    for (let current: Entry | undefined = entry; current; current = current.parentKey === null ? undefined : this.entries.get(current.parentKey)) {
      path.unshift(current);
    }
    return path;
  }
}
