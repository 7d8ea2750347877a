import { InvalidDnError, isWithin, parseDn } from '../directory/ldap/dn.js';

/**
 * DN checks for the config file, on the one DN parser the drivers use (directory/ldap/dn.ts), plus
 * what a config must not hold: an empty DN or an RDN with an empty value.
 */

/** null when `dn` is a usable DN, else the reason. */
export function dnSyntaxError(dn: string): string | null {
  if (dn.trim() === '') return 'is empty';
  try {
    const empty = parseDn(dn)
      .flat()
      .find((ava) => !ava.hex && ava.value === '');
    return empty === undefined ? null : `${empty.type} has an empty value`;
  } catch (error) {
    if (error instanceof InvalidDnError) return error.message;
    throw error;
  }
}

/** True when `dn` equals `base` or lies below it (case-insensitive, as AD and OpenLDAP compare names). */
export function isDnWithin(dn: string, base: string): boolean {
  return isWithin(dn, base);
}
