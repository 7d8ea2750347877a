/**
 * The request controls the drivers send. ldapts decodes a response control only into the request
 * control instance of the same OID, so each request gets a fresh instance to read back from.
 */
import { Control, PasswordPolicyControl } from 'ldapts';
import { Oid } from '../../../ldap-constants/oids.js';

/** ppolicy request control: its response carries the reason of a refusal (tooShort, inHistory...). Never critical. */
export function passwordPolicyControl(): PasswordPolicyControl {
  return new PasswordPolicyControl();
}

/** slapd's No-Op control (critical): the server checks access and answers 16654 without changing anything. */
export function noOpControl(): Control {
  return new Control(Oid.noOp, { critical: true });
}

/** Permissive modify: deleting an absent value or adding a present one succeeds (makes unlock idempotent). */
export function permissiveModifyControl(): Control {
  return new Control(Oid.permissiveModify, { critical: false });
}

/** The ppolicy `error` of the response, when the server sent the control back with one. */
export function ppolicyErrorOf(control: PasswordPolicyControl): number | null {
  return control.value?.error ?? null;
}
