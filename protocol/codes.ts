/** Result codes and statuses of SPEC.md section 7: the one table every layer maps into. */

export const ResultCode = {
  OK: 'OK',
  MALFORMED: 'MALFORMED',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  WRONG_AGENT: 'WRONG_AGENT',
  EXPIRED: 'EXPIRED',
  UNSUPPORTED_OPERATION: 'UNSUPPORTED_OPERATION',
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  AMBIGUOUS_USER: 'AMBIGUOUS_USER',
  OUT_OF_SCOPE: 'OUT_OF_SCOPE',
  PROTECTED_ACCOUNT: 'PROTECTED_ACCOUNT',
  PASSWORD_TOO_YOUNG: 'PASSWORD_TOO_YOUNG',
  PASSWORD_POLICY: 'PASSWORD_POLICY',
  WRONG_PASSWORD: 'WRONG_PASSWORD',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  ACCOUNT_DISABLED: 'ACCOUNT_DISABLED',
  DIRECTORY_UNAVAILABLE: 'DIRECTORY_UNAVAILABLE',
  BUSY: 'BUSY',
  INTERNAL: 'INTERNAL',
} as const;
export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

/** `details.reason` values of PASSWORD_POLICY. */
export const PolicyReason = {
  TOO_SHORT: 'TOO_SHORT',
  COMPLEXITY: 'COMPLEXITY',
  HISTORY: 'HISTORY',
  QUALITY: 'QUALITY',
  UNKNOWN: 'UNKNOWN',
} as const;
export type PolicyReason = (typeof PolicyReason)[keyof typeof PolicyReason];

export const ResultStatus = {
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
} as const;
export type ResultStatus = (typeof ResultStatus)[keyof typeof ResultStatus];

/**
 * The status each code carries: `rejected` when the agent refused before touching the directory,
 * `failed` when the directory refused or failed.
 */
export const statusOfCode: Readonly<Record<ResultCode, ResultStatus>> = {
  OK: 'succeeded',
  MALFORMED: 'rejected',
  INVALID_SIGNATURE: 'rejected',
  WRONG_AGENT: 'rejected',
  EXPIRED: 'rejected',
  UNSUPPORTED_OPERATION: 'rejected',
  DECRYPTION_FAILED: 'rejected',
  USER_NOT_FOUND: 'rejected',
  AMBIGUOUS_USER: 'rejected',
  OUT_OF_SCOPE: 'rejected',
  PROTECTED_ACCOUNT: 'rejected',
  PASSWORD_TOO_YOUNG: 'rejected',
  PASSWORD_POLICY: 'failed',
  WRONG_PASSWORD: 'failed',
  PERMISSION_DENIED: 'failed',
  ACCOUNT_DISABLED: 'failed',
  DIRECTORY_UNAVAILABLE: 'failed',
  BUSY: 'rejected',
  INTERNAL: 'failed',
};

export const OPERATIONS = ['resetPassword', 'changePassword', 'unlockAccount', 'getAccountState', 'checkPermissions'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const TARGET_KINDS = ['userPrincipalName', 'sAMAccountName', 'uid', 'mail', 'dn', 'objectGUID', 'entryUUID'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
