/**
 * The Password Modify extended operation (RFC 3062): the request value, and one call that sends it
 * with the ppolicy request control so a refusal carries its reason.
 */
import { BerWriter, type Client, type Control } from 'ldapts';
import { Oid } from '../../../ldap-constants/oids.js';

export interface PasswordModifyRequest {
  /** DN of the entry; absent = the bound user. */
  userIdentity?: string;
  oldPassword?: string;
  /** Absent asks the server to generate one (never done by the agent). */
  newPassword?: string;
}

/** PasswdModifyRequestValue ::= SEQUENCE { userIdentity [0], oldPasswd [1], newPasswd [2] } (all optional OCTET STRINGs). */
export function encodePasswordModify(request: PasswordModifyRequest): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  if (request.userIdentity !== undefined) writer.writeString(request.userIdentity, 0x80);
  if (request.oldPassword !== undefined) writer.writeString(request.oldPassword, 0x81);
  if (request.newPassword !== undefined) writer.writeString(request.newPassword, 0x82);
  writer.endSequence();
  return writer.buffer;
}

/** Sends Password Modify. Errors are thrown as ldapts raised them; the caller maps them with the control's error. */
export async function passwordModify(client: Client, request: PasswordModifyRequest, controls: Control[]): Promise<void> {
  await client.exop(Oid.passwordModify, encodePasswordModify(request), controls);
}
