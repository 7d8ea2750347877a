/** How directory-sim compares and stores an attribute's values. */
export const AttributeSyntax = {
  /** Case-ignore Unicode string. */
  string: 'string',
  /** Distinguished name: compared normalized. */
  dn: 'dn',
  /** Integer or Large-Integer (FILETIME), compared numerically. */
  integer: 'integer',
  /** Octet string, compared byte for byte (objectGUID). */
  binary: 'binary',
  /** Binary SID; filters may also give the S-1-... string form. */
  sid: 'sid',
  /** Generalized time, compared as a string. */
  time: 'time',
} as const;
export type AttributeSyntax = (typeof AttributeSyntax)[keyof typeof AttributeSyntax];
