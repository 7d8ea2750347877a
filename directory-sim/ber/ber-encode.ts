/** BER encoding of the few universal types LDAP uses; every function returns a complete TLV. */

export const BerTag = {
  boolean: 0x01,
  integer: 0x02,
  octetString: 0x04,
  enumerated: 0x0a,
  sequence: 0x30,
  set: 0x31,
} as const;

export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function encodeTlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export function encodeSequence(tag: number, children: readonly Buffer[]): Buffer {
  return encodeTlv(tag, Buffer.concat(children));
}

/** Minimal two's-complement encoding, as DER requires. */
export function encodeInteger(value: number, tag: number = BerTag.integer): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest !== 0 && rest !== -1);
  if (value >= 0 && (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  if (value < 0 && (bytes[0]! & 0x80) === 0) bytes.unshift(0xff);
  return encodeTlv(tag, Buffer.from(bytes));
}

export function encodeEnumerated(value: number): Buffer {
  return encodeInteger(value, BerTag.enumerated);
}

export function encodeBoolean(value: boolean, tag: number = BerTag.boolean): Buffer {
  return encodeTlv(tag, Buffer.from([value ? 0xff : 0x00]));
}

export function encodeOctets(value: string | Buffer, tag: number = BerTag.octetString): Buffer {
  return encodeTlv(tag, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
}
