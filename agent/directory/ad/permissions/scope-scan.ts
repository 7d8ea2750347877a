import type { Client, Entry } from 'ldapts';
import { AdAttribute, UacFlag } from '../ad-attributes.js';
import { bufferValues, firstInteger } from '../entry-values.js';
import { isWithin } from '../../ldap/dn.js';
import { sidFromBytes } from '../sid.js';
import { SdFlagsControl } from '../controls.js';
import { SecurityInformation } from '../../../../ldap-constants/ad-access-mask.js';
import { NT_SECURITY_DESCRIPTOR } from './read-descriptor.js';
import { isDaclProtected, parseSecurityDescriptor, type SecurityDescriptor } from './security-descriptor.js';

/** One user in scope as the report looks at it. */
export interface ScannedUser {
  dn: string;
  sid: string | null;
  adminCount: boolean;
  disabled: boolean;
  /** Null when the DACL could not be read or parsed. */
  descriptor: SecurityDescriptor | null;
}

export interface ScopeScan {
  base: string;
  users: ScannedUser[];
  /** More users exist than were scanned (the limit was reached). */
  truncated: boolean;
}

const USER_FILTER = '(&(objectCategory=person)(objectClass=user))';
const PAGE_SIZE = 500;

function scannedUser(entry: Entry): ScannedUser {
  const sidBytes = bufferValues(entry, AdAttribute.objectSid)[0];
  const raw = bufferValues(entry, NT_SECURITY_DESCRIPTOR)[0];
  let descriptor: SecurityDescriptor | null = null;
  try {
    descriptor = raw === undefined || raw.length === 0 ? null : parseSecurityDescriptor(raw);
  } catch {
    // A descriptor the parser refuses is reported as unreadable, not guessed at.
  }
  return {
    dn: entry.dn,
    sid: sidBytes === undefined ? null : sidFromBytes(sidBytes),
    adminCount: firstInteger(entry, AdAttribute.adminCount) === 1,
    disabled: ((firstInteger(entry, AdAttribute.userAccountControl) ?? 0) & UacFlag.accountDisabled) !== 0,
    descriptor,
  };
}

/**
 * The users under one `scope.include` base (outside `scope.exclude`), up to `limit`, each with its
 * DACL: one paged search with the SD flags control, nothing written.
 */
export async function scanScope(client: Client, base: string, exclude: readonly string[], limit: number): Promise<ScopeScan> {
  const users: ScannedUser[] = [];
  let truncated = false;
  const pages = client.searchPaginated(
    base,
    {
      scope: 'sub',
      filter: USER_FILTER,
      attributes: [AdAttribute.objectSid, AdAttribute.adminCount, AdAttribute.userAccountControl, NT_SECURITY_DESCRIPTOR],
      explicitBufferAttributes: [AdAttribute.objectSid, NT_SECURITY_DESCRIPTOR],
      paged: { pageSize: Math.min(PAGE_SIZE, limit + 1) },
    },
    new SdFlagsControl(SecurityInformation.dacl),
  );
  for await (const page of pages) {
    for (const entry of page.searchEntries) {
      if (exclude.some((excluded) => isWithin(entry.dn, excluded))) continue;
      if (users.length >= limit) {
        truncated = true;
        break;
      }
      users.push(scannedUser(entry));
    }
    if (truncated) break;
  }
  return { base, users, truncated };
}

/** Why a reset of this user fails whatever the delegation: the categories the report lists. */
export function willFailReasons(user: ScannedUser): ('adminCount' | 'inheritanceDisabled' | 'disabled')[] {
  const reasons: ('adminCount' | 'inheritanceDisabled' | 'disabled')[] = [];
  if (user.adminCount) reasons.push('adminCount');
  if (user.descriptor !== null && isDaclProtected(user.descriptor)) reasons.push('inheritanceDisabled');
  if (user.disabled) reasons.push('disabled');
  return reasons;
}
