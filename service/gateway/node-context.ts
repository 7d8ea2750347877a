import type { ServiceConfig } from '../config/service-config.js';
import type { Feature } from '../../protocol/index.js';
import type { ServiceDb } from '../db/open-database.js';
import type { SigningKeyring } from '../keys/signing-keyring.js';
import type { ServiceLogger } from '../logger.js';
import type { GatewayHooks } from './gateway-hooks.js';

/** What every part of one running node shares. Clock injected so tests can move time. */
export interface NodeContext {
  readonly nodeId: string;
  readonly store: ServiceDb;
  /** The signing keys this node holds; reloaded when the database's set changes. */
  readonly keys: SigningKeyring;
  readonly config: ServiceConfig;
  /** The data directory (absolute path), recorded with the keys this node holds so `keys status` can say where a missing key file goes; absent in the test rig. */
  readonly dataDir?: string;
  readonly logger: ServiceLogger;
  readonly now: () => Date;
  /** The optional features this node lists (default SERVICE_FEATURES); service-sim narrows them to play an older service. */
  readonly features?: readonly Feature[];
  /** Test rig hooks (service-sim); absent in production. */
  readonly hooks?: GatewayHooks;
}
