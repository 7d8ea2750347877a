/**
 * Distinguished names (RFC 4514): parsing into RDNs, a normal form for comparison, and the
 * "same entry or below" test the scope policy relies on. Comparison is case-insensitive on both
 * attribute types and values, as Active Directory and OpenLDAP's naming attributes (cn, ou, dc,
 * uid, o) match with caseIgnoreMatch.
 */
import { escapeDnValue, isWellFormedText } from './escape.js';

/** One attribute type and value of an RDN; `value` is unescaped. */
export interface Ava {
  type: string;
  value: string;
  /** The value was a `#` hex string (BER encoding); `value` then holds the lower-case hex digits. */
  hex?: true;
}

/** One RDN: usually one AVA, several for a multi-valued RDN (`cn=a+uid=b`). */
export type Rdn = Ava[];

export class InvalidDnError extends Error {
  override readonly name = 'InvalidDnError';
}

/** Short names of the OIDs that appear in DNs, so `2.5.4.3=x` equals `cn=x`. */
const TYPE_BY_OID: Readonly<Record<string, string>> = {
  '2.5.4.3': 'cn',
  '2.5.4.6': 'c',
  '2.5.4.7': 'l',
  '2.5.4.8': 'st',
  '2.5.4.9': 'street',
  '2.5.4.10': 'o',
  '2.5.4.11': 'ou',
  '0.9.2342.19200300.100.1.1': 'uid',
  '0.9.2342.19200300.100.1.25': 'dc',
};

const SPACE = ' ';

class DnReader {
  private index = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.index >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.index];
  }

  /** The whole code point at the cursor (a surrogate pair is one character). */
  peekChar(): string {
    const code = this.text.codePointAt(this.index);
    return code === undefined ? '' : String.fromCodePoint(code);
  }

  skipSpaces(): void {
    while (this.peek() === SPACE) this.index += 1;
  }

  fail(why: string): never {
    throw new InvalidDnError(`invalid DN at position ${this.index}: ${why}`);
  }

  readType(): string {
    this.skipSpaces();
    const start = this.index;
    while (/[A-Za-z0-9.-]/.test(this.peek() ?? '')) this.index += 1;
    const type = this.text.slice(start, this.index);
    if (!/^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/.test(type)) this.fail('bad attribute type');
    this.skipSpaces();
    if (this.peek() !== '=') this.fail("expected '='");
    this.index += 1;
    this.skipSpaces();
    return type;
  }

  readAva(type: string): Ava {
    if (this.peek() === '#') return { type, value: this.readHexString(), hex: true };
    return { type, value: this.readValue() };
  }

  private readValue(): string {
    if (this.peek() === '"') return this.readQuoted();
    // Plain characters are copied as they are; escapes collect bytes, decoded as UTF-8 together
    // (an escaped multi-byte character spans several escapes); DNs are parsed on every command.
    let value = '';
    let escaped: number[] | null = null;
    let trailingSpaces = 0;
    while (!this.done) {
      const char = this.text[this.index] as string;
      if (char === ',' || char === '+' || char === ';') break;
      if (char === '\\') {
        escaped ??= [];
        this.readEscape(escaped);
        trailingSpaces = 0;
        continue;
      }
      if (escaped !== null) {
        value += decodeUtf8(escaped, this);
        escaped = null;
      }
      if (char === '"' || char === '=' || char === '<' || char === '>') this.fail(`unescaped '${char}'`);
      if (char === '\0') this.fail('unescaped NUL');
      trailingSpaces = char === SPACE ? trailingSpaces + 1 : 0;
      value += char;
      this.index += 1;
    }
    if (escaped !== null) value += decodeUtf8(escaped, this);
    // Unescaped trailing spaces are not part of the value (RFC 4514 requires escaping them).
    return trailingSpaces === 0 ? value : value.slice(0, value.length - trailingSpaces);
  }

  private readEscape(bytes: number[]): void {
    const next = this.text[this.index + 1];
    const pair = this.text.slice(this.index + 1, this.index + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
      bytes.push(Number.parseInt(pair, 16));
      this.index += 3;
    } else if (next !== undefined && next.length > 0) {
      const char = String.fromCodePoint(this.text.codePointAt(this.index + 1) ?? 0);
      bytes.push(...Buffer.from(char, 'utf8'));
      this.index += 1 + char.length;
    } else {
      this.fail('dangling backslash');
    }
  }

  private readHexString(): string {
    this.index += 1;
    const start = this.index;
    while (/[0-9A-Fa-f]/.test(this.peek() ?? '')) this.index += 1;
    const hex = this.text.slice(start, this.index);
    if (hex.length === 0 || hex.length % 2 !== 0) this.fail('bad hex string');
    this.skipSpaces();
    return hex.toLowerCase();
  }

  private readQuoted(): string {
    this.index += 1;
    const bytes: number[] = [];
    for (;;) {
      if (this.done) this.fail('unterminated quoted value');
      const char = this.peekChar();
      if (char === '"') break;
      if (char === '\\') {
        this.readEscape(bytes);
        continue;
      }
      bytes.push(...Buffer.from(char, 'utf8'));
      this.index += char.length;
    }
    this.index += 1;
    this.skipSpaces();
    return decodeUtf8(bytes, this);
  }

  /** Consumes a separator; returns which one ('' at the end). */
  readSeparator(): string {
    this.skipSpaces();
    const char = this.peek();
    if (char === undefined) return '';
    if (char === ',' || char === ';' || char === '+') {
      this.index += 1;
      return char;
    }
    return this.fail(`unexpected '${char}'`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: number[], reader: DnReader): string {
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return reader.fail('escaped bytes are not UTF-8');
  }
}

