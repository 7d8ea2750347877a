import { Oid } from '../../ldap-constants/oids.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapOperation } from '../protocol/ldap-request.js';
import { encodeExtendedResponse } from '../protocol/encode-response.js';
import { SimError } from '../sim-error.js';
import type { OperationContext } from './operation-context.js';

/** StartTLS and Who am I? (RFC 4532: "u:DOMAIN\\user", empty when anonymous). */
export async function handleExtended(context: OperationContext, messageId: number, operation: LdapOperation & { type: 'extended' }): Promise<void> {
  const { directory } = context;
  switch (operation.oid) {
    case Oid.startTls:
      if (context.encrypted) throw new SimError(LdapResultCode.operationsError, '00000000: LdapErr: DSID-0C091260, comment: TLS or SSL already in effect, data 0, v4563');
      if (!context.canStartTls) throw new SimError(LdapResultCode.unavailable, '00000000: LdapErr: DSID-0C091257, comment: Error initializing SSL/TLS, data 0, v4563');
      await context.send(messageId, encodeExtendedResponse({ resultCode: LdapResultCode.success }, Oid.startTls));
      await context.startTls();
      return;
    case Oid.whoAmI: {
      const entry = context.identity.entry;
      const sam = entry ? directory.store.values(entry, 'sAMAccountName')[0]?.toString() : undefined;
      const value = sam === undefined ? '' : `u:${directory.domain.netbiosName}\\${sam}`;
      await context.send(messageId, encodeExtendedResponse({ resultCode: LdapResultCode.success }, undefined, Buffer.from(value, 'utf8')));
      return;
    }
    default:
      throw new SimError(LdapResultCode.protocolError, '0000203D: LdapErr: DSID-0C091270, comment: Unknown extended request OID, data 0, v4563');
  }
}
