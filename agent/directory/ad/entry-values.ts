import type { Entry } from 'ldapts';
import { entryValue } from '../ldap/entry-values.js';

// Strings come from the shared ../ldap/entry-values.ts; these add what AD's binary and integer attributes need.

/** The values of a binary attribute (requested through explicitBufferAttributes). */
export function bufferValues(entry: Entry, name: string): Buffer[] {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  const value = key === undefined || key === 'dn' ? undefined : entry[key];
  if (value === undefined) return [];
  const list: (Buffer | string)[] = Array.isArray(value) ? value : [value];
  return list.map((item) => (Buffer.isBuffer(item) ? item : Buffer.from(item, 'latin1')));
}

/** An integer attribute; null when absent or not a number. */
export function firstInteger(entry: Entry, name: string): number | null {
  const value = entryValue(entry, name);
  if (value === null || !/^-?\d+$/.test(value.trim())) return null;
  return Number(value);
}
