import { BerTag, encodeBoolean, encodeEnumerated, encodeInteger, encodeOctets, encodeSequence } from '../ber/ber-encode.js';
import type { LdapControl } from './control.js';
import { ContextTag, ProtocolOp } from './protocol-op.js';

/** The fields of LDAPResult (RFC 4511 section 4.1.9). */
export interface LdapResult {
  resultCode: number;
  matchedDn?: string;
  diagnostic?: string;
  referrals?: readonly string[];
}

export function encodeControls(controls: readonly LdapControl[]): Buffer {
  return encodeSequence(
    ContextTag.controls,
    controls.map((control) =>
      encodeSequence(BerTag.sequence, [encodeOctets(control.oid), ...(control.critical ? [encodeBoolean(true)] : []), ...(control.value ? [encodeOctets(control.value)] : [])]),
    ),
  );
}

/** LDAPMessage envelope around an encoded protocolOp. */
export function encodeMessage(messageId: number, protocolOp: Buffer, controls: readonly LdapControl[] = []): Buffer {
  return encodeSequence(BerTag.sequence, [encodeInteger(messageId), protocolOp, ...(controls.length > 0 ? [encodeControls(controls)] : [])]);
}

function resultComponents(result: LdapResult): Buffer[] {
  const parts = [encodeEnumerated(result.resultCode), encodeOctets(result.matchedDn ?? ''), encodeOctets(result.diagnostic ?? '')];
  if (result.referrals && result.referrals.length > 0) {
    parts.push(
      encodeSequence(
        ContextTag.referral,
        result.referrals.map((uri) => encodeOctets(uri)),
      ),
    );
  }
  return parts;
}

/** A response that is nothing but an LDAPResult (bind, search done, modify, add, delete...). */
export function encodeResult(tag: number, result: LdapResult): Buffer {
  return encodeSequence(tag, resultComponents(result));
}

export function encodeExtendedResponse(result: LdapResult, name?: string, value?: Buffer): Buffer {
  const parts = resultComponents(result);
  if (name !== undefined) parts.push(encodeOctets(name, ContextTag.extendedResponseName));
  if (value !== undefined) parts.push(encodeOctets(value, ContextTag.extendedResponseValue));
  return encodeSequence(ProtocolOp.extendedResponse, parts);
}

export interface EncodedAttribute {
  name: string;
  values: readonly (string | Buffer)[];
}

export function encodeSearchEntry(dn: string, attributes: readonly EncodedAttribute[]): Buffer {
  return encodeSequence(ProtocolOp.searchResultEntry, [
    encodeOctets(dn),
    encodeSequence(
      BerTag.sequence,
      attributes.map((attribute) =>
        encodeSequence(BerTag.sequence, [
          encodeOctets(attribute.name),
          encodeSequence(
            BerTag.set,
            attribute.values.map((value) => encodeOctets(value)),
          ),
        ]),
      ),
    ),
  ]);
}
