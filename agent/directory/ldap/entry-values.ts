import type { Entry } from 'ldapts';

/**
 * ldapts returns an attribute as a string, a string[] or Buffer(s), keyed as the server spelled it,
 * and adds every requested attribute the server did not send as an empty array. This reads them
 * uniformly: absent or empty is [].
 */
export function entryValues(entry: Entry | undefined, name: string): string[] {
  if (entry === undefined) return [];
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return [];
  const value = entry[key];
  if (value === undefined) return [];
  const list: (string | Buffer)[] = Array.isArray(value) ? value : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

export function entryValue(entry: Entry | undefined, name: string): string | null {
  return entryValues(entry, name)[0] ?? null;
}
