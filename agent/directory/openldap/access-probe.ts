/**
 * Non-destructive write probes with slapd's No-Op control: the server runs the modify through
 * its access checks (and ppolicy) and answers 16654 instead of applying it. 50 means no access,
 * 32 no such entry, 19 ppolicy refused the value (only a replace of userPassword runs ppolicy).
 */
import { Attribute, Change, type Client } from 'ldapts';
import { noOpControl, permissiveModifyControl } from '../ldap/controls.js';
import { LdapResultCode } from '../../../ldap-constants/ldap-result-codes.js';

export type ProbeOutcome = 'allowed' | 'denied' | 'noSuchEntry' | 'policyRefused' | 'unsupported' | 'other';

export interface ProbeResult {
  outcome: ProbeOutcome;
  ldapCode: number;
}

const OUTCOME_BY_CODE: ReadonlyMap<number, ProbeOutcome> = new Map<number, ProbeOutcome>([
  [LdapResultCode.noOperation, 'allowed'],
  [LdapResultCode.success, 'allowed'],
  // A delete of an absent value got past the access check (slapd checks ACLs first).
  [LdapResultCode.noSuchAttribute, 'allowed'],
  [LdapResultCode.insufficientAccessRights, 'denied'],
  [LdapResultCode.noSuchObject, 'noSuchEntry'],
  [LdapResultCode.constraintViolation, 'policyRefused'],
  [LdapResultCode.unavailableCriticalExtension, 'unsupported'],
]);

/** Probes `change` on `dn` under No-Op (plus permissive modify, so deleting an absent value is not an error). */
export async function probeModify(client: Client, dn: string, change: Change): Promise<ProbeResult> {
  try {
    await client.modify(dn, change, [noOpControl(), permissiveModifyControl()]);
    return { outcome: 'allowed', ldapCode: LdapResultCode.success };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number') throw error;
    return { outcome: OUTCOME_BY_CODE.get(code) ?? 'other', ldapCode: code };
  }
}

export const deleteAttribute = (type: string): Change => new Change({ operation: 'delete', modification: new Attribute({ type }) });
export const replaceAttribute = (type: string, value: string): Change => new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });
