/** userAccountControl and msDS-User-Account-Control-Computed bits (MS-ADTS 2.2.16). */
export const UserAccountControl = {
  accountDisable: 0x2,
  lockout: 0x10,
  normalAccount: 0x200,
  dontExpirePassword: 0x10000,
  passwordExpired: 0x800000,
} as const;
