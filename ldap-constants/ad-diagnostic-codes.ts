/**
 * Active Directory (Windows and Samba) codes found in diagnostic messages. The diagnostic starts
 * with an 8-digit hex Win32 code (`0000052D: Constraint violation - ...`); a failed simple bind
 * carries `AcceptSecurityContext error, data X` where X is a sub-status in hex.
 */
export const AdDiagnosticCode = {
  /** ERROR_ACCESS_DENIED. */
  accessDenied: '00000005',
  /** ERROR_NOT_SUPPORTED / WILL_NOT_PERFORM: e.g. a unicodePwd write over an unencrypted connection. */
  willNotPerform: '0000001F',
  /** ERROR_INVALID_PASSWORD: the old password of a user change does not match. */
  invalidPassword: '00000056',
  /** ERROR_ACCOUNT_LOCKED_OUT: Samba refuses a user's password change while the account is locked out. */
  accountLockedOut: '00000775',
  /** ERROR_PASSWORD_RESTRICTION: length, complexity, history or minimum age. */
  passwordRestriction: '0000052D',
  /** ERROR_DS_INSUFF_ACCESS_RIGHTS: no write property access / missing extended right. */
  insufficientAccessRights: '00002098',
  /** ERROR_DS_CONSTRAINT_VIOLATION (generic). */
  constraintViolation: '0000202F',
  /** SEC_E_INVALID_TOKEN: wrapper code of a failed bind; the `data` sub-status says why. */
  bindFailed: '80090308',
} as const;
export type AdDiagnosticCode = (typeof AdDiagnosticCode)[keyof typeof AdDiagnosticCode];

/** The `data X` sub-status of a failed AD bind (lower-case hex, as the server writes it). */
export const AdBindData = {
  noSuchUser: '525',
  wrongPassword: '52e',
  logonHours: '530',
  workstation: '531',
  passwordExpired: '532',
  disabled: '533',
  accountExpired: '701',
  mustChangePassword: '773',
  locked: '775',
} as const;
export type AdBindData = (typeof AdBindData)[keyof typeof AdBindData];

/**
 * The reasons Samba appends to a 0000052D diagnostic (`check_password_restrictions: ...`).
 * Windows gives none. Matched on lower-cased text.
 */
export const SambaPasswordReason = {
  tooShort: 'too short',
  complexity: 'complexity',
  inHistory: 'in history',
  previousPassword: 'previous password',
  tooYoung: 'too young',
} as const;
export type SambaPasswordReason = (typeof SambaPasswordReason)[keyof typeof SambaPasswordReason];
