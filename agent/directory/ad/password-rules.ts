import { PolicyReason } from '../../../protocol/codes.js';
import type { PasswordPolicy } from '../driver.js';

export interface PasswordRuleFailure {
  reason: PolicyReason;
  /** Safe to send upstream: states the rule, never the password. */
  message: string;
}

/** What the complexity rule compares the password with. */
export interface AccountNames {
  sAMAccountName: string | null;
  displayName: string | null;
}

// Windows' delimiters for splitting the display name into tokens.
const NAME_DELIMITERS = /[,.\-_#\s]+/u;
/** Name parts shorter than this are ignored by AD. */
const MIN_TOKEN_LENGTH = 3;

/** AD's five character categories; complexity needs three of them. */
function categories(password: string): number {
  let upper = false;
  let lower = false;
  let digit = false;
  let otherLetter = false;
  let special = false;
  for (const char of password) {
    if (/\p{Lu}/u.test(char)) upper = true;
    else if (/\p{Ll}/u.test(char)) lower = true;
    else if (/\p{Nd}/u.test(char)) digit = true;
    else if (/\p{L}/u.test(char)) otherLetter = true;
    else special = true;
  }
  return [upper, lower, digit, otherLetter, special].filter(Boolean).length;
}

/**
 * Length and complexity as Active Directory checks them, so that a refusal has a precise reason
 * even from a Windows DC, whose 0000052D says nothing. Returns null when the password passes.
 * History and minimum age cannot be checked here (the directory keeps only hashes).
 */
export function checkPasswordRules(password: string, policy: PasswordPolicy, names: AccountNames): PasswordRuleFailure | null {
  const length = [...password].length;
  if (length < policy.minLength) {
    return { reason: PolicyReason.TOO_SHORT, message: `the new password is shorter than the minimum of ${policy.minLength} characters` };
  }
  if (!policy.complexity) return null;
  const lowerPassword = password.toLowerCase();
  const sam = names.sAMAccountName?.toLowerCase() ?? '';
  if (sam.length >= MIN_TOKEN_LENGTH && lowerPassword.includes(sam)) {
    return { reason: PolicyReason.COMPLEXITY, message: 'the new password contains the account name, which the complexity rule forbids' };
  }
  for (const token of (names.displayName ?? '').toLowerCase().split(NAME_DELIMITERS)) {
    if (token.length >= MIN_TOKEN_LENGTH && lowerPassword.includes(token)) {
      return { reason: PolicyReason.COMPLEXITY, message: "the new password contains part of the user's display name, which the complexity rule forbids" };
    }
  }
  if (categories(password) < 3) {
    return { reason: PolicyReason.COMPLEXITY, message: 'the new password must use three of: upper-case letters, lower-case letters, digits, symbols, other letters' };
  }
  return null;
}
