import type { Client } from 'ldapts';
import { entryValue, entryValues } from '../../ldap/entry-values.js';
import type { DirectoryFlavor } from './permission-fixes.js';

/** What the rootDSE says about the DC the report talks to. */
export interface DcInfo {
  flavor: DirectoryFlavor;
  dnsHostName: string | null;
  /** vendorName and vendorVersion (Samba sends them; Windows does not). */
  vendor: string | null;
  supportedControls: ReadonlySet<string>;
}

const ROOT_DSE_ATTRIBUTES = ['dnsHostName', 'vendorName', 'vendorVersion', 'supportedCapabilities', 'supportedControl'];

/** Samba names itself in the rootDSE's vendorName ("Samba Team (https://www.samba.org)"); Windows sends none. */
export function flavorOf(vendorName: string | null): DirectoryFlavor {
  return vendorName !== null && /samba/i.test(vendorName) ? 'samba' : 'windows';
}

export async function readDcInfo(client: Client): Promise<DcInfo> {
  const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ROOT_DSE_ATTRIBUTES });
  const entry = searchEntries[0];
  const vendorName = entryValue(entry, 'vendorName');
  const vendorVersion = entryValue(entry, 'vendorVersion');
  return {
    flavor: flavorOf(vendorName),
    dnsHostName: entryValue(entry, 'dnsHostName'),
    vendor: vendorName === null ? null : [vendorName, vendorVersion].filter((part) => part !== null).join(' '),
    supportedControls: new Set(entryValues(entry, 'supportedControl')),
  };
}
