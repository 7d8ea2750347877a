import { bestMatch } from '../ad/modify-entry.js';
import { attributeDefinition } from '../ad/schema.js';
import { evaluateFilter } from '../filter/evaluate-filter.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapOperation } from '../protocol/ldap-request.js';
import { encodeResult } from '../protocol/encode-response.js';
import { ProtocolOp } from '../protocol/protocol-op.js';
import type { OperationContext } from './operation-context.js';

/** Compare: compareTrue/compareFalse by the attribute's equality rule; secrets compare false (AD never reveals them). */
export async function handleCompare(context: OperationContext, messageId: number, operation: LdapOperation & { type: 'compare' }): Promise<void> {
  const { directory } = context;
  if (!context.identity.entry) throw directory.texts.notBound();
  const entry = directory.store.get(operation.dn);
  if (!entry) throw directory.texts.noSuchObject(operation.dn, bestMatch(directory, operation.dn));
  const matches = attributeDefinition(operation.attribute).kind !== 'secret' && evaluateFilter({ kind: 'equal', attribute: operation.attribute, value: operation.value }, entry, directory.store);
  await context.send(messageId, encodeResult(ProtocolOp.compareResponse, { resultCode: matches ? LdapResultCode.compareTrue : LdapResultCode.compareFalse }));
}
