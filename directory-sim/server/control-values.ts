import { Oid } from '../../ldap-constants/oids.js';
import { BerReader } from '../ber/ber-reader.js';
import { encodeInteger, encodeOctets, encodeSequence, BerTag } from '../ber/ber-encode.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapControl } from '../protocol/control.js';
import { SimError } from '../sim-error.js';

function find(controls: readonly LdapControl[], oid: string): LdapControl | undefined {
  return controls.find((control) => control.oid === oid);
}

function badControl(oid: string): SimError {
  return new SimError(LdapResultCode.protocolError, `00000057: LdapErr: DSID-0C090D1F, comment: Error processing control ${oid}, data 0, v4563`);
}

/** Paged results request: SEQUENCE { size INTEGER, cookie OCTET STRING }. */
export function pagedResultsRequest(controls: readonly LdapControl[]): { size: number; cookie: Buffer } | undefined {
  const control = find(controls, Oid.pagedResults);
  if (!control) return undefined;
  try {
    const reader = new BerReader(control.value ?? Buffer.alloc(0)).readSequence();
    return { size: reader.readInteger(), cookie: reader.readOctets() };
  } catch {
    throw badControl(control.oid);
  }
}

export function pagedResultsResponse(cookie: Buffer, estimate = 0): LdapControl {
  return { oid: Oid.pagedResults, critical: false, value: encodeSequence(BerTag.sequence, [encodeInteger(estimate), encodeOctets(cookie)]) };
}

/** SD flags: SEQUENCE { flags INTEGER }; the control with no value means all parts but the SACL. */
export function sdFlags(controls: readonly LdapControl[]): number | undefined {
  const control = find(controls, Oid.sdFlags);
  if (!control) return undefined;
  if (!control.value || control.value.length === 0) return 0x7;
  try {
    return new BerReader(control.value).readSequence().readInteger();
  } catch {
    throw badControl(control.oid);
  }
}

/** Policy hints (either OID): SEQUENCE { flags INTEGER }; flag 1 asks for history on reset. */
export function policyHintsEnforce(controls: readonly LdapControl[]): boolean {
  const control = find(controls, Oid.policyHints) ?? find(controls, Oid.policyHintsDeprecated);
  if (!control) return false;
  try {
    return (new BerReader(control.value ?? Buffer.alloc(0)).readSequence().readInteger() & 1) === 1;
  } catch {
    throw badControl(control.oid);
  }
}

export function hasControl(controls: readonly LdapControl[], oid: string): boolean {
  return find(controls, oid) !== undefined;
}
