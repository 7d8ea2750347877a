import type { Result } from '../protocol/index.js';

/**
 * A result in plain words for the person who asked, as the reset page (service-sim/web) shows it. Every
 * code of SPEC.md has its sentence; the details the agent sent make it precise.
 */
export function resultInWords(result: Result, locale = 'en-GB'): string {
  const d = result.details;
  const when = (value: unknown): string => (typeof value === 'string' ? new Date(value).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : 'later');
  switch (result.code) {
    case 'OK':
      return result.message === 'password reset' || result.message === 'password changed'
        ? 'Your new password is set. You can sign in with it now.'
        : result.message === 'account unlocked'
          ? 'Your account is unlocked. You can sign in again.'
          : 'Done.';
    case 'PASSWORD_TOO_YOUNG':
      return `Your password was changed too recently. You can change it again from ${when(d['allowedAt'])}.`;
    case 'PASSWORD_POLICY':
      switch (d['reason']) {
        case 'TOO_SHORT':
          return `That password is too short${typeof d['minLength'] === 'number' ? `: use at least ${d['minLength']} characters` : ''}.`;
        case 'COMPLEXITY':
          return 'That password is too simple: use three of upper-case letters, lower-case letters, digits and symbols, and not your name.';
        case 'HISTORY':
          return 'You have used that password before. Choose one you have not used recently.';
        case 'QUALITY':
          return 'That password does not meet the quality rules of your directory. Choose another.';
        default:
          return 'Your directory refused that password under its password rules. Choose another.';
      }
    case 'WRONG_PASSWORD':
      return 'Your current password is not right.';
    case 'USER_NOT_FOUND':
      return 'We could not find that account.';
    case 'AMBIGUOUS_USER':
      return 'That name matches more than one account. Contact your help desk.';
    case 'OUT_OF_SCOPE':
      return 'Passwords of this account cannot be reset here. Contact your help desk.';
    case 'PROTECTED_ACCOUNT':
      return 'This is a privileged account: its password cannot be reset here. Contact your administrators.';
    case 'ACCOUNT_DISABLED':
      return 'This account is disabled. Contact your help desk.';
    case 'PERMISSION_DENIED':
      return 'The reset service is not allowed to change this account. Your help desk has been told what is missing.';
    case 'DIRECTORY_UNAVAILABLE':
      return 'Your directory cannot be reached right now. Try again in a few minutes.';
    case 'BUSY':
      return `Too many attempts for this account. Try again from ${when(d['retryAfter'])}.`;
    case 'EXPIRED':
      return 'The request took too long and expired. Try again.';
    case 'INVALID_SIGNATURE':
    case 'WRONG_AGENT':
    case 'MALFORMED':
    case 'DECRYPTION_FAILED':
    case 'UNSUPPORTED_OPERATION':
      return 'The request was refused for security reasons and nothing was changed.';
    case 'INTERNAL':
      return 'Something went wrong on our side and nothing was changed. Try again later.';
  }
}
