import { Oid } from '../../ldap-constants/oids.js';
import { modifyEntry } from '../ad/modify-entry.js';
import { attributeDefinition } from '../ad/schema.js';
import { SimMode } from '../ad/sim-mode.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapControl } from '../protocol/control.js';
import type { LdapOperation } from '../protocol/ldap-request.js';
import { encodeResult } from '../protocol/encode-response.js';
import { ProtocolOp } from '../protocol/protocol-op.js';
import { SimError } from '../sim-error.js';
import { hasControl, policyHintsEnforce } from './control-values.js';
import type { OperationContext } from './operation-context.js';

/** Modify with AD semantics; every change is written to the op log (never a secret value). */
export async function handleModify(context: OperationContext, messageId: number, operation: LdapOperation & { type: 'modify' }, controls: readonly LdapControl[]): Promise<void> {
  const { directory } = context;
  let resultCode: number = LdapResultCode.success;
  let dn = operation.dn;
  try {
    const entry = modifyEntry(directory, context.identity, operation.dn, operation.changes, {
      encrypted: context.encrypted,
      // Samba 4.17 does not know the policy hints control: history is never checked on reset there.
      enforceHistoryOnReset: directory.mode === SimMode.windows && policyHintsEnforce(controls),
      permissive: hasControl(controls, Oid.permissiveModify),
    });
    dn = entry.dn;
  } catch (error) {
    resultCode = error instanceof SimError ? error.resultCode : LdapResultCode.other;
    throw error;
  } finally {
    for (const change of operation.changes) {
      const secret = attributeDefinition(change.attribute).kind === 'secret';
      directory.opLog.append({
        time: new Date(directory.clock()),
        connectionId: context.connectionId,
        boundDn: context.identity.entry?.dn ?? '',
        operation: 'modify',
        dn,
        attribute: attributeDefinition(change.attribute).name,
        change: change.operation,
        ...(secret ? {} : { values: change.values.map((value) => value.toString('utf8')) }),
        resultCode,
      });
    }
    context.logger.debug(`conn ${context.connectionId} modify ${dn} [${operation.changes.map((change) => `${change.operation}:${change.attribute}`).join(', ')}] -> ${resultCode}`);
  }
  await context.send(messageId, encodeResult(ProtocolOp.modifyResponse, { resultCode: LdapResultCode.success }));
}
