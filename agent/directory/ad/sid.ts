/** Binary security identifiers (objectSid, tokenGroups values) in their S-1-... text form. */
export function sidFromBytes(bytes: Buffer): string {
  if (bytes.length < 8) throw new RangeError('a SID has at least 8 bytes');
  const revision = bytes.readUInt8(0);
  const count = bytes.readUInt8(1);
  if (bytes.length < 8 + 4 * count) throw new RangeError('SID shorter than its sub-authority count');
  // 48-bit big-endian identifier authority.
  const authority = bytes.readUIntBE(2, 6);
  const parts = [`S-${revision}-${authority}`];
  for (let i = 0; i < count; i += 1) parts.push(String(bytes.readUInt32LE(8 + 4 * i)));
  return parts.join('-');
}

/** The last sub-authority (the RID) of a domain SID; null for SIDs outside S-1-5-21-... */
export function domainRid(sid: string): number | null {
  const match = /^S-1-5-21-\d+-\d+-\d+-(\d+)$/.exec(sid);
  return match?.[1] === undefined ? null : Number(match[1]);
}
