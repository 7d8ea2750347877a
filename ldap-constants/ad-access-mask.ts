/** Constants of Windows security descriptors (MS-DTYP 2.4) as Active Directory uses them. */

/** Directory service access rights of an ACE's mask (MS-ADTS 5.1.3.2). */
export const DsAccess = {
  createChild: 0x1,
  deleteChild: 0x2,
  listChildren: 0x4,
  self: 0x8,
  readProperty: 0x10,
  writeProperty: 0x20,
  deleteTree: 0x40,
  listObject: 0x80,
  controlAccess: 0x100,
  delete: 0x10000,
  readControl: 0x20000,
  writeDac: 0x40000,
  writeOwner: 0x80000,
  /** GENERIC_ALL as it arrives in a DS ACE already mapped (full control). */
  fullControl: 0xf01ff,
} as const;
export type DsAccess = (typeof DsAccess)[keyof typeof DsAccess];

/** Generic rights (bits 28-31) and the DS rights AD maps each to (MS-ADTS 5.1.3.3). */
export const GenericAccess = {
  all: { bit: 0x10000000, maps: DsAccess.fullControl },
  execute: { bit: 0x20000000, maps: DsAccess.listChildren | DsAccess.readControl },
  write: { bit: 0x40000000, maps: DsAccess.self | DsAccess.writeProperty | DsAccess.readControl },
  read: { bit: 0x80000000, maps: DsAccess.listChildren | DsAccess.readProperty | DsAccess.listObject | DsAccess.readControl },
} as const;

/** ACE types (MS-DTYP 2.4.4.1); the agent evaluates the first four, the rest are parsed and ignored. */
export const AceType = {
  accessAllowed: 0x00,
  accessDenied: 0x01,
  systemAudit: 0x02,
  accessAllowedObject: 0x05,
  accessDeniedObject: 0x06,
  systemAuditObject: 0x07,
} as const;
export type AceType = (typeof AceType)[keyof typeof AceType];

/** ACE header flags (MS-DTYP 2.4.4.1). */
export const AceFlag = {
  objectInherit: 0x01,
  containerInherit: 0x02,
  noPropagateInherit: 0x04,
  inheritOnly: 0x08,
  inherited: 0x10,
  successfulAccess: 0x40,
  failedAccess: 0x80,
} as const;

/** Flags of an object ACE saying which GUIDs follow (MS-DTYP 2.4.4.3). */
export const ObjectAceFlag = {
  objectTypePresent: 0x1,
  inheritedObjectTypePresent: 0x2,
} as const;

/** SECURITY_DESCRIPTOR control bits (MS-DTYP 2.4.6). */
export const SdControl = {
  ownerDefaulted: 0x0001,
  groupDefaulted: 0x0002,
  daclPresent: 0x0004,
  daclDefaulted: 0x0008,
  saclPresent: 0x0010,
  saclDefaulted: 0x0020,
  daclAutoInheritReq: 0x0100,
  saclAutoInheritReq: 0x0200,
  daclAutoInherited: 0x0400,
  saclAutoInherited: 0x0800,
  /** Inheritance blocked: what AdminSDHolder sets on adminCount=1 objects, and "disable inheritance" in the UI. */
  daclProtected: 0x1000,
  saclProtected: 0x2000,
  selfRelative: 0x8000,
} as const;

/** Values of the SD flags control (SECURITY_INFORMATION): which parts to read. */
export const SecurityInformation = {
  owner: 0x1,
  group: 0x2,
  dacl: 0x4,
  sacl: 0x8,
} as const;
