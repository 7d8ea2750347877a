import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import { SimError } from '../sim-error.js';

/** One attribute=value pair of an RDN, value unescaped. */
export interface RdnPart {
  type: string;
  value: string;
}

function invalid(dn: string): SimError {
  return new SimError(LdapResultCode.invalidDnSyntax, `00002081: NameErr: DSID-03100225, problem 2003 (BAD_ATT_SYNTAX), data 0, best match of:\n\t'${dn}'\n`);
}

/** Hex-escaped bytes collected so far, as UTF-8 text. */
function flushBytes(bytes: number[]): string {
  return bytes.length === 0 ? '' : Buffer.from(bytes).toString('utf8');
}

/** Parses an RFC 4514 DN into its RDNs (multi-valued RDNs flattened in order). */
export function parseDn(dn: string): RdnPart[][] {
  const rdns: RdnPart[][] = [];
  if (dn.trim() === '') return rdns;
  let current: RdnPart[] = [];
  let i = 0;
  while (i <= dn.length) {
    const eq = dn.indexOf('=', i);
    if (eq < 0) throw invalid(dn);
    const type = dn.slice(i, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9-]*$|^[0-9]+(\.[0-9]+)*$/.test(type)) throw invalid(dn);
    i = eq + 1;
    let value = '';
    let pendingBytes: number[] = [];
    while (i < dn.length && dn[i] === ' ') i++;
    let end: string | undefined;
    let trailingSpaces = 0;
    while (i < dn.length) {
      const ch = dn[i]!;
      if (ch === ',' || ch === '+' || ch === ';') {
        end = ch;
        i++;
        break;
      }
      if (ch === '\\') {
        const next = dn.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(next)) {
          pendingBytes.push(parseInt(next, 16));
          i += 3;
        } else if (i + 1 < dn.length) {
          value += flushBytes(pendingBytes);
          pendingBytes = [];
          value += dn[i + 1];
          i += 2;
        } else throw invalid(dn);
        trailingSpaces = 0;
        continue;
      }
      if (pendingBytes.length > 0) {
        value += flushBytes(pendingBytes);
        pendingBytes = [];
      }
      value += ch;
      trailingSpaces = ch === ' ' ? trailingSpaces + 1 : 0;
      i++;
    }
    value += flushBytes(pendingBytes);
    if (trailingSpaces > 0) value = value.slice(0, value.length - trailingSpaces);
    current.push({ type, value });
    if (end !== '+') {
      rdns.push(current);
      current = [];
    }
    if (end === undefined) break;
  }
  return rdns;
}

/** RFC 4514 escaping of an attribute value. */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=#]/g, (ch) => `\\${ch}`)
    .replace(/^ /, '\\ ')
    .replace(/ $/, '\\ ');
}

function normalizedRdns(dn: string): string[] {
  return parseDn(dn).map((rdn) => rdn.map((part) => `${part.type.toLowerCase()}=${escapeDnValue(part.value.toLowerCase())}`).join('+'));
}

/** A case-insensitive key for a DN: what two spellings of the same DN share. */
export function normalizeDn(dn: string): string {
  return normalizedRdns(dn).join(',');
}

/** The key of a DN and of its parent (null for a single RDN) from one parse. */
export function dnKeys(dn: string): { key: string; parentKey: string | null } {
  const rdns = normalizedRdns(dn);
  return { key: rdns.join(','), parentKey: rdns.length <= 1 ? null : rdns.slice(1).join(',') };
}

/** The normalized key of the parent, or null for a DN of one RDN (or the empty DN). */
export function parentKey(key: string): string | null {
  if (key === '') return null;
  const rdns = parseDn(key);
  if (rdns.length <= 1) return '';
  return rdns
    .slice(1)
    .map((rdn) => rdn.map((part) => `${part.type}=${escapeDnValue(part.value)}`).join('+'))
    .join(',');
}
