import type { TargetKind } from '../../protocol/codes.js';
import type { DirectoryConfig, DriverDeps } from './directory-config.js';

/**
 * The contract between the command pipeline and a directory. The Active Directory and OpenLDAP
 * drivers implement it; the pipeline never speaks LDAP itself.
 *
 * Errors: every method throws `AgentError` (agent/errors.ts) with the protocol code and a safe
 * message; anything else thrown is a bug and becomes INTERNAL at the dispatch point.
 * Passwords passed in are never logged, never put into an error message or `details`.
 */

export interface Target {
  by: TargetKind;
  value: string;
}

/**
 * What resolveUser read about the account besides the DirectoryUser's facts (Active Directory: the
 * entry and its PSO; OpenLDAP: the ppolicy facts and the policy). It travels on the user to the
 * same command's later calls, which use it instead of reading the entry again: one search fewer per
 * reset. Only the driver instance that made it looks inside (each kind has its own class); it stands for the
 * account for SNAPSHOT_MS after `readAt` and for the DN it was read at, then the driver reads afresh.
 */
export interface AccountSnapshot {
  /** The DN it was read at: a copy of the user under another DN does not use it. */
  readonly dn: string;
  /** The driver's clock at the read, in ms. */
  readonly readAt: number;
}

/** How long a snapshot stands in for a fresh read: a command takes milliseconds. */
export const SNAPSHOT_MS = 5_000;

/** Whether `snapshot` may stand for `user`'s entry at `nowMs`. */
export function isSnapshotFresh(snapshot: AccountSnapshot, user: DirectoryUser, nowMs: number): boolean {
  return snapshot.dn === user.dn && nowMs - snapshot.readAt <= SNAPSHOT_MS;
}

/** A user as resolved inside the directory's `baseDn`. */
export interface DirectoryUser {
  /** The entry's DN exactly as the server returned it. */
  dn: string;
  /** objectGUID (AD, canonical string form) or entryUUID (OpenLDAP), when the server returns one. */
  uuid: string | null;
  disabled: boolean;
  /** A lockout in force right now. */
  locked: boolean;
  /** When the password was last set; null when never or unknown. */
  passwordLastSet: Date | null;
  /** The user must change the password at next logon (AD pwdLastSet=0; OpenLDAP pwdReset=TRUE). */
  mustChangePassword: boolean;
  /** Why the account is protected (AD adminCount=1, member of a privileged group, or a configured group); null when not. */
  protectedReason: string | null;
  /** What resolveUser read, for this command's later calls on the user; null for a user made otherwise (every call then reads). */
  snapshot: AccountSnapshot | null;
}

/** The password policy that applies to one user (domain root, PSO, or ppolicy entry). */
export interface PasswordPolicy {
  /** DN of the entry the policy was read from. */
  source: string;
  minLength: number;
  /** AD complexity (pwdProperties bit 1) or OpenLDAP pwdCheckQuality > 0. */
  complexity: boolean;
  historyLength: number;
  /** 0 when there is no minimum age. */
  minAgeMs: number;
  /** 0 when passwords never expire. */
  maxAgeMs: number;
  lockoutThreshold: number;
  /** 0 = locked until an admin unlocks. */
  lockoutDurationMs: number;
}

export interface ResetOptions {
  forceChangeAtNextLogon: boolean;
  unlock: boolean;
  enforceHistory: boolean;
}

/** What a successful write reports; `details` is merged into the result's details. */
export interface ApplyOutcome {
  dn: string;
  appliedAt: Date;
  /** Extra facts, e.g. `historyEnforced: false`, or `notApplied: [{ what, code, reason }]` for follow-up writes that failed. */
  details: Record<string, unknown>;
}

export interface AccountState {
  dn: string;
  exists: boolean;
  locked: boolean;
  disabled: boolean;
  passwordLastSet: Date | null;
  passwordChangeAllowedAt: Date | null;
  mustChangePassword: boolean;
}

