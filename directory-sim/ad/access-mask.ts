/** Directory service access rights (MS-ADTS 5.1.3.2) and generic rights as AD maps them. */
export const AccessMask = {
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
  /** GENERIC_ALL as mapped for directory objects (full control). */
  fullControl: 0xf01ff,
  /** GENERIC_READ as mapped: RC | LC | RP | LO. */
  genericRead: 0x20094,
} as const;
export type AccessMask = (typeof AccessMask)[keyof typeof AccessMask];

/** ACE header flags (MS-DTYP 2.4.4.1). */
export const AceFlag = {
  objectInherit: 0x01,
  containerInherit: 0x02,
  noPropagateInherit: 0x04,
  inheritOnly: 0x08,
  inherited: 0x10,
} as const;

/** ACE types written into the binary descriptor. */
export const AceType = {
  accessAllowed: 0x00,
  accessDenied: 0x01,
  accessAllowedObject: 0x05,
  accessDeniedObject: 0x06,
} as const;

/** SECURITY_DESCRIPTOR control bits (MS-DTYP 2.4.6). */
export const SdControl = {
  daclPresent: 0x0004,
  daclAutoInherited: 0x0400,
  daclProtected: 0x1000,
  selfRelative: 0x8000,
} as const;

/** SD flags control value bits (SECURITY_INFORMATION). */
export const SecurityInformation = {
  owner: 0x1,
  group: 0x2,
  dacl: 0x4,
  sacl: 0x8,
} as const;
