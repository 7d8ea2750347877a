import { guidFromBytes } from '../object-guid.js';
import { sidFromBytes } from '../sid.js';
import { AceFlag, AceType, ObjectAceFlag, SdControl } from '../../../../ldap-constants/ad-access-mask.js';

/** What an ACE does, from its type: the access check uses allow and deny; audit and others are kept but ignored. */
export type AceKind = 'allow' | 'deny' | 'audit' | 'other';

/** One ACE; GUIDs in canonical lower-case text, SIDs as S-1-... text. */
export interface Ace {
  type: number;
  kind: AceKind;
  /** AceFlag bits. */
  flags: number;
  /** DsAccess bits (generic bits as stored). */
  mask: number;
  /** Object ACEs: the extended right, property or property set the ACE is limited to; null = all. */
  objectType: string | null;
  /** Object ACEs: only objects of this class inherit the ACE; null = every class. */
  inheritedObjectType: string | null;
  sid: string;
}

export interface Acl {
  revision: number;
  aces: Ace[];
}

/** A self-relative SECURITY_DESCRIPTOR; absent parts are null (the SD flags control chose not to send them). */
export interface SecurityDescriptor {
  revision: number;
  /** SdControl bits. */
  control: number;
  owner: string | null;
  group: string | null;
  sacl: Acl | null;
  dacl: Acl | null;
}

const KIND_BY_TYPE: ReadonlyMap<number, AceKind> = new Map<number, AceKind>([
  [AceType.accessAllowed, 'allow'],
  [AceType.accessAllowedObject, 'allow'],
  [AceType.accessDenied, 'deny'],
  [AceType.accessDeniedObject, 'deny'],
  [AceType.systemAudit, 'audit'],
  [AceType.systemAuditObject, 'audit'],
]);
const OBJECT_TYPES: ReadonlySet<number> = new Set([AceType.accessAllowedObject, AceType.accessDeniedObject, AceType.systemAuditObject]);

const HEADER_LENGTH = 20;
const ACL_HEADER_LENGTH = 8;
const ACE_HEADER_LENGTH = 4;
const GUID_LENGTH = 16;

function need(buffer: Buffer, offset: number, length: number, what: string): void {
  if (offset < 0 || offset + length > buffer.length) throw new RangeError(`security descriptor truncated: ${what} at ${offset} needs ${length} bytes of ${buffer.length}`);
}

function readSid(buffer: Buffer, offset: number, end: number, what: string): { sid: string; length: number } {
  need(buffer, offset, 8, what);
  const length = 8 + 4 * buffer.readUInt8(offset + 1);
  if (offset + length > end) throw new RangeError(`security descriptor truncated: ${what} at ${offset} overruns its container`);
  return { sid: sidFromBytes(buffer.subarray(offset, offset + length)), length };
}

function readGuid(buffer: Buffer, offset: number, end: number, what: string): string {
  if (offset + GUID_LENGTH > end) throw new RangeError(`security descriptor truncated: ${what} at ${offset}`);
  return guidFromBytes(buffer.subarray(offset, offset + GUID_LENGTH));
}

function readAce(buffer: Buffer, offset: number, aclEnd: number): { ace: Ace; size: number } {
  need(buffer, offset, ACE_HEADER_LENGTH + 4, 'ACE header');
  const type = buffer.readUInt8(offset);
  const flags = buffer.readUInt8(offset + 1);
  const size = buffer.readUInt16LE(offset + 2);
  const end = offset + size;
  if (size < ACE_HEADER_LENGTH + 4 || end > aclEnd) throw new RangeError(`security descriptor: ACE at ${offset} has an impossible size ${size}`);
  const kind = KIND_BY_TYPE.get(type) ?? 'other';
  const mask = buffer.readUInt32LE(offset + 4);
  let body = offset + 8;
  let objectType: string | null = null;
  let inheritedObjectType: string | null = null;
  if (OBJECT_TYPES.has(type)) {
    if (body + 4 > end) throw new RangeError(`security descriptor: object ACE at ${offset} has no object flags`);
    const objectFlags = buffer.readUInt32LE(body);
    body += 4;
    if ((objectFlags & ObjectAceFlag.objectTypePresent) !== 0) {
      objectType = readGuid(buffer, body, end, 'object type');
      body += GUID_LENGTH;
    }
    if ((objectFlags & ObjectAceFlag.inheritedObjectTypePresent) !== 0) {
      inheritedObjectType = readGuid(buffer, body, end, 'inherited object type');
      body += GUID_LENGTH;
    }
  }
  // Types the agent does not know (callback ACEs...) may not end in a SID it can read: keep them as 'other'.
  const sid = kind === 'other' && body + 8 > end ? '' : readSid(buffer, body, end, 'ACE trustee').sid;
  return { ace: { type, kind, flags, mask, objectType, inheritedObjectType, sid }, size };
}

function readAcl(buffer: Buffer, offset: number): Acl {
  need(buffer, offset, ACL_HEADER_LENGTH, 'ACL header');
  const revision = buffer.readUInt8(offset);
  const size = buffer.readUInt16LE(offset + 2);
  const count = buffer.readUInt16LE(offset + 4);
  need(buffer, offset, size, 'ACL');
  const end = offset + size;
  const aces: Ace[] = [];
  let at = offset + ACL_HEADER_LENGTH;
  for (let i = 0; i < count; i += 1) {
    const { ace, size: aceSize } = readAce(buffer, at, end);
    aces.push(ace);
    at += aceSize;
  }
  return { revision, aces };
}

/**
 * Parses a self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6), as nTSecurityDescriptor comes back
 * under the SD flags control: header, then owner, group, SACL and DACL at the offsets the header
 * gives (0 = absent). Throws RangeError for anything malformed; never reads past the buffer.
 */
export function parseSecurityDescriptor(buffer: Buffer): SecurityDescriptor {
  need(buffer, 0, HEADER_LENGTH, 'header');
  const revision = buffer.readUInt8(0);
  if (revision !== 1) throw new RangeError(`security descriptor revision ${revision} is not 1`);
  const control = buffer.readUInt16LE(2);
  if ((control & SdControl.selfRelative) === 0) throw new RangeError('not a self-relative security descriptor');
  const ownerOffset = buffer.readUInt32LE(4);
  const groupOffset = buffer.readUInt32LE(8);
  const saclOffset = buffer.readUInt32LE(12);
  const daclOffset = buffer.readUInt32LE(16);
  return {
    revision,
    control,
    owner: ownerOffset === 0 ? null : readSid(buffer, ownerOffset, buffer.length, 'owner').sid,
    group: groupOffset === 0 ? null : readSid(buffer, groupOffset, buffer.length, 'group').sid,
    sacl: saclOffset === 0 || (control & SdControl.saclPresent) === 0 ? null : readAcl(buffer, saclOffset),
    dacl: daclOffset === 0 || (control & SdControl.daclPresent) === 0 ? null : readAcl(buffer, daclOffset),
  };
}

export function isInherited(ace: Ace): boolean {
  return (ace.flags & AceFlag.inherited) !== 0;
}

export function isInheritOnly(ace: Ace): boolean {
  return (ace.flags & AceFlag.inheritOnly) !== 0;
}

/** Inheritance blocked on this object (AdminSDHolder, or "disable inheritance"). */
export function isDaclProtected(sd: SecurityDescriptor): boolean {
  return (sd.control & SdControl.daclProtected) !== 0;
}
