import { authenticate } from '../ad/authenticate.js';
import { SimMode } from '../ad/sim-mode.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapOperation } from '../protocol/ldap-request.js';
import { encodeResult } from '../protocol/encode-response.js';
import { ProtocolOp } from '../protocol/protocol-op.js';
import { SimError } from '../sim-error.js';
import type { OperationContext } from './operation-context.js';

/**
 * Simple bind. Empty name or empty password: anonymous (an unauthenticated bind, as AD allows).
 * Windows allows simple binds without TLS; Samba refuses them (strongerAuthRequired).
 */
export async function handleBind(context: OperationContext, messageId: number, operation: LdapOperation & { type: 'bind' }): Promise<void> {
  const { directory } = context;
  context.setIdentity({ entry: undefined });
  if (operation.version !== 3) throw new SimError(LdapResultCode.protocolError, '00000057: LdapErr: DSID-0C090B3E, comment: Error decoding ldap message, data 0, v4563');
  if (operation.simple === undefined) throw new SimError(LdapResultCode.authMethodNotSupported, `00000000: SASL mechanism ${operation.saslMechanism ?? ''} is not supported by directory-sim`);
  const password = operation.simple.toString('utf8');
  let resultCode: number = LdapResultCode.success;
  try {
    if (operation.name !== '' && password !== '') {
      if (directory.mode === SimMode.samba && !context.encrypted) throw directory.texts.transportEncryptionRequired();
      context.setIdentity({ entry: authenticate(directory, operation.name, password) });
    }
  } catch (error) {
    if (error instanceof SimError) resultCode = error.resultCode;
    throw error;
  } finally {
    directory.opLog.append({
      time: new Date(directory.clock()),
      connectionId: context.connectionId,
      boundDn: context.identity.entry?.dn ?? '',
      operation: 'bind',
      dn: operation.name,
      resultCode,
    });
  }
  await context.send(messageId, encodeResult(ProtocolOp.bindResponse, { resultCode: LdapResultCode.success }));
}
