/** GUIDs in the byte order Windows stores them: first three fields little-endian, the rest as written. */
export function guidToBuffer(guid: string): Buffer {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${guid}`);
  const raw = Buffer.from(hex, 'hex');
  const out = Buffer.from(raw);
  out.writeUInt32LE(raw.readUInt32BE(0), 0);
  out.writeUInt16LE(raw.readUInt16BE(4), 4);
  out.writeUInt16LE(raw.readUInt16BE(6), 6);
  return out;
}

export function guidFromBuffer(buffer: Buffer): string {
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  const tail = buffer.subarray(8, 16).toString('hex');
  return `${hex(buffer.readUInt32LE(0), 8)}-${hex(buffer.readUInt16LE(4), 4)}-${hex(buffer.readUInt16LE(6), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}
