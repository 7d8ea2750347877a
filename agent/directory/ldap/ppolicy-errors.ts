/** The `error` values of the password policy response control (draft-behera-ldap-password-policy). */
export const PpolicyError = {
  passwordExpired: 0,
  accountLocked: 1,
  changeAfterReset: 2,
  passwordModNotAllowed: 3,
  mustSupplyOldPassword: 4,
  insufficientPasswordQuality: 5,
  passwordTooShort: 6,
  passwordTooYoung: 7,
  passwordInHistory: 8,
} as const;
export type PpolicyError = (typeof PpolicyError)[keyof typeof PpolicyError];
