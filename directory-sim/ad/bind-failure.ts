/** The `data X` codes of AcceptSecurityContext failures on simple bind. */
export const BindFailure = {
  badPassword: '52e',
  noSuchUser: '525',
  invalidLogonHours: '530',
  invalidWorkstation: '531',
  passwordExpired: '532',
  accountDisabled: '533',
  accountExpired: '701',
  mustChangePassword: '773',
  accountLocked: '775',
} as const;
export type BindFailure = (typeof BindFailure)[keyof typeof BindFailure];
