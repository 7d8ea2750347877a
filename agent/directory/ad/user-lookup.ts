import { AndFilter, EqualityFilter, FilterParser, type Client, type Entry, type Filter } from 'ldapts';
import { ResultCode } from '../../../protocol/codes.js';
import { AgentError } from '../../errors.js';
import type { Target } from '../driver.js';
import { InvalidDnError, isWithin, normalizeDn, parseDn } from '../ldap/dn.js';
import { escapeFilterValue, isWellFormedText } from '../ldap/escape.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';
import { AdAttribute, BINARY_ATTRIBUTES } from './ad-attributes.js';
import { guidToBytes } from './object-guid.js';

/** Users only: objectCategory=person leaves out computers, which are objectClass=user too. */
const USER_FILTER = '(&(objectCategory=person)(objectClass=user))';

/**
 * No AD naming attribute holds control characters, and Samba compares filter values as C strings:
 * `alice\00` (NUL escaped per RFC 4515) matched alice there. Such values are refused outright.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Longer values cannot be a name AD stores (UPN and mail are at most 1024 and 256 characters). */
const MAX_VALUE_LENGTH = 1024;

/** What resolveUser reads about a user; the driver derives DirectoryUser and the policy checks from it. */
export const USER_ATTRIBUTES = [
  AdAttribute.objectGUID,
  AdAttribute.objectSid,
  AdAttribute.sAMAccountName,
  AdAttribute.userPrincipalName,
  AdAttribute.displayName,
  AdAttribute.userAccountControl,
  AdAttribute.userAccountControlComputed,
  AdAttribute.pwdLastSet,
  AdAttribute.lockoutTime,
  AdAttribute.adminCount,
  AdAttribute.primaryGroupID,
];

/** The attribute a target kind is matched on in AD; entryUUID and uid are OpenLDAP's. */
const SEARCH_ATTRIBUTE = {
  userPrincipalName: AdAttribute.userPrincipalName,
  sAMAccountName: AdAttribute.sAMAccountName,
  mail: AdAttribute.mail,
} as const;

function notFound(message: string, reason: string): AgentError {
  return new AgentError(ResultCode.USER_NOT_FOUND, message, { details: { reason } });
}

interface Query {
  base: string;
  scope: 'base' | 'sub';
  filter: Filter | string;
}

/** Builds the search for a target, every untrusted value escaped; throws USER_NOT_FOUND for a target that cannot name an AD user. */
export function userQuery(target: Target, baseDn: string): Query {
  const { value } = target;
  if (value.length === 0) throw notFound('the target value is empty', 'EMPTY_VALUE');
  if (value.length > MAX_VALUE_LENGTH) throw notFound('the target value is too long to name a user', 'VALUE_TOO_LONG');
  if (!isWellFormedText(value)) throw notFound('the target value is not valid text', 'UNENCODABLE_VALUE');
  if (CONTROL_CHARACTER.test(value)) throw notFound('the target value contains control characters', 'CONTROL_CHARACTER');
  switch (target.by) {
    case 'userPrincipalName':
    case 'sAMAccountName':
    case 'mail':
      return { base: baseDn, scope: 'sub', filter: `(&${USER_FILTER}(${SEARCH_ATTRIBUTE[target.by]}=${escapeFilterValue(value)}))` };
    case 'objectGUID': {
      const bytes = guidToBytes(value);
      if (bytes === null) throw notFound('the target is not a GUID', 'INVALID_GUID');
      // A filter object with the raw bytes: ldapts would UTF-8-encode `\xx` escapes above 0x7f from a filter string.
      return { base: baseDn, scope: 'sub', filter: new AndFilter({ filters: [FilterParser.parseString(USER_FILTER), new EqualityFilter({ attribute: AdAttribute.objectGUID, value: bytes })] }) };
    }
    case 'dn': {
      let dn: string;
      try {
        // Re-serialised from its parsed form: every value escaped per RFC 4514.
        dn = normalizeDn(value);
        // Escaped control characters (`\00`) are as unacceptable as literal ones.
        if (parseDn(dn).some((rdn) => rdn.some((ava) => CONTROL_CHARACTER.test(ava.value)))) throw notFound('the target DN contains control characters', 'CONTROL_CHARACTER');
      } catch (error) {
        if (error instanceof InvalidDnError) throw notFound('the target is not a valid DN', 'INVALID_DN');
        throw error;
      }
      if (!isWithin(dn, baseDn)) throw notFound('the target DN is outside the directory base DN', 'OUTSIDE_BASE_DN');
      return { base: dn, scope: 'base', filter: USER_FILTER };
    }
    case 'uid':
    case 'entryUUID':
      throw notFound(`Active Directory has no ${target.by} to look users up by; use userPrincipalName, sAMAccountName, mail, dn or objectGUID`, 'UNSUPPORTED_TARGET_KIND');
  }
}

/** Runs the search; exactly one match or USER_NOT_FOUND / AMBIGUOUS_USER. Other errors are thrown as they are. */
export async function findUserEntry(client: Client, target: Target, baseDn: string): Promise<Entry> {
  const query = userQuery(target, baseDn);
  let entries: Entry[];
  try {
    // sizeLimit 2: enough to know "more than one" without reading a directory's worth of matches.
    ({ searchEntries: entries } = await client.search(query.base, {
      scope: query.scope,
      filter: query.filter,
      attributes: USER_ATTRIBUTES,
      explicitBufferAttributes: BINARY_ATTRIBUTES,
      sizeLimit: 2,
    }));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === LdapResultCode.noSuchObject) throw notFound('no user matches the target', 'NO_MATCH');
    if (code === LdapResultCode.sizeLimitExceeded) throw ambiguous();
    throw error;
  }
  if (entries.length === 0) throw notFound('no user matches the target', 'NO_MATCH');
  if (entries.length > 1) throw ambiguous();
  return entries[0] as Entry;
}

function ambiguous(): AgentError {
  return new AgentError(ResultCode.AMBIGUOUS_USER, 'more than one user matches the target', { details: { reason: 'SEVERAL_MATCHES' } });
}

/** Re-reads one user by its DN (the driver's operations start from fresh state). */
export async function readUserEntry(client: Client, dn: string, attributes: string[] = USER_ATTRIBUTES): Promise<Entry | null> {
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: USER_FILTER, attributes, explicitBufferAttributes: BINARY_ATTRIBUTES });
    return searchEntries[0] ?? null;
  } catch (error) {
    if ((error as { code?: unknown }).code === LdapResultCode.noSuchObject) return null;
    throw error;
  }
}
