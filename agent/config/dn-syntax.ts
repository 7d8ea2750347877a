/**
 * Basic RFC 4514 DN syntax, enough to catch typos in the config file at load time (a missing `=`,
 * a stray comma, a bad escape). Lenient where directories are: spaces around `,` `+` `=` are allowed.
 */

export interface Ava {
  type: string;
  value: string;
}

const DESCR = /^[A-Za-z][A-Za-z0-9-]*$/;
const NUMERIC_OID = /^[0-9]+(\.[0-9]+)*$/;
const HEX_STRING = /^#([0-9A-Fa-f]{2})+$/;
const ESCAPABLE = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);

/** Parses a DN into RDNs (each a list of attribute=value pairs, values unescaped); throws a one-line reason. */
export function parseDn(dn: string): Ava[][] {
  if (dn.trim() === '') throw new Error('is empty');
  const rdns: Ava[][] = [];
  let rdn: Ava[] = [];
  let i = 0;
  while (i < dn.length) {
    const eq = dn.indexOf('=', i);
    if (eq < 0) throw new Error(`"${dn.slice(i).trim()}" has no "="`);
    const type = dn.slice(i, eq).trim();
    if (!DESCR.test(type) && !NUMERIC_OID.test(type)) throw new Error(`"${type}" is not an attribute type`);
    i = eq + 1;
    while (dn[i] === ' ') i++;
    // Bytes, so that hex escapes of UTF-8 (`caf\C3\A9`) decode to the same string as `café`.
    const bytes: number[] = [];
    let raw = '';
    let trailingSpaces = 0;
    let end: ',' | '+' | null = null;
    for (; i < dn.length; i++) {
      const c = dn[i]!;
      if (c === '\\') {
        const next = dn[i + 1];
        const hex = dn.slice(i + 1, i + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          raw += `\\${hex}`;
          i += 2;
        } else if (next !== undefined && ESCAPABLE.has(next)) {
          bytes.push(...Buffer.from(next));
          raw += `\\${next}`;
          i += 1;
        } else {
          throw new Error(`bad escape "\\${next ?? ''}" in the value of ${type}`);
        }
        trailingSpaces = 0;
      } else if (c === ',' || c === '+') {
        end = c;
        i++;
        break;
      } else if (c === '=' || c === '"' || c === ';' || c === '<' || c === '>') {
        throw new Error(`unescaped "${c}" in the value of ${type} (escape it with a backslash)`);
      } else {
        const char = String.fromCodePoint(dn.codePointAt(i)!);
        i += char.length - 1;
        bytes.push(...Buffer.from(char));
        raw += char;
        trailingSpaces = char === ' ' ? trailingSpaces + 1 : 0;
      }
    }
    // Trailing unescaped spaces are not part of the value.
    const trimmed = raw.slice(0, raw.length - trailingSpaces);
    const value = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
    if (trimmed === '') throw new Error(`${type} has an empty value`);
    if (trimmed.startsWith('#') && !HEX_STRING.test(trimmed)) throw new Error(`the value of ${type} starts with "#" but is not a hex string`);
    rdn.push({ type, value });
    if (end !== null && i >= dn.length) throw new Error(`ends with "${end}"`);
    if (end !== '+') {
      rdns.push(rdn);
      rdn = [];
    }
  }
  return rdns;
}

/** null when `dn` is syntactically a DN, else the reason. */
export function dnSyntaxError(dn: string): string | null {
  try {
    parseDn(dn);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A comparison key: types and values lowercased, multi-valued RDNs sorted. For valid DNs only. */
export function normalizeDn(dn: string): string[] {
  return parseDn(dn).map((rdn) =>
    rdn
      .map((ava) => `${ava.type.toLowerCase()}=${ava.value.toLowerCase()}`)
      .sort()
      .join('+'),
  );
}

/** True when `dn` equals `base` or lies below it (case-insensitive, as AD and OpenLDAP compare names). */
export function isDnWithin(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  if (b.length > d.length) return false;
  const offset = d.length - b.length;
  return b.every((rdn, index) => d[offset + index] === rdn);
}
