import { AccessMask } from '../ad/access-mask.js';
import { bestMatch } from '../ad/modify-entry.js';
import { decodeUnicodePwd } from '../ad/unicode-pwd.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapOperation } from '../protocol/ldap-request.js';
import { encodeResult } from '../protocol/encode-response.js';
import { ProtocolOp } from '../protocol/protocol-op.js';
import { createObject } from '../seed/create-object.js';
import type { SeedObject } from '../seed/seed-types.js';
import { SimError } from '../sim-error.js';
import { normalizeDn, parentKey } from '../store/dn.js';
import type { OperationContext } from './operation-context.js';

/** Add: Create Child on the parent; a unicodePwd value sets the initial password (TLS only). */
export async function handleAdd(context: OperationContext, messageId: number, operation: LdapOperation & { type: 'add' }): Promise<void> {
  const { directory } = context;
  const { identity } = context;
  if (!identity.entry) throw directory.texts.notBound();
  const parent = directory.store.getByKey(parentKey(normalizeDn(operation.dn)) ?? '');
  if (!parent) throw directory.texts.noSuchObject(operation.dn, bestMatch(directory, operation.dn));
  if (!directory.check(identity, parent, { mask: AccessMask.createChild })) throw directory.texts.insufficientRightsForAttribute(parent.dn);
  const seed: SeedObject = { dn: operation.dn, attributes: {} };
  for (const { attribute, values } of operation.attributes) {
    if (attribute.toLowerCase() === 'unicodepwd') {
      if (!context.encrypted) throw directory.texts.unicodePwdNeedsEncryption();
      const password = values[0] && decodeUnicodePwd(values[0]);
      if (password === undefined) throw directory.texts.unwilling();
      seed.password = password;
    } else {
      seed.attributes[attribute] = values.map((value) => ({ base64: value.toString('base64') }));
    }
  }
  createObject(directory, seed);
  directory.opLog.append({ time: new Date(directory.clock()), connectionId: context.connectionId, boundDn: identity.entry.dn, operation: 'add', dn: operation.dn, resultCode: 0 });
  await context.send(messageId, encodeResult(ProtocolOp.addResponse, { resultCode: LdapResultCode.success }));
}

/** Delete of a leaf: Delete on the object or Delete Child on the parent. */
export async function handleDelete(context: OperationContext, messageId: number, operation: LdapOperation & { type: 'delete' }): Promise<void> {
  const { directory, identity } = context;
  if (!identity.entry) throw directory.texts.notBound();
  const entry = directory.store.get(operation.dn);
  if (!entry) throw directory.texts.noSuchObject(operation.dn, bestMatch(directory, operation.dn));
  const parent = entry.parentKey === null ? undefined : directory.store.getByKey(entry.parentKey);
  const allowed = directory.check(identity, entry, { mask: AccessMask.delete }) || (parent !== undefined && directory.check(identity, parent, { mask: AccessMask.deleteChild }));
  if (!allowed) throw directory.texts.insufficientRightsForAttribute(entry.dn);
  if (directory.store.children(entry.key).length > 0) throw new SimError(LdapResultCode.notAllowedOnNonLeaf, '00002015: SvcErr: DSID-031A1236, problem 6003 (CANT_ON_NON_LEAF), data 0\n');
  directory.store.remove(entry);
  directory.opLog.append({ time: new Date(directory.clock()), connectionId: context.connectionId, boundDn: identity.entry.dn, operation: 'delete', dn: entry.dn, resultCode: 0 });
  await context.send(messageId, encodeResult(ProtocolOp.delResponse, { resultCode: LdapResultCode.success }));
}
