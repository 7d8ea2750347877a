/** Windows security identifiers: the S-1-... string form and the binary form AD stores. */

/** Binary SID (revision, count, 48-bit authority big-endian, sub-authorities little-endian). */
export function sidToBuffer(sid: string): Buffer {
  const parts = sid.split('-');
  if (parts[0] !== 'S' || parts.length < 3) throw new Error(`not a SID: ${sid}`);
  const revision = Number(parts[1]);
  const authority = Number(parts[2]);
  const subs = parts.slice(3).map(Number);
  const buffer = Buffer.alloc(8 + 4 * subs.length);
  buffer[0] = revision;
  buffer[1] = subs.length;
  buffer.writeUIntBE(authority, 2, 6);
  subs.forEach((sub, index) => buffer.writeUInt32LE(sub, 8 + 4 * index));
  return buffer;
}

export function sidToString(buffer: Buffer): string {
  if (buffer.length < 8) return `invalid:${buffer.toString('hex')}`;
  const count = buffer[1]!;
  const parts = [`S-${buffer[0]}-${buffer.readUIntBE(2, 6)}`];
  for (let i = 0; i < count && 8 + 4 * i + 4 <= buffer.length; i++) parts.push(String(buffer.readUInt32LE(8 + 4 * i)));
  return parts.join('-');
}

/** Well-known SIDs (MS-DTYP 2.4.2.4) and the relative ids of domain groups. */
export const WellKnownSid = {
  everyone: 'S-1-1-0',
  self: 'S-1-5-10',
  authenticatedUsers: 'S-1-5-11',
  system: 'S-1-5-18',
  administrators: 'S-1-5-32-544',
  accountOperators: 'S-1-5-32-548',
} as const;

export const DomainRid = {
  administrator: 500,
  krbtgt: 502,
  domainAdmins: 512,
  domainUsers: 513,
  enterpriseAdmins: 519,
} as const;
