import type { ServiceConfig } from '../config/service-config.js';
import type { ServiceDb } from '../db/open-database.js';
import type { LoadedSigningKey } from '../keys/signing-keys.js';
import type { ServiceLogger } from '../logger.js';

/** What every part of one running node shares. Clock injected so tests can move time. */
export interface NodeContext {
  readonly nodeId: string;
  readonly store: ServiceDb;
  readonly keys: readonly LoadedSigningKey[];
  readonly config: ServiceConfig;
  readonly logger: ServiceLogger;
  readonly now: () => Date;
}
