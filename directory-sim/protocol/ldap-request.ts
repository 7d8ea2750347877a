import type { Filter } from '../filter/filter.js';
import type { LdapControl } from './control.js';

export type SearchScope = 'base' | 'one' | 'sub';
export type ModifyOperation = 'add' | 'delete' | 'replace';

export interface ModifyChange {
  operation: ModifyOperation;
  attribute: string;
  values: Buffer[];
}

/** A decoded request, one variant per operation directory-sim understands. */
export type LdapOperation =
  | { type: 'bind'; version: number; name: string; simple: Buffer | undefined; saslMechanism: string | undefined }
  | { type: 'unbind' }
  | {
      type: 'search';
      baseDn: string;
      scope: SearchScope;
      sizeLimit: number;
      timeLimit: number;
      typesOnly: boolean;
      filter: Filter;
      attributes: string[];
    }
  | { type: 'modify'; dn: string; changes: ModifyChange[] }
  | { type: 'add'; dn: string; attributes: { attribute: string; values: Buffer[] }[] }
  | { type: 'delete'; dn: string }
  | { type: 'compare'; dn: string; attribute: string; value: Buffer }
  | { type: 'abandon'; messageId: number }
  | { type: 'extended'; oid: string; value: Buffer | undefined }
  | { type: 'unsupported'; tag: number }
  /** The envelope decoded but the operation did not: answered with protocolError, not a disconnect. */
  | { type: 'malformed'; tag: number; diagnostic: string };

export interface LdapRequest {
  messageId: number;
  tag: number;
  operation: LdapOperation;
  controls: LdapControl[];
}

/** Operation names used by faults, latency and the op log. */
export type OperationType = LdapOperation['type'];