export type CheckStatus = 'OK' | 'MISSING' | 'WARN';

export interface PermissionCheck {
  /** Stable name: `bind`, `tls`, `resetPassword`, `writePwdLastSet`, `writeLockoutTime`, `readPasswordPolicy`, ... */
  name: string;
  status: CheckStatus;
  /** Required checks turn the exit status to 1 when MISSING. */
  required: boolean;
  /** One line, what was found. */
  detail: string;
  /** The exact command an admin can paste to fix it, when MISSING or WARN. */
  fix?: string;
}

export interface PermissionReport {
  directory: string;
  checks: PermissionCheck[];
}

/** Membership in a list of groups (portal eligibility, protected self-service; docs/self-service.md). */
export interface GroupMembership {
  /** A listed group (as written in the config) the user is in, directly or nested; null when none. */
  memberOf: string | null;
  /** Listed groups the agent could not read (missing, or hidden from its account): callers fail closed. */
  unreadable: string[];
}

export interface DirectoryDriver {
  readonly id: string;
  readonly kind: 'activeDirectory' | 'openldap';

  /**
   * Finds exactly one user inside baseDn: USER_NOT_FOUND, AMBIGUOUS_USER, DIRECTORY_UNAVAILABLE.
   * The user carries the snapshot of what was read, which the calls below use while it is fresh.
   */
  resolveUser(target: Target): Promise<DirectoryUser>;
  /** The policy in force for this user (briefly cached). */
  passwordPolicy(user: DirectoryUser): Promise<PasswordPolicy>;
  /** Admin reset. Checks length and complexity against the policy before writing. */
  resetPassword(user: DirectoryUser, newPassword: string, options: ResetOptions): Promise<ApplyOutcome>;
  /** The user's own change, with the old password (WRONG_PASSWORD when it does not match). */
  changePassword(user: DirectoryUser, oldPassword: string, newPassword: string): Promise<ApplyOutcome>;
  /** Clears a lockout; idempotent. */
  unlockAccount(user: DirectoryUser): Promise<ApplyOutcome>;
  getAccountState(user: DirectoryUser): Promise<AccountState>;
  /** Read-only permission report; `user` narrows it to one account. */
  checkPermissions(options: { user?: DirectoryUser }): Promise<PermissionReport>;
  /**
   * After a crash: was `password` already set for this user at or after `since`? True when the
   * password last set time is not before `since` and a bind with it succeeds or answers "must change".
   */
  passwordAlreadyApplied(user: DirectoryUser, password: string, since: Date): Promise<boolean>;
  /** Self-service portal: the named attributes of the user's entry as text, keyed as named ([] when absent). */
  readContactAttributes(user: DirectoryUser, names: readonly string[]): Promise<Record<string, string[]>>;
  /** Self-service portal: membership, direct or nested, in any of `groupDns` (checked in order). */
  groupMembership(user: DirectoryUser, groupDns: readonly string[]): Promise<GroupMembership>;
  /**
   * Self-service portal: a bind as the user with `password`, nothing written. Resolves when it
   * matches; else WRONG_PASSWORD, ACCOUNT_DISABLED (details.reason, details.passwordMatched), ...
   * A wrong password counts as a failed logon at the directory.
   */
  verifyPassword(user: DirectoryUser, password: string): Promise<void>;
  /** The DN of the entry at `dn` as the directory writes it (scope bases; briefly cached); null when there is no such entry. */
  canonicalDn(dn: string): Promise<string | null>;
  /** Run before the agent takes commands: throws SetupError when what a check needs cannot be read (fail closed). */
  startupCheck?(): Promise<void>;
  close(): Promise<void>;
}

/** Makes the driver of one configured directory (the runtime is given one; tests pass their own). */
export type DriverFactory = (config: DirectoryConfig, deps: DriverDeps) => DirectoryDriver;
