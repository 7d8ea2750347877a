import type { Identity, SimDirectory } from '../ad/sim-directory.js';
import type { LdapControl } from '../protocol/control.js';
import type { SimLogger } from './sim-logger.js';

/** One page-by-page search in progress (paged results control). */
export interface PagedSearchState {
  keys: string[];
  offset: number;
}

/** What an operation handler may see and do on its connection. */
export interface OperationContext {
  readonly directory: SimDirectory;
  readonly connectionId: number;
  readonly identity: Identity;
  readonly encrypted: boolean;
  readonly logger: SimLogger;
  readonly maxPageSize: number;
  readonly pagedSearches: Map<string, PagedSearchState>;
  setIdentity(identity: Identity): void;
  /** Sends one message answering `messageId`; resolves when the socket took it (backpressure). */
  send(messageId: number, protocolOp: Buffer, controls?: readonly LdapControl[]): Promise<void>;
  /** Writes bytes as they are (hostile faults). */
  sendRaw(bytes: Buffer): Promise<void>;
  /** True once the client abandoned this message id or the connection closed. */
  isAbandoned(messageId: number): boolean;
  /** Switches the connection to TLS after the StartTLS response went out. */
  startTls(): Promise<void>;
  readonly canStartTls: boolean;
  close(): void;
}
