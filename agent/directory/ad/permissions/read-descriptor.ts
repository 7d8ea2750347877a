import type { Client } from 'ldapts';
import { SdFlagsControl } from '../controls.js';
import { bufferValues } from '../entry-values.js';
import { LdapResultCode } from '../../../../ldap-constants/ldap-result-codes.js';
import { SecurityInformation } from '../../../../ldap-constants/ad-access-mask.js';
import { parseSecurityDescriptor, type SecurityDescriptor } from './security-descriptor.js';

export const NT_SECURITY_DESCRIPTOR = 'nTSecurityDescriptor';

/**
 * The DACL part of one object's nTSecurityDescriptor, read with the SD flags control (without it
 * AD silently omits the attribute for non-admins). Null when the entry is missing or the account
 * may not read it (no Read Permissions): the caller reports that as "cannot evaluate".
 */
export async function readDescriptor(client: Client, dn: string): Promise<SecurityDescriptor | null> {
  try {
    const { searchEntries } = await client.search(
      dn,
      { scope: 'base', filter: '(objectClass=*)', attributes: [NT_SECURITY_DESCRIPTOR], explicitBufferAttributes: [NT_SECURITY_DESCRIPTOR] },
      new SdFlagsControl(SecurityInformation.dacl),
    );
    const raw = searchEntries[0] === undefined ? undefined : bufferValues(searchEntries[0], NT_SECURITY_DESCRIPTOR)[0];
    return raw === undefined || raw.length === 0 ? null : parseSecurityDescriptor(raw);
  } catch (error) {
    if ((error as { code?: unknown }).code === LdapResultCode.noSuchObject) return null;
    throw error;
  }
}
