/**
 * Minimum password age (AD minPwdAge, OpenLDAP pwdMinAge): when a new password may be set.
 * A password never set, or one the user must change (AD pwdLastSet=0), has no minimum age:
 * callers pass null for passwordLastSet then.
 */

/** When a change becomes possible; null when there is no restriction (no minimum age, or never set). */
export function passwordChangeAllowedAt(passwordLastSet: Date | null, minAgeMs: number): Date | null {
  if (passwordLastSet === null || minAgeMs <= 0) return null;
  return new Date(passwordLastSet.getTime() + minAgeMs);
}

/**
 * null when a change is allowed at `now`; otherwise the allowedAt Date for PASSWORD_TOO_YOUNG's
 * `details.allowedAt`.
 */
export function checkMinimumAge(passwordLastSet: Date | null, minAgeMs: number, now: Date): Date | null {
  const allowedAt = passwordChangeAllowedAt(passwordLastSet, minAgeMs);
  return allowedAt !== null && now.getTime() < allowedAt.getTime() ? allowedAt : null;
}
