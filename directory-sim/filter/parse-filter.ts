import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import { SimError } from '../sim-error.js';
import type { Filter } from './filter.js';

function bad(text: string, why: string): SimError {
  return new SimError(LdapResultCode.protocolError, `bad filter ${JSON.stringify(text)}: ${why}`);
}

/** Unescapes an RFC 4515 assertion value (\XX hex pairs) into bytes. */
function unescapeValue(text: string, whole: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      const pair = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw bad(whole, 'bad escape');
      bytes.push(parseInt(pair, 16));
      i += 2;
    } else if (ch === '(' || ch === ')' || ch === '*' || ch === '\0') {
      throw bad(whole, `unescaped ${ch}`);
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

const attributeDescription = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;

function parseItem(body: string, whole: string): Filter {
  const extensible = /^([^:=]*)((?::dn)?)(?::([^:=]+))?:=(.*)$/is.exec(body);
  const colon = body.indexOf(':');
  if (extensible && colon >= 0 && colon < body.indexOf('=')) {
    const [, attribute, dn, rule, value] = extensible as unknown as [string, string, string, string | undefined, string];
    if (attribute === '' && rule === undefined) throw bad(whole, 'extensible match needs an attribute or a rule');
    const filter: Filter & { kind: 'extensible' } = { kind: 'extensible', value: unescapeValue(value, whole), dnAttributes: dn.toLowerCase() === ':dn' };
    if (attribute !== '') filter.attribute = attribute;
    if (rule !== undefined) filter.rule = rule;
    return filter;
  }
  const match = /^([^=~<>]+)(=|~=|>=|<=)(.*)$/s.exec(body);
  if (!match) throw bad(whole, 'no operator');
  const [, attribute, operator, value] = match as unknown as [string, string, string, string];
  if (!attributeDescription.test(attribute)) throw bad(whole, `bad attribute ${attribute}`);
  if (operator === '~=') return { kind: 'approx', attribute, value: unescapeValue(value, whole) };
  if (operator === '>=') return { kind: 'greaterOrEqual', attribute, value: unescapeValue(value, whole) };
  if (operator === '<=') return { kind: 'lessOrEqual', attribute, value: unescapeValue(value, whole) };
  if (value === '*') return { kind: 'present', attribute };
  if (!value.includes('*')) return { kind: 'equal', attribute, value: unescapeValue(value, whole) };
  const parts = value.split('*');
  const initial = parts.shift()!;
  const final = parts.pop()!;
  const filter: Filter & { kind: 'substrings' } = { kind: 'substrings', attribute, any: [] };
  if (initial !== '') filter.initial = unescapeValue(initial, whole);
  for (const part of parts) {
    if (part === '') throw bad(whole, 'empty substring');
    filter.any.push(unescapeValue(part, whole));
  }
  if (final !== '') filter.final = unescapeValue(final, whole);
  return filter;
}

/**
 * Parses the RFC 4515 string form (and RFC 4526's empty (&) and (|)). The server receives
 * filters in BER; this is for the simulator's own API (`sim.find`) and for tests.
 */
export function parseFilter(text: string): Filter {
  let position = 0;
  const parse = (depth: number): Filter => {
    if (depth > 64) throw bad(text, 'nested too deeply');
    if (text[position] !== '(') throw bad(text, `expected ( at ${position}`);
    position++;
    const kind = text[position];
    let filter: Filter;
    if (kind === '&' || kind === '|') {
      position++;
      const filters: Filter[] = [];
      while (text[position] === '(') filters.push(parse(depth + 1));
      filter = { kind: kind === '&' ? 'and' : 'or', filters };
    } else if (kind === '!') {
      position++;
      filter = { kind: 'not', filter: parse(depth + 1) };
    } else {
      let end = position;
      while (end < text.length && text[end] !== ')') {
        if (text[end] === '(') throw bad(text, `unescaped ( at ${end}`);
        end++;
      }
      filter = parseItem(text.slice(position, end), text);
      position = end;
    }
    if (text[position] !== ')') throw bad(text, `expected ) at ${position}`);
    position++;
    return filter;
  };
  const trimmed = text.trim();
  if (!trimmed.startsWith('(')) {
    // A bare item is accepted, as many tools do.
    text = `(${trimmed})`;
  } else text = trimmed;
  const filter = parse(0);
  if (position !== text.length) throw bad(text, 'trailing characters');
  return filter;
}
