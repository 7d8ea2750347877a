import { AttributeSyntax } from '../ad/attribute-syntax.js';
import { attributeDefinition } from '../ad/schema.js';
import { sidToString } from '../ad/sid.js';
import { normalizeDn } from './dn.js';
import type { AttributeValue } from './entry.js';

/** A comparable string for one value: equal values of one attribute give equal keys. */
export function normalizeValue(attribute: string, value: AttributeValue): string {
  const { syntax } = attributeDefinition(attribute);
  switch (syntax) {
    case AttributeSyntax.binary:
      return typeof value === 'string' ? Buffer.from(value, 'utf8').toString('hex') : value.toString('hex');
    case AttributeSyntax.sid:
      if (typeof value === 'string') return value.toUpperCase();
      return sidToString(value);
    case AttributeSyntax.dn: {
      const text = typeof value === 'string' ? value : value.toString('utf8');
      try {
        return normalizeDn(text);
      } catch {
        return text.toLowerCase();
      }
    }
    case AttributeSyntax.integer: {
      const text = (typeof value === 'string' ? value : value.toString('utf8')).trim();
      return /^-?\d+$/.test(text) ? BigInt(text).toString() : text;
    }
    default:
      return (typeof value === 'string' ? value : value.toString('utf8')).toLowerCase();
  }
}

/** Converts a value received over the wire into its stored form. */
export function storedValue(attribute: string, value: Buffer): AttributeValue {
  const { syntax } = attributeDefinition(attribute);
  return syntax === AttributeSyntax.binary || syntax === AttributeSyntax.sid ? value : value.toString('utf8');
}
