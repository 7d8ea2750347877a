/** Why a password write broke the domain policy (Samba names the reason; Windows does not). */
export const PolicyFailure = {
  tooShort: 'tooShort',
  complexity: 'complexity',
  inHistory: 'inHistory',
  previousPassword: 'previousPassword',
  tooYoung: 'tooYoung',
} as const;
export type PolicyFailure = (typeof PolicyFailure)[keyof typeof PolicyFailure];
