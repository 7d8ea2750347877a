import type { Result, ResultCode } from '../../protocol/index.js';

/** What the portal tells the user about a result: one sentence, and whether it was a refusal. */
export interface Outcome {
  /** `done`: everything applied; `partial`: OK but some follow-up write was not applied; `refused`. */
  kind: 'done' | 'partial' | 'refused';
  words: string;
}

/** One plain sentence per result code (SPEC.md section 7); details refine a few below. */
const WORDS: Readonly<Record<ResultCode, string>> = {
  OK: 'Done.',
  PASSWORD_TOO_YOUNG: 'Your password was changed too recently to change it again yet.',
  PASSWORD_POLICY: 'Your directory refused that password under its password rules. Choose another.',
  WRONG_PASSWORD: 'That password is not right.',
  USER_NOT_FOUND: 'That could not be done for this account.',
  AMBIGUOUS_USER: 'That name matches more than one account.',
  OUT_OF_SCOPE: 'This account cannot use the self-service portal.',
  PROTECTED_ACCOUNT: 'This is a privileged account: its password cannot be reset here.',
  ACCOUNT_DISABLED: 'This account is disabled or may not sign in.',
  PERMISSION_DENIED: 'The reset service is not allowed to change this account, and nothing was changed.',
  DIRECTORY_UNAVAILABLE: 'Your directory cannot be reached right now. Try again in a few minutes.',
  BUSY: 'Too many attempts for this account. Try again later.',
  EXPIRED: 'The request took too long and expired. Nothing was changed; try again.',
  INVALID_SIGNATURE: 'The request was refused for security reasons and nothing was changed.',
  WRONG_AGENT: 'The request was refused for security reasons and nothing was changed.',
  MALFORMED: 'The request was refused for security reasons and nothing was changed.',
  DECRYPTION_FAILED: 'The request was refused for security reasons and nothing was changed.',
  UNSUPPORTED_OPERATION: 'Your directory does not offer this yet.',
  INTERNAL: 'Something went wrong on our side and nothing was changed. Try again later.',
};

/** The plain sentence for a result code, without details. */
export function wordsFor(code: ResultCode): string {
  return WORDS[code];
}

/**
 * Why a follow-up write matters to the user, by what the agent names in `notApplied[].what`: the
 * AD driver names the attribute (`lockoutTime`, `pwdLastSet`), the OpenLDAP driver `unlock` and
 * `pwdReset`.
 */
const NOT_APPLIED_WORDS: Readonly<Record<string, string>> = {
  lockoutTime: 'your account is still locked, so you cannot sign in with it yet',
  unlock: 'your account is still locked, so you cannot sign in with it yet',
  // The portal never asks for a change at next logon, so a failed pwdLastSet/pwdReset write leaves the new password marked as one to change.
  pwdLastSet: 'your directory may ask you to change it again when you next sign in',
  pwdReset: 'your directory may ask you to change it again when you next sign in',
};

/** Names of the writes a result lists as not applied (`details.notApplied[].what`). */
export function notApplied(result: Result): string[] {
  const list = result.details['notApplied'];
  return Array.isArray(list)
    ? list.map((item) =>
        typeof item === 'object' && item !== null && typeof (item as Record<string, unknown>)['what'] === 'string' ? ((item as Record<string, unknown>)['what'] as string) : 'unknown',
      )
    : [];
}

/** Minutes until an ISO `retryAfter` (at least 1), or null when it is not a time. */
function minutesUntil(retryAfter: unknown, now: Date): number | null {
  const at = typeof retryAfter === 'string' ? Date.parse(retryAfter) : Number.NaN;
  return Number.isNaN(at) ? null : Math.max(1, Math.ceil((at - now.getTime()) / 60_000));
}

/** A time as the portal says it: one zone for everybody, named (`5 Dec 2026, 14:30 UTC`). */
function formatUtc(at: Date): string {
  return `${at.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })} UTC`;
}

const NO_MATCH = 'That user name and password do not match.';

/**
 * The words for a verifyPassword answer that is not a sign-in. Whatever the agent could tell
 * without trying the password (no such user, out of scope, not eligible, disabled or locked) reads
 * exactly as a wrong password, so the form says nothing about an account to someone who does not
 * know its password; only `passwordMatched: true` earns the account's state.
 */
export function signInRefusal(result: Result | null, now: Date): string {
  if (result === null) return WORDS.DIRECTORY_UNAVAILABLE;
  const reason = result.details['reason'];
  if (result.code === 'UNSUPPORTED_OPERATION' && reason === 'NOT_ENABLED') return 'Your organisation has not turned on signing in here yet.';
  if (result.code === 'BUSY' && reason === 'VERIFY_RATE_LIMITED') {
    const minutes = minutesUntil(result.details['retryAfter'], now);
    return minutes === null ? WORDS.BUSY : `Too many sign-in attempts for this account. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  }
  if (result.code === 'ACCOUNT_DISABLED' && result.details['passwordMatched'] === true) {
    return reason === 'MUST_CHANGE_PASSWORD' || reason === 'PASSWORD_EXPIRED'
      ? 'Your password is right, but your directory wants it changed before you can sign in. Change it where you usually sign in, then come back.'
      : 'Your password is right, but this account may not sign in now. Ask your help desk.';
  }
  if (result.code === 'DIRECTORY_UNAVAILABLE' || result.code === 'INTERNAL' || result.code === 'EXPIRED') return WORDS[result.code];
  return NO_MATCH;
}

/** The user's outcome of a reset or unlock result (null: no agent answered in time). */
export function outcomeOf(result: Result | null, action: 'reset' | 'unlock'): Outcome {
  if (result === null) return { kind: 'refused', words: 'Your directory did not answer in time. Nothing was changed; try again in a few minutes.' };
  if (result.code === 'OK') {
    const missing = notApplied(result);
    if (missing.length > 0) {
      const why = [...new Set(missing.map((what) => NOT_APPLIED_WORDS[what] ?? 'part of the change was not applied'))].join('; ');
      return { kind: 'partial', words: `Your new password is set, but not everything was done: ${why}. Your help desk has been told.` };
    }
    return { kind: 'done', words: action === 'unlock' ? 'Your account is unlocked. You can sign in again.' : 'Your new password is set. You can sign in with it now.' };
  }
  const reason = result.details['reason'];
  if (result.code === 'PASSWORD_POLICY' && reason === 'TOO_SHORT' && typeof result.details['minLength'] === 'number') {
    return { kind: 'refused', words: `That password is too short: use at least ${result.details['minLength']} characters.` };
  }
  const allowedAt = typeof result.details['allowedAt'] === 'string' ? new Date(result.details['allowedAt']) : null;
  if (result.code === 'PASSWORD_TOO_YOUNG' && allowedAt !== null && !Number.isNaN(allowedAt.getTime())) {
    return { kind: 'refused', words: `Your password was changed too recently. You can change it again from ${formatUtc(allowedAt)}.` };
  }
  if (result.code === 'PASSWORD_POLICY' && reason === 'HISTORY') return { kind: 'refused', words: 'You have used that password before. Choose one you have not used recently.' };
  if (result.code === 'OUT_OF_SCOPE' && reason === 'NOT_ELIGIBLE') return { kind: 'refused', words: 'Your organisation has not opened the self-service portal to this account.' };
  return { kind: 'refused', words: WORDS[result.code] };
}
