import type { Entry } from 'ldapts';

/** The values of one attribute of a search entry, found case-insensitively (servers choose the case). */
function raw(entry: Entry, name: string): (Buffer | string)[] {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (key === undefined || key === 'dn') return [];
  const value = entry[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function stringValues(entry: Entry, name: string): string[] {
  return raw(entry, name).map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : value));
}

export function firstString(entry: Entry, name: string): string | null {
  return stringValues(entry, name)[0] ?? null;
}

export function bufferValues(entry: Entry, name: string): Buffer[] {
  return raw(entry, name).map((value) => (Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1')));
}

/** An integer attribute; null when absent or not a number. */
export function firstInteger(entry: Entry, name: string): number | null {
  const value = firstString(entry, name);
  if (value === null || !/^-?\d+$/.test(value.trim())) return null;
  return Number(value);
}
