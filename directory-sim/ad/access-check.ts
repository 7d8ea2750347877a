import { AceFlag } from '../../ldap-constants/ad-access-mask.js';
import type { Ace } from './security-descriptor.js';

/** What is being asked: access bits, and for object-specific rights the right or property GUID. */
export interface AccessRequest {
  mask: number;
  objectType?: string;
  /** The property set containing objectType, when there is one. */
  propertySet?: string;
}

/**
 * The Windows access check over a DACL in canonical order: walk ACEs in order, skip inherit-only
 * ones and those for SIDs not in the token; a deny for a bit not yet granted refuses, an allow
 * grants its bits; granted when every requested bit was granted. Object ACEs apply when their
 * object type is absent or equals the requested right, property or property set.
 */
export function accessGranted(dacl: readonly Ace[], token: ReadonlySet<string>, request: AccessRequest): boolean {
  let remaining = request.mask;
  for (const ace of dacl) {
    if ((ace.flags & AceFlag.inheritOnly) !== 0) continue;
    if (!token.has(ace.sid)) continue;
    if (ace.objectType !== undefined && ace.objectType !== request.objectType && ace.objectType !== request.propertySet) continue;
    const relevant = ace.mask & remaining;
    if (relevant === 0) continue;
    if (!ace.allow) return false;
    remaining &= ~relevant;
    if (remaining === 0) return true;
  }
  return false;
}
