import type { Entry } from 'ldapts';
import { isSnapshotFresh, type AccountSnapshot, type DirectoryUser } from '../driver.js';

/** What the Active Directory driver's resolveUser read: the user's entry (USER_ATTRIBUTES) and its msDS-ResultantPSO. */
export class AdSnapshot implements AccountSnapshot {
  constructor(
    /** The driver that read it: another driver (other config, other cache) reads for itself. */
    readonly owner: object,
    readonly dn: string,
    readonly readAt: number,
    readonly entry: Entry,
    /** msDS-ResultantPSO: null when the domain policy applies. */
    readonly psoDn: string | null,
  ) {}
}

/** The user's snapshot when `owner` made it and it is still fresh at `nowMs`; else null (read again). */
export function adSnapshotOf(user: DirectoryUser, owner: object, nowMs: number): AdSnapshot | null {
  const snapshot = user.snapshot;
  return snapshot instanceof AdSnapshot && snapshot.owner === owner && isSnapshotFresh(snapshot, user, nowMs) ? snapshot : null;
}
