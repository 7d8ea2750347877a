import { AceFlag, GenericAccess } from '../../../../ldap-constants/ad-access-mask.js';
import { isInherited, isInheritOnly, type Ace } from './security-descriptor.js';

/** What is asked: DsAccess bits, and for an object-specific right the right's or property's GUID. */
export interface AccessRequest {
  mask: number;
  /** Extended right (with controlAccess) or attribute schemaIDGUID (with read/writeProperty). */
  objectType?: string;
  /** The property set holding objectType (attributeSecurityGUID), when it has one. */
  propertySet?: string;
}

export interface AccessDecision {
  granted: boolean;
  /** The ACE that decided: the deny that refused, or the allow that granted the last missing bit; null when nothing matched. */
  decidedBy: Ace | null;
}

/** Generic rights bits replaced by the DS rights AD maps them to. */
export function mapGenericRights(mask: number): number {
  let mapped = mask;
  for (const generic of Object.values(GenericAccess)) {
    if ((mask & generic.bit) !== 0) mapped = (mapped & ~generic.bit) | generic.maps;
  }
  return mapped >>> 0;
}

/**
 * Canonical order (MS-DTYP 2.4.5): explicit denies, explicit allows, then the inherited ACEs in the
 * order stored (nearest ancestor first, as AD writes them). A DC keeps DACLs in this order; a DACL
 * written out of order by a tool is evaluated here as AD's own editors would normalise it.
 */
export function canonicalOrder(aces: readonly Ace[]): Ace[] {
  const explicit = aces.filter((ace) => !isInherited(ace));
  return [
    ...explicit.filter((ace) => ace.kind === 'deny'),
    ...explicit.filter((ace) => ace.kind === 'allow'),
    ...aces.filter((ace) => isInherited(ace) && (ace.kind === 'allow' || ace.kind === 'deny')),
  ];
}

/** An object ACE applies to the request when it names no object type, the requested one, or its property set. */
function appliesTo(ace: Ace, request: AccessRequest): boolean {
  if (ace.objectType === null) return true;
  return ace.objectType === request.objectType || (request.propertySet !== undefined && ace.objectType === request.propertySet);
}

/**
 * The access check of Windows and Samba over one DACL: walk the ACEs in canonical order, skipping
 * inherit-only ACEs, ACEs for SIDs not in the token, and object ACEs for another object type; a deny
 * of a bit not yet granted refuses; allows accumulate; granted when every requested bit is.
 */
export function checkAccess(dacl: readonly Ace[], token: ReadonlySet<string>, request: AccessRequest): AccessDecision {
  let remaining = request.mask;
  for (const ace of canonicalOrder(dacl)) {
    if (isInheritOnly(ace) || !token.has(ace.sid) || !appliesTo(ace, request)) continue;
    const relevant = mapGenericRights(ace.mask) & remaining;
    if (relevant === 0) continue;
    if (ace.kind === 'deny') return { granted: false, decidedBy: ace };
    remaining &= ~relevant;
    if (remaining === 0) return { granted: true, decidedBy: ace };
  }
  return { granted: false, decidedBy: null };
}

/**
 * The ACEs an object of class `childClass` created under a parent with `parentDacl` inherits and
 * that take effect on it (MS-DTYP 2.5.3.4.2, with AD's rule that every object is a container so
 * container-inherit is what counts): container-inherit ACEs whose inherited object type is absent
 * or is the child's class. The child's own default ACEs (its class's defaultSecurityDescriptor)
 * are not known here; they rarely hold delegations.
 */
export function effectiveInheritedAces(parentDacl: readonly Ace[], childClass: string): Ace[] {
  const out: Ace[] = [];
  for (const ace of parentDacl) {
    if ((ace.flags & AceFlag.containerInherit) === 0) continue;
    if (ace.inheritedObjectType !== null && ace.inheritedObjectType !== childClass) continue;
    out.push({ ...ace, flags: AceFlag.inherited, inheritedObjectType: null });
  }
  return out;
}