/** Parses a DN into RDNs, most specific first. The empty string is the root DSE (no RDNs). */
export function parseDn(dn: string): Rdn[] {
  if (!isWellFormedText(dn)) throw new InvalidDnError('invalid DN: lone UTF-16 surrogate');
  const reader = new DnReader(dn);
  reader.skipSpaces();
  if (reader.done) return [];
  const rdns: Rdn[] = [];
  let current: Rdn = [];
  for (;;) {
    const type = reader.readType();
    current.push(reader.readAva(type));
    const separator = reader.readSeparator();
    if (separator === '+') continue;
    rdns.push(current);
    current = [];
    if (separator === '') return rdns;
  }
}

function normalizeType(type: string): string {
  const lower = type.toLowerCase();
  return TYPE_BY_OID[lower] ?? lower;
}

/** caseIgnoreMatch-like: NFC, case folded, runs of spaces collapsed, ends trimmed. */
function normalizeValue(value: string): string {
  return value.normalize('NFC').toLowerCase().replace(/ +/g, ' ').trim();
}

function normalizeRdn(rdn: Rdn): Rdn {
  return rdn
    .map((ava): Ava => (ava.hex ? { type: normalizeType(ava.type), value: ava.value, hex: true } : { type: normalizeType(ava.type), value: normalizeValue(ava.value) }))
    .sort((a, b) => (a.type === b.type ? compare(a.value, b.value) : compare(a.type, b.type)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Formats RDNs back into an RFC 4514 string, escaping each value. */
export function formatDn(rdns: readonly (readonly Ava[])[]): string {
  return rdns.map((rdn) => rdn.map((ava) => `${ava.type}=${ava.hex ? `#${ava.value}` : escapeDnValue(ava.value)}`).join('+')).join(',');
}

/**
 * Normalized RDNs of recently seen DNs. The same few DNs (scope subtrees, the bind DN, protected
 * groups, the user of the command at hand) are compared several times per command; parsing them
 * each time would be a visible share of the agent's CPU. Bounded: cleared when full.
 */
const NORMALIZED_CACHE_SIZE = 1024;
const normalizedCache = new Map<string, readonly (readonly Ava[])[]>();

/** The DN's RDNs in normal form (see normalizeRdn); throws InvalidDnError. The result is shared: never mutate it. */
function normalizedRdns(dn: string): readonly (readonly Ava[])[] {
  const hit = normalizedCache.get(dn);
  if (hit !== undefined) return hit;
  const rdns = parseDn(dn).map(normalizeRdn);
  if (normalizedCache.size >= NORMALIZED_CACHE_SIZE) normalizedCache.clear();
  normalizedCache.set(dn, rdns);
  return rdns;
}

/** The normal form of a DN: equal strings mean the same entry. Throws InvalidDnError. */
export function normalizeDn(dn: string): string {
  return formatDn(normalizedRdns(dn));
}

function sameNormalizedRdn(a: readonly Ava[], b: readonly Ava[]): boolean {
  return a.length === b.length && a.every((ava, i) => ava.type === b[i]?.type && ava.value === b[i]?.value && ava.hex === b[i]?.hex);
}

/** True when both DNs name the same entry. An unparsable DN equals nothing. */
export function dnEquals(a: string, b: string): boolean {
  try {
    const ra = normalizedRdns(a);
    const rb = normalizedRdns(b);
    return ra.length === rb.length && ra.every((rdn, i) => sameNormalizedRdn(rdn, rb[i] ?? []));
  } catch (error) {
    if (error instanceof InvalidDnError) return false;
    throw error;
  }
}

/** True when `dn` is `baseDn` itself or any entry below it. An unparsable DN is within nothing. */
export function isWithin(dn: string, baseDn: string): boolean {
  try {
    const child = normalizedRdns(dn);
    const base = normalizedRdns(baseDn);
    if (base.length > child.length) return false;
    const offset = child.length - base.length;
    return base.every((rdn, i) => sameNormalizedRdn(child[offset + i] ?? [], rdn));
  } catch (error) {
    if (error instanceof InvalidDnError) return false;
    throw error;
  }
}

/** RDNs with only the types normalized (types are case-insensitive and OIDs alias names): values stay exactly as the server wrote them. */
function exactRdns(dn: string): Ava[][] {
  return parseDn(dn).map((rdn) => rdn.map((ava): Ava => ({ ...ava, type: normalizeType(ava.type) })).sort((a, b) => (a.type === b.type ? compare(a.value, b.value) : compare(a.type, b.type))));
}

/**
 * isWithin without the lossy value normalization: values must be equal code point for code
 * point (escapes decoded). For DNs as the directory itself wrote them, where case folding and
 * space trimming would let a look-alike (`OU=Staff\ `, U+212A for K) pass for the real entry.
 */
export function isWithinExactly(dn: string, baseDn: string): boolean {
  try {
    const child = exactRdns(dn);
    const base = exactRdns(baseDn);
    if (base.length > child.length) return false;
    const offset = child.length - base.length;
    return base.every((rdn, i) => sameNormalizedRdn(child[offset + i] ?? [], rdn));
  } catch (error) {
    if (error instanceof InvalidDnError) return false;
    throw error;
  }
}

/** The parent's DN, or null for a DN with one RDN or none. */
export function parentDn(dn: string): string | null {
  const rdns = parseDn(dn);
  return rdns.length <= 1 ? null : formatDn(rdns.slice(1));
}
