import type { EncodedAttribute } from '../protocol/encode-response.js';
import type { SearchScope } from '../protocol/ldap-request.js';
import type { Entry } from '../store/entry.js';
import { computedUserAccountControl, isUser } from './account-state.js';
import { encodeSecurityDescriptor } from './encode-security-descriptor.js';
import { attributeDefinition } from './schema.js';
import { sidToBuffer } from './sid.js';
import type { Identity, SimDirectory } from './sim-directory.js';

/** What a search asks to see of each entry. */
export interface ReadOptions {
  attributes: readonly string[];
  scope: SearchScope;
  /** SD flags control value, undefined without the control. */
  sdFlags: number | undefined;
  typesOnly: boolean;
}

export const AttributeSelector = { all: '*', none: '1.1' } as const;

/**
 * The attributes of one search result entry, AD style: `*` (or nothing) gives the stored ones;
 * constructed ones only when named; unicodePwd never; nTSecurityDescriptor only under the SD flags
 * control; tokenGroups only on a base search.
 */
export function readEntry(directory: SimDirectory, identity: Identity, entry: Entry, options: ReadOptions): EncodedAttribute[] {
  const { store } = directory;
  const requested = options.attributes.map((name) => name.toLowerCase());
  const all = requested.length === 0 || requested.includes(AttributeSelector.all);
  const result: EncodedAttribute[] = [];
  const seen = new Set<string>();
  const push = (name: string, values: readonly (string | Buffer)[]): void => {
    if (values.length === 0 || seen.has(name.toLowerCase())) return;
    seen.add(name.toLowerCase());
    result.push({ name, values: options.typesOnly ? [] : values });
  };
  if (all) {
    for (const name of store.attributeNames(entry)) {
      const definition = attributeDefinition(name);
      if (definition.kind === 'stored' || definition.kind === 'system') push(name, store.values(entry, name));
    }
    if (options.sdFlags !== undefined) push('nTSecurityDescriptor', [securityDescriptor(directory, entry, options.sdFlags)]);
  }
  for (const [index, lower] of requested.entries()) {
    if (lower === AttributeSelector.all || lower === AttributeSelector.none || seen.has(lower)) continue;
    const definition = attributeDefinition(options.attributes[index]!);
    switch (definition.kind) {
      case 'secret':
        break;
      case 'constructed':
        push(definition.name, constructed(directory, identity, entry, lower, options));
        break;
      default: {
        push(entry.attributes.has(lower) ? store.attributeName(entry, lower) : definition.name, store.values(entry, lower));
      }
    }
  }
  return result;
}

function securityDescriptor(directory: SimDirectory, entry: Entry, flags: number): Buffer {
  return encodeSecurityDescriptor({ owner: entry.security.owner, group: entry.security.group, dacl: directory.dacl(entry), protected: entry.security.protected }, flags);
}

function constructed(directory: SimDirectory, identity: Identity, entry: Entry, lower: string, options: ReadOptions): (string | Buffer)[] {
  switch (lower) {
    case 'ntsecuritydescriptor':
      return options.sdFlags === undefined ? [] : [securityDescriptor(directory, entry, options.sdFlags)];
    case 'tokengroups':
      if (options.scope !== 'base' || directory.objectSid(entry) === undefined) return [];
      return directory.tokenGroups(entry).map(sidToBuffer);
    case 'allowedattributeseffective':
      return directory.allowedAttributesEffective(identity, entry);
    case 'sdrightseffective':
      return identity.entry ? [String(directory.sdRightsEffective(identity, entry))] : [];
    case 'msds-user-account-control-computed':
      if (!isUser(directory.store, entry)) return [];
      return [String(computedUserAccountControl(directory.store, entry, directory.policyFor(entry), directory.clock()))];
    case 'msds-resultantpso': {
      const pso = isUser(directory.store, entry) ? directory.resultantPso(entry) : undefined;
      return pso ? [pso.dn] : [];
    }
    default:
      return [];
  }
}
