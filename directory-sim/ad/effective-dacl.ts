import { AceFlag } from '../../ldap-constants/ad-access-mask.js';
import type { Ace } from './security-descriptor.js';

/** What inheritance needs to know of each object on the path from the root to the target. */
export interface DaclSource {
  explicit: readonly Ace[];
  protected: boolean;
  /** schemaIDGUIDs of the object's classes (for inherited object type). */
  classGuids: ReadonlySet<string>;
}

/** Canonical order of explicit ACEs: denies first, then allows, order kept within each group. */
export function canonicalExplicit(aces: readonly Ace[]): Ace[] {
  return [...aces.filter((ace) => !ace.allow), ...aces.filter((ace) => ace.allow)];
}

/**
 * The object's full DACL the way AD materializes it: its explicit ACEs in canonical order, then
 * the ACEs inherited from the parent (flag INHERITED), nearest ancestor first. Inheritable ACEs of
 * the parent arrive here; those whose inherited object type does not match this object's class
 * come in inherit-only, so they keep flowing to children without applying here.
 */
export function effectiveDacl(parentDacl: readonly Ace[] | null, object: DaclSource): Ace[] {
  const own = canonicalExplicit(object.explicit);
  if (object.protected || parentDacl === null) return own;
  const inherited: Ace[] = [];
  for (const ace of parentDacl) {
    if ((ace.flags & (AceFlag.containerInherit | AceFlag.objectInherit)) === 0) continue;
    const matchesClass = ace.inheritedObjectType === undefined || object.classGuids.has(ace.inheritedObjectType);
    const propagates = (ace.flags & AceFlag.noPropagateInherit) === 0;
    if (!matchesClass && !propagates) continue;
    let flags = AceFlag.inherited;
    if (propagates) flags |= ace.flags & (AceFlag.containerInherit | AceFlag.objectInherit);
    if (!matchesClass) flags |= AceFlag.inheritOnly;
    inherited.push({ ...ace, flags });
  }
  return [...own, ...inherited];
}
