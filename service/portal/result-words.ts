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

/** Why a follow-up write matters to the user, by the attribute the agent names in `notApplied`. */
const NOT_APPLIED_WORDS: Readonly<Record<string, string>> = {
  lockoutTime: 'your account is still locked, so you cannot sign in with it yet',
  pwdAccountLockedTime: 'your account is still locked, so you cannot sign in with it yet',
  pwdLastSet: 'you will not be asked to change it at your next sign-in as intended',
  pwdReset: 'you will not be asked to change it at your next sign-in as intended',
};

/** Names of the writes a result lists as not applied (`details.notApplied[].what`). */
export function notApplied(result: Result): string[] {
  const list = result.details['notApplied'];
  return Array.isArray(list) ? list.map((item) => (typeof item === 'object' && item !== null && typeof (item as Record<string, unknown>)['what'] === 'string' ? ((item as Record<string, unknown>)['what'] as string) : 'unknown')) : [];
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
  if (result.code === 'PASSWORD_POLICY' && reason === 'HISTORY') return { kind: 'refused', words: 'You have used that password before. Choose one you have not used recently.' };
  if (result.code === 'OUT_OF_SCOPE' && reason === 'NOT_ELIGIBLE') return { kind: 'refused', words: 'Your organisation has not opened the self-service portal to this account.' };
  return { kind: 'refused', words: WORDS[result.code] };
}
