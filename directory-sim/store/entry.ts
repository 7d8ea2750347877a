import type { SecurityDescriptor } from '../ad/security-descriptor.js';

export type AttributeValue = string | Buffer;

export interface StoredAttribute {
  /** The name as first written (AD returns schema names; see ad/schema.ts). */
  name: string;
  values: AttributeValue[];
}

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
  /** Keyed by lower-case attribute name. */
  attributes: Map<string, StoredAttribute>;
  /** Explicit part of the security descriptor; inherited ACEs are computed from the parents. */
  security: SecurityDescriptor;
  secret: AccountSecret | undefined;
}
