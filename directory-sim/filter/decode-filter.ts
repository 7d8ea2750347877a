import { BerReader } from '../ber/ber-reader.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import { SimError } from '../sim-error.js';
import type { Filter } from './filter.js';

/** Context tags of the Filter CHOICE. */
export const FilterTag = {
  and: 0xa0,
  or: 0xa1,
  not: 0xa2,
  equal: 0xa3,
  substrings: 0xa4,
  greaterOrEqual: 0xa5,
  lessOrEqual: 0xa6,
  present: 0x87,
  approx: 0xa8,
  extensible: 0xa9,
} as const;

const SubstringTag = { initial: 0x80, any: 0x81, final: 0x82 } as const;
const ExtensibleTag = { rule: 0x81, type: 0x82, value: 0x83, dnAttributes: 0x84 } as const;

/** Decodes one Filter from the reader; nesting is bounded so a hostile filter cannot exhaust the stack. */
export function decodeFilter(reader: BerReader, depth = 0): Filter {
  if (depth > 64) throw new SimError(LdapResultCode.protocolError, 'filter nested too deeply');
  const { tag, value } = reader.readTlv();
  const inner = new BerReader(value);
  switch (tag) {
    case FilterTag.and:
    case FilterTag.or: {
      const filters: Filter[] = [];
      while (inner.hasMore) filters.push(decodeFilter(inner, depth + 1));
      return { kind: tag === FilterTag.and ? 'and' : 'or', filters };
    }
    case FilterTag.not:
      return { kind: 'not', filter: decodeFilter(inner, depth + 1) };
    case FilterTag.equal:
    case FilterTag.greaterOrEqual:
    case FilterTag.lessOrEqual:
    case FilterTag.approx: {
      const attribute = inner.readString();
      const assertion = inner.readOctets();
      const kind = tag === FilterTag.equal ? 'equal' : tag === FilterTag.approx ? 'approx' : tag === FilterTag.greaterOrEqual ? 'greaterOrEqual' : 'lessOrEqual';
      return { kind, attribute, value: assertion };
    }
    case FilterTag.substrings: {
      const attribute = inner.readString();
      const parts = inner.readSequence();
      const filter: Filter & { kind: 'substrings' } = { kind: 'substrings', attribute, any: [] };
      while (parts.hasMore) {
        const part = parts.readTlv();
        if (part.tag === SubstringTag.initial) filter.initial = part.value;
        else if (part.tag === SubstringTag.any) filter.any.push(part.value);
        else if (part.tag === SubstringTag.final) filter.final = part.value;
        else throw new SimError(LdapResultCode.protocolError, 'bad substring filter component');
      }
      return filter;
    }
    case FilterTag.present:
      return { kind: 'present', attribute: value.toString('utf8') };
    case FilterTag.extensible: {
      const filter: Filter & { kind: 'extensible' } = { kind: 'extensible', value: Buffer.alloc(0), dnAttributes: false };
      while (inner.hasMore) {
        const part = inner.readTlv();
        if (part.tag === ExtensibleTag.rule) filter.rule = part.value.toString('utf8');
        else if (part.tag === ExtensibleTag.type) filter.attribute = part.value.toString('utf8');
        else if (part.tag === ExtensibleTag.value) filter.value = part.value;
        else if (part.tag === ExtensibleTag.dnAttributes) filter.dnAttributes = part.value[0] !== 0;
      }
      return filter;
    }
    default:
      throw new SimError(LdapResultCode.protocolError, `unknown filter choice 0x${tag.toString(16)}`);
  }
}
