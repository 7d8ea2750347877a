/**
 * Escaping of untrusted values before they enter an LDAP search filter (RFC 4515) or a DN
 * (RFC 4514). Every value that came from a command goes through one of these two functions.
 */

/** Thrown for a value that cannot be encoded safely (a lone UTF-16 surrogate has no UTF-8 form). */
export class UnencodableValueError extends Error {
  override readonly name = 'UnencodableValueError';
}

function hexByte(code: number): string {
  return `\\${code.toString(16).padStart(2, '0')}`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False for a string with a lone UTF-16 surrogate (String#isWellFormed is ES2024, beyond our lib). */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

function assertWellFormed(value: string): void {
  // A lone surrogate would be sent as U+FFFD by the encoder: a different value than asked for.
  if (!isWellFormedText(value)) throw new UnencodableValueError('value contains a lone UTF-16 surrogate');
}

/**
 * Escapes a value for an RFC 4515 filter assertion: `*`, `(`, `)`, `\`, NUL and every other ASCII
 * control character become `\XX`. Non-ASCII characters stay as they are (UTF-8 on the wire):
 * ldapts decodes `\XX` escapes one byte per character (Latin-1), so hex-escaping UTF-8 bytes would
 * corrupt them, while a raw non-ASCII character cannot be filter syntax.
 */
export function escapeFilterValue(value: string): string {
  assertWellFormed(value);
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '*' || char === '(' || char === ')' || char === '\\' || code < 0x20 || code === 0x7f) {
      out += hexByte(code);
    } else {
      out += char;
    }
  }
  return out;
}

/** Characters RFC 4514 requires escaping anywhere in an attribute value, plus `=` (AD escapes it too). */
const DN_SPECIAL = new Set(['"', '+', ',', ';', '<', '>', '\\', '=']);

/**
 * Escapes a value for use inside one RDN (RFC 4514): specials get a backslash, a leading `#` or
 * space and a trailing space get a backslash, NUL and other ASCII control characters become `\XX`.
 */
export function escapeDnValue(value: string): string {
  assertWellFormed(value);
  const chars = [...value];
  let out = '';
  chars.forEach((char, index) => {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      out += hexByte(code);
    } else if (DN_SPECIAL.has(char)) {
      out += `\\${char}`;
    } else if ((index === 0 && (char === '#' || char === ' ')) || (index === chars.length - 1 && char === ' ')) {
      out += `\\${char}`;
    } else {
      out += char;
    }
  });
  return out;
}
