import type { SecurityDescriptor } from '../ad/security-descriptor.js';

export type AttributeValue = string | Buffer;

/** Password material of an account. Hashes only; never logged, never returned. */
export interface AccountSecret {
  /** Hash of the current password, or undefined when none is set. */
  current: string | undefined;
  /** Earlier password hashes, newest first (the current one excluded). */
  history: string[];
}

/** One directory object. */
export interface Entry {
  dn: string;
  key: string;
  parentKey: string | null;
  /**
   * Values keyed by lower-case attribute name. Value arrays are never changed in place (they may
   * be shared between entries): writes replace the array.
   */
  attributes: Map<string, readonly AttributeValue[]>;
  /** Spelling of attributes the schema does not know, as first written. */
  unknownNames: Map<string, string> | undefined;
  /** Explicit part of the security descriptor; inherited ACEs are computed from the parents. */
  security: SecurityDescriptor;
  secret: AccountSecret | undefined;
}
