/**
 * objectGUID: 16 bytes on the wire, shown canonically as 8-4-4-4-12 hex where the first three
 * groups are little-endian (Microsoft's GUID layout), e.g. what PowerShell's ObjectGUID prints.
 */
const CANONICAL = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

function swap(hex: string): string {
  return (hex.match(/../g) ?? []).reverse().join('');
}

/** The canonical lower-case form of a 16-byte objectGUID. */
export function guidFromBytes(bytes: Buffer): string {
  if (bytes.length !== 16) throw new RangeError(`objectGUID must be 16 bytes, got ${bytes.length}`);
  const hex = bytes.toString('hex');
  return `${swap(hex.slice(0, 8))}-${swap(hex.slice(8, 12))}-${swap(hex.slice(12, 16))}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The 16 wire bytes of a canonical GUID string (braces allowed); null when it is not one. */
export function guidToBytes(text: string): Buffer | null {
  const match = CANONICAL.exec(text.trim());
  if (match === null) return null;
  const [, a = '', b = '', c = '', d = '', e = ''] = match;
  return Buffer.from(`${swap(a)}${swap(b)}${swap(c)}${d}${e}`, 'hex');
}
