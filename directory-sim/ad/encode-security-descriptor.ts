import { AceFlag, AceType, ObjectAceFlag, SdControl, SecurityInformation } from '../../ldap-constants/ad-access-mask.js';
import { guidToBuffer } from './guid.js';
import type { Ace } from './security-descriptor.js';
import { sidToBuffer } from './sid.js';

const AclRevision = { plain: 2, ds: 4 } as const;

function encodeAce(ace: Ace): Buffer {
  const sid = sidToBuffer(ace.sid);
  const isObject = ace.objectType !== undefined || ace.inheritedObjectType !== undefined;
  const parts: Buffer[] = [];
  const mask = Buffer.alloc(4);
  mask.writeUInt32LE(ace.mask >>> 0, 0);
  parts.push(mask);
  let type: number = ace.allow ? AceType.accessAllowed : AceType.accessDenied;
  if (isObject) {
    type = ace.allow ? AceType.accessAllowedObject : AceType.accessDeniedObject;
    const flags = Buffer.alloc(4);
    flags.writeUInt32LE((ace.objectType ? ObjectAceFlag.objectTypePresent : 0) | (ace.inheritedObjectType ? ObjectAceFlag.inheritedObjectTypePresent : 0), 0);
    parts.push(flags);
    if (ace.objectType) parts.push(guidToBuffer(ace.objectType));
    if (ace.inheritedObjectType) parts.push(guidToBuffer(ace.inheritedObjectType));
  }
  parts.push(sid);
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(4);
  header[0] = type;
  header[1] = ace.flags & (AceFlag.objectInherit | AceFlag.containerInherit | AceFlag.noPropagateInherit | AceFlag.inheritOnly | AceFlag.inherited);
  header.writeUInt16LE(4 + body.length, 2);
  return Buffer.concat([header, body]);
}

function encodeAcl(aces: readonly Ace[]): Buffer {
  const encoded = aces.map(encodeAce);
  const hasObjectAces = aces.some((ace) => ace.objectType !== undefined || ace.inheritedObjectType !== undefined);
  const header = Buffer.alloc(8);
  header[0] = hasObjectAces ? AclRevision.ds : AclRevision.plain;
  const size = 8 + encoded.reduce((sum, ace) => sum + ace.length, 0);
  header.writeUInt16LE(size, 2);
  header.writeUInt16LE(aces.length, 4);
  return Buffer.concat([header, ...encoded]);
}

export interface DescriptorParts {
  owner: string;
  group: string;
  /** The full DACL (explicit then inherited). */
  dacl: readonly Ace[];
  protected: boolean;
}

/**
 * A self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6) holding the parts `flags` asks for
 * (SD flags control value). Layout: header, DACL, owner, group; absent parts have offset 0.
 */
export function encodeSecurityDescriptor(parts: DescriptorParts, flags: number): Buffer {
  let control: number = SdControl.selfRelative;
  const chunks: Buffer[] = [];
  let offset = 20;
  const header = Buffer.alloc(20);
  header[0] = 1;
  if (flags & SecurityInformation.dacl) {
    control |= SdControl.daclPresent | SdControl.daclAutoInherited;
    if (parts.protected) control |= SdControl.daclProtected;
    const acl = encodeAcl(parts.dacl);
    header.writeUInt32LE(offset, 16);
    chunks.push(acl);
    offset += acl.length;
  }
  if (flags & SecurityInformation.owner) {
    const sid = sidToBuffer(parts.owner);
    header.writeUInt32LE(offset, 4);
    chunks.push(sid);
    offset += sid.length;
  }
  if (flags & SecurityInformation.group) {
    const sid = sidToBuffer(parts.group);
    header.writeUInt32LE(offset, 8);
    chunks.push(sid);
    offset += sid.length;
  }
  header.writeUInt16LE(control, 2);
  return Buffer.concat([header, ...chunks]);
}
