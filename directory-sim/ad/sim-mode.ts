/** Which directory directory-sim imitates: error texts and supported controls differ. */
export const SimMode = { windows: 'windows', samba: 'samba' } as const;
export type SimMode = (typeof SimMode)[keyof typeof SimMode];
