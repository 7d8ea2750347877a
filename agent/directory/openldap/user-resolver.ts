/**
 * Resolves a command's target to exactly one person entry inside baseDn. Every value is escaped
 * before it reaches a filter; a DN target is parsed and must lie within baseDn.
 */
import type { Client, Entry } from 'ldapts';
import { ResultCode } from '../../../protocol/codes.js';
import { AgentError } from '../../errors.js';
import type { Target } from '../driver.js';
import { InvalidDnError, isWithin, parseDn } from '../ldap/dn.js';
import { escapeFilterValue, UnencodableValueError } from '../ldap/escape.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';
import { TARGET_ATTRIBUTE } from './openldap-attributes.js';

/** Only person entries are users: not the suffix, an OU, a group, a policy or an application entry. */
const PERSON_FILTER = '(objectClass=person)';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(reason: string, message = 'no such user in the directory'): AgentError {
  return new AgentError(ResultCode.USER_NOT_FOUND, message, { details: { reason } });
}

/** The one entry the target names, with `attributes`; throws USER_NOT_FOUND or AMBIGUOUS_USER. */
export async function findUserEntry(client: Client, baseDn: string, target: Target, attributes: string[]): Promise<Entry> {
  if (target.value.length === 0) throw notFound('EMPTY_TARGET');
  if (target.by === 'dn') return findByDn(client, baseDn, target.value, attributes);
  if (target.by === 'objectGUID') throw notFound('TARGET_KIND_NOT_SUPPORTED', 'OpenLDAP entries have no objectGUID; use entryUUID');
  const attribute = TARGET_ATTRIBUTE[target.by];
  if (target.by === 'entryUUID' && !UUID.test(target.value)) throw notFound('INVALID_UUID');
  let value: string;
  try {
    value = escapeFilterValue(target.value);
  } catch (error) {
    if (error instanceof UnencodableValueError) throw notFound('INVALID_TARGET');
    throw error;
  }
  // sizeLimit 2: enough to tell "one" from "several" without listing a directory.
  const { searchEntries } = await client.search(baseDn, { scope: 'sub', filter: `(&${PERSON_FILTER}(${attribute}=${value}))`, attributes, sizeLimit: 2 });
  if (searchEntries.length > 1) throw new AgentError(ResultCode.AMBIGUOUS_USER, 'several directory entries match the target', { details: { reason: 'SEVERAL_MATCHES', attribute } });
  const entry = searchEntries[0];
  if (entry === undefined) throw notFound('NO_MATCH');
  return entry;
}

async function findByDn(client: Client, baseDn: string, dn: string, attributes: string[]): Promise<Entry> {
  try {
    parseDn(dn);
  } catch (error) {
    if (error instanceof InvalidDnError) throw notFound('INVALID_DN');
    throw error;
  }
  if (!isWithin(dn, baseDn)) throw notFound('OUTSIDE_BASE_DN');
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: PERSON_FILTER, attributes });
    const entry = searchEntries[0];
    if (entry === undefined) throw notFound('NO_MATCH');
    return entry;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === LdapResultCode.noSuchObject || code === LdapResultCode.invalidDnSyntax) throw notFound('NO_MATCH');
    throw error;
  }
}
