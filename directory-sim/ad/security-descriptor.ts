/** One ACE as directory-sim keeps it; GUIDs in their string form, SIDs as S-1-... strings. */
export interface Ace {
  allow: boolean;
  mask: number;
  /** AceFlag bits (CI, IO, NP, inherited). */
  flags: number;
  /** Extended right, property or property set this ACE is limited to. */
  objectType?: string;
  /** Only objects of this class inherit the ACE (it still flows through others, inherit-only). */
  inheritedObjectType?: string;
  sid: string;
}

/** The explicit part of an object's security descriptor. */
export interface SecurityDescriptor {
  owner: string;
  group: string;
  /** Explicit ACEs only. */
  dacl: Ace[];
  /** Inheritance blocked (SE_DACL_PROTECTED), as AdminSDHolder sets on adminCount=1 objects. */
  protected: boolean;
}
