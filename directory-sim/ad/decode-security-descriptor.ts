import { AceType, SdControl } from './access-mask.js';
import { guidFromBuffer } from './guid.js';
import type { Ace } from './security-descriptor.js';
import { sidToString } from './sid.js';

export interface DecodedSecurityDescriptor {
  revision: number;
  control: number;
  owner: string | undefined;
  group: string | undefined;
  dacl: Ace[] | undefined;
  aclRevision: number | undefined;
}

function readSid(buffer: Buffer, offset: number): string {
  const count = buffer[offset + 1] ?? 0;
  return sidToString(buffer.subarray(offset, offset + 8 + 4 * count));
}

/** Reads a self-relative SECURITY_DESCRIPTOR (the inverse of encodeSecurityDescriptor; SACL ignored). */
export function decodeSecurityDescriptor(buffer: Buffer): DecodedSecurityDescriptor {
  const control = buffer.readUInt16LE(2);
  if ((control & SdControl.selfRelative) === 0) throw new Error('not a self-relative security descriptor');
  const ownerOffset = buffer.readUInt32LE(4);
  const groupOffset = buffer.readUInt32LE(8);
  const daclOffset = buffer.readUInt32LE(16);
  let dacl: Ace[] | undefined;
  let aclRevision: number | undefined;
  if (daclOffset !== 0 && (control & SdControl.daclPresent) !== 0) {
    aclRevision = buffer[daclOffset];
    const count = buffer.readUInt16LE(daclOffset + 4);
    dacl = [];
    let offset = daclOffset + 8;
    for (let i = 0; i < count; i++) {
      const type = buffer[offset]!;
      const flags = buffer[offset + 1]!;
      const size = buffer.readUInt16LE(offset + 2);
      const mask = buffer.readUInt32LE(offset + 4);
      const ace: Ace = { allow: type === AceType.accessAllowed || type === AceType.accessAllowedObject, mask, flags, sid: '' };
      let body = offset + 8;
      if (type === AceType.accessAllowedObject || type === AceType.accessDeniedObject) {
        const objectFlags = buffer.readUInt32LE(body);
        body += 4;
        if (objectFlags & 1) {
          ace.objectType = guidFromBuffer(buffer.subarray(body, body + 16));
          body += 16;
        }
        if (objectFlags & 2) {
          ace.inheritedObjectType = guidFromBuffer(buffer.subarray(body, body + 16));
          body += 16;
        }
      }
      ace.sid = readSid(buffer, body);
      dacl.push(ace);
      offset += size;
    }
  }
  return {
    revision: buffer[0]!,
    control,
    owner: ownerOffset === 0 ? undefined : readSid(buffer, ownerOffset),
    group: groupOffset === 0 ? undefined : readSid(buffer, groupOffset),
    dacl,
    aclRevision,
  };
}
