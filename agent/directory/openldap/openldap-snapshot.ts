import { isSnapshotFresh, type AccountSnapshot, type DirectoryUser } from '../driver.js';
import type { AccountFacts } from './account-facts.js';
import type { PpolicyEntry } from './ppolicy-entry.js';

/**
 * What the OpenLDAP driver's resolveUser read: the account's ppolicy facts and its policy. A write
 * uses it once (`spent`): after a write the entry is no longer what was read, so a later write on
 * the same user reads it again.
 */
export class OpenLdapSnapshot implements AccountSnapshot {
  spent = false;

  constructor(
    /** The driver that read it: another driver (other config, other cache) reads for itself. */
    readonly owner: object,
    readonly dn: string,
    readonly readAt: number,
    readonly policy: PpolicyEntry,
    readonly facts: AccountFacts,
  ) {}
}

/** The user's snapshot when `owner` made it and it is fresh and unspent at `nowMs`; else null (read again). */
export function openLdapSnapshotOf(user: DirectoryUser, owner: object, nowMs: number): OpenLdapSnapshot | null {
  const snapshot = user.snapshot;
  return snapshot instanceof OpenLdapSnapshot && snapshot.owner === owner && !snapshot.spent && isSnapshotFresh(snapshot, user, nowMs) ? snapshot : null;
}
