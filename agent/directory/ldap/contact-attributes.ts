import type { Client } from 'ldapts';
import { entryValues } from './entry-values.js';

/** Values kept per attribute: a few addresses, and the result frame stays far below 64 KiB. */
export const MAX_CONTACT_VALUES = 8;
/** Longer values are left out (no address is this long; a blob is not contact data). */
export const MAX_CONTACT_VALUE_LENGTH = 256;

/**
 * The named attributes of one entry (a base read as the agent's account), each as text, keyed as
 * the config names it; an attribute the entry lacks, or the agent cannot read, is []. Only these
 * attributes are asked for, so nothing else is read, let alone sent.
 */
export async function readContactAttributes(client: Client, dn: string, names: readonly string[]): Promise<Record<string, string[]>> {
  const contact: Record<string, string[]> = {};
  if (names.length === 0) return contact;
  const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [...names] });
  const entry = searchEntries[0];
  for (const name of names) {
    contact[name] = entryValues(entry, name)
      .filter((value) => value.length > 0 && value.length <= MAX_CONTACT_VALUE_LENGTH && !value.includes('\uFFFD'))
      .slice(0, MAX_CONTACT_VALUES);
  }
  return contact;
}
