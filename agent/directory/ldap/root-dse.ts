import type { Client } from 'ldapts';

/** What the agent reads from the root DSE to know what a server supports. */
export interface RootDse {
  supportedControl: string[];
  supportedExtension: string[];
  namingContexts: string[];
  /** AD only. */
  defaultNamingContext: string | null;
  supportedLdapVersion: string[];
  /** Some servers name themselves here; slapd 2.5 and AD do not. */
  vendorName: string | null;
}

const ATTRIBUTES = ['supportedControl', 'supportedExtension', 'namingContexts', 'defaultNamingContext', 'supportedLDAPVersion', 'vendorName'];

function values(entry: Record<string, unknown>, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

/** Reads the root DSE (a base search on the empty DN; operational attributes named explicitly). */
export async function readRootDse(client: Client): Promise<RootDse> {
  const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ATTRIBUTES });
  const entry = searchEntries[0] ?? { dn: '' };
  return {
    supportedControl: values(entry, 'supportedControl'),
    supportedExtension: values(entry, 'supportedExtension'),
    namingContexts: values(entry, 'namingContexts'),
    defaultNamingContext: values(entry, 'defaultNamingContext')[0] ?? null,
    supportedLdapVersion: values(entry, 'supportedLDAPVersion'),
    vendorName: values(entry, 'vendorName')[0] ?? null,
  };
}
