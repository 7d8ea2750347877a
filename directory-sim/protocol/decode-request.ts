import { BerReader } from '../ber/ber-reader.js';
import { decodeFilter } from '../filter/decode-filter.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import { SimError } from '../sim-error.js';
import type { LdapControl } from './control.js';
import type { LdapOperation, LdapRequest, ModifyOperation, SearchScope } from './ldap-request.js';
import { ContextTag, ProtocolOp } from './protocol-op.js';

const scopes: readonly SearchScope[] = ['base', 'one', 'sub'];
const modifyOperations: readonly ModifyOperation[] = ['add', 'delete', 'replace'];

/** Decodes one complete LDAPMessage. Throws SimError(protocolError) on anything malformed. */
export function decodeRequest(message: Buffer): LdapRequest {
  const envelope = new BerReader(message).readSequence();
  const messageId = envelope.readInteger();
  const { tag, value } = envelope.readTlv();
  const controls: LdapControl[] = [];
  if (envelope.hasMore && envelope.peekTag() === ContextTag.controls) {
    const list = envelope.readSequence(ContextTag.controls);
    while (list.hasMore) controls.push(decodeControl(list.readSequence()));
  }
  return { messageId, tag, operation: decodeOperationSafely(tag, value), controls };
}

function decodeOperationSafely(tag: number, body: Buffer): LdapOperation {
  try {
    return decodeOperation(tag, body);
  } catch (error) {
    if (error instanceof SimError) return { type: 'malformed', tag, diagnostic: error.diagnostic };
    throw error;
  }
}

function decodeControl(reader: BerReader): LdapControl {
  const oid = reader.readString();
  let critical = false;
  let value: Buffer | undefined;
  if (reader.hasMore && reader.peekTag() === 0x01) critical = reader.readBoolean();
  if (reader.hasMore) value = reader.readOctets();
  return { oid, critical, value };
}

function decodeOperation(tag: number, body: Buffer): LdapOperation {
  const reader = new BerReader(body);
  switch (tag) {
    case ProtocolOp.bindRequest: {
      const version = reader.readInteger();
      const name = reader.readString();
      const auth = reader.readTlv();
      if (auth.tag === ContextTag.simpleAuth) return { type: 'bind', version, name, simple: auth.value, saslMechanism: undefined };
      if (auth.tag === ContextTag.saslAuth) {
        const mechanism = new BerReader(auth.value).readString();
        return { type: 'bind', version, name, simple: undefined, saslMechanism: mechanism };
      }
      throw new SimError(LdapResultCode.protocolError, 'unknown authentication choice');
    }
    case ProtocolOp.unbindRequest:
      return { type: 'unbind' };
    case ProtocolOp.searchRequest: {
      const baseDn = reader.readString();
      const scope = scopes[reader.readEnumerated()];
      if (scope === undefined) throw new SimError(LdapResultCode.protocolError, 'bad search scope');
      reader.readEnumerated(); // derefAliases: AD has no aliases
      const sizeLimit = reader.readInteger();
      const timeLimit = reader.readInteger();
      const typesOnly = reader.readBoolean();
      const filter = decodeFilter(reader);
      const attributes: string[] = [];
      const list = reader.readSequence();
      while (list.hasMore) attributes.push(list.readString());
      return { type: 'search', baseDn, scope, sizeLimit, timeLimit, typesOnly, filter, attributes };
    }
    case ProtocolOp.modifyRequest: {
      const dn = reader.readString();
      const list = reader.readSequence();
      const changes = [];
      while (list.hasMore) {
        const change = list.readSequence();
        const operation = modifyOperations[change.readEnumerated()];
        if (operation === undefined) throw new SimError(LdapResultCode.protocolError, 'bad modify operation');
        const { attribute, values } = decodePartialAttribute(change.readSequence());
        changes.push({ operation, attribute, values });
      }
      return { type: 'modify', dn, changes };
    }
    case ProtocolOp.addRequest: {
      const dn = reader.readString();
      const list = reader.readSequence();
      const attributes = [];
      while (list.hasMore) attributes.push(decodePartialAttribute(list.readSequence()));
      return { type: 'add', dn, attributes };
    }
    case ProtocolOp.delRequest:
      return { type: 'delete', dn: body.toString('utf8') };
    case ProtocolOp.compareRequest: {
      const dn = reader.readString();
      const assertion = reader.readSequence();
      return { type: 'compare', dn, attribute: assertion.readString(), value: assertion.readOctets() };
    }
    case ProtocolOp.abandonRequest:
      return { type: 'abandon', messageId: body.length === 0 ? 0 : body.readIntBE(0, Math.min(body.length, 6)) };
    case ProtocolOp.extendedRequest: {
      const oid = reader.readString(ContextTag.extendedRequestName);
      const value = reader.hasMore ? reader.readOctets(ContextTag.extendedRequestValue) : undefined;
      return { type: 'extended', oid, value };
    }
    default:
      return { type: 'unsupported', tag };
  }
}

function decodePartialAttribute(reader: BerReader): { attribute: string; values: Buffer[] } {
  const attribute = reader.readString();
  const set = reader.readSequence(0x31);
  const values: Buffer[] = [];
  while (set.hasMore) values.push(set.readOctets());
  return { attribute, values };
}
