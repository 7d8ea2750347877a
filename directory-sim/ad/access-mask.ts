import { DsAccess, GenericAccess } from '../../ldap-constants/ad-access-mask.js';

/** Directory service access rights, plus GENERIC_READ as AD maps it (what SDDL's `GR` means). */
export const AccessMask = { ...DsAccess, genericRead: GenericAccess.read.maps } as const;
export type AccessMask = (typeof AccessMask)[keyof typeof AccessMask];
