import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import { SimError } from '../sim-error.js';

/** One decoded tag-length-value. */
export interface Tlv {
  tag: number;
  value: Buffer;
}

function malformed(what: string): SimError {
  return new SimError(LdapResultCode.protocolError, `BER decoding error: ${what}`);
}

/**
 * The length of the first complete TLV in `buffer`, or -1 when more bytes are needed.
 * Used for framing a TCP stream; throws on lengths no LDAP message can have.
 */
export function completeTlvLength(buffer: Buffer, maxLength: number): number {
  if (buffer.length < 2) return -1;
  const first = buffer[1]!;
  if (first < 0x80) return buffer.length >= 2 + first ? 2 + first : -1;
  const count = first & 0x7f;
  if (count === 0 || count > 4) throw malformed('unsupported length form');
  if (buffer.length < 2 + count) return -1;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + buffer[2 + i]!;
  if (length > maxLength) throw malformed(`message of ${length} bytes is over the limit`);
  const total = 2 + count + length;
  return buffer.length >= total ? total : -1;
}

/** A cursor over DER/BER bytes with definite lengths (all LDAP uses). */
export class BerReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get hasMore(): boolean {
    return this.offset < this.buffer.length;
  }

  peekTag(): number | undefined {
    return this.buffer[this.offset];
  }

  readTlv(): Tlv {
    const tag = this.buffer[this.offset];
    if (tag === undefined) throw malformed('unexpected end of data');
    let pos = this.offset + 1;
    const first = this.buffer[pos++];
    if (first === undefined) throw malformed('missing length');
    let length = first;
    if (first >= 0x80) {
      const count = first & 0x7f;
      if (count === 0 || count > 4) throw malformed('unsupported length form');
      length = 0;
      for (let i = 0; i < count; i++) {
        const byte = this.buffer[pos++];
        if (byte === undefined) throw malformed('truncated length');
        length = length * 256 + byte;
      }
    }
    if (pos + length > this.buffer.length) throw malformed('value runs past its container');
    this.offset = pos + length;
    return { tag, value: this.buffer.subarray(pos, pos + length) };
  }

  /** Reads a TLV and checks its tag. */
  read(expectedTag: number): Buffer {
    const tlv = this.readTlv();
    if (tlv.tag !== expectedTag) {
      throw malformed(`expected tag 0x${expectedTag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
    }
    return tlv.value;
  }

  readSequence(tag = 0x30): BerReader {
    return new BerReader(this.read(tag));
  }

  readInteger(tag = 0x02): number {
    return decodeInteger(this.read(tag));
  }

  readEnumerated(): number {
    return this.readInteger(0x0a);
  }

  readBoolean(tag = 0x01): boolean {
    const value = this.read(tag);
    if (value.length !== 1) throw malformed('boolean of wrong length');
    return value[0] !== 0;
  }

  readOctets(tag = 0x04): Buffer {
    return this.read(tag);
  }

  readString(tag = 0x04): string {
    return this.read(tag).toString('utf8');
  }
}

/** Two's-complement big-endian integer, at most 6 bytes (safe in a JS number). */
export function decodeInteger(value: Buffer): number {
  if (value.length === 0 || value.length > 6) throw malformed('integer of unsupported length');
  return value.readIntBE(0, value.length);
}
