import { DsAccess, GenericAccess } from '../../agent/directory/ad/permissions/access-mask.js';

/** The security-descriptor constants are the agent's one table (agent/directory/ad/permissions/access-mask.ts). */
export { AceFlag, AceType, ObjectAceFlag, SdControl, SecurityInformation } from '../../agent/directory/ad/permissions/access-mask.js';

/** Directory service access rights, plus GENERIC_READ as AD maps it (what SDDL's `GR` means). */
export const AccessMask = { ...DsAccess, genericRead: GenericAccess.read.maps } as const;
export type AccessMask = (typeof AccessMask)[keyof typeof AccessMask];
