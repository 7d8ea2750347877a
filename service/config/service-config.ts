import { MAX_COMMAND_LIFETIME_MS } from '../../protocol/index.js';
import { isSecretReference, type SecretReference } from './secret-reference.js';
import { ServiceError } from '../errors.js';
import { parseDuration } from './duration.js';
import { checkPortalConfig, defaultPortalConfig, PORTAL_FREE_KEYS, type PortalConfig } from '../portal/portal-config.js';

/**
 * The configuration file (`service.json` in the data directory). `init` writes every key with its
 * default; a file may leave keys out and gets the defaults. Secrets are references, never literals.
 */
export interface ServiceConfig {
  /** The URL agents and browsers reach the service at (behind a load balancer: its URL). */
  publicUrl: string;
  /** `HOST:PORT` that `serve` binds unless `--listen` says otherwise. */
  listen: string;
  /** PEM files (relative to the data directory or absolute); both null serves plain HTTP/ws. */
  tls: { cert: string | null; key: string | null };
  /** `url` null: the embedded SQLite database in the data directory. */
  /**
   * `sqliteSynchronous` (SQLite in WAL mode): `full` syncs every commit, so a stored result survives
   * even a power cut before its resultAck goes out; `normal` syncs at checkpoints only, so a crash of
   * the process loses nothing but a power cut or kernel crash may undo the last commits (docs/service.md).
   */
  database: { url: string | null; poolSize: number; sqliteSynchronous: 'full' | 'normal' };
  /** Private signing keys by kid; a kid without a reference is read from `keys/<kid>.jwk`. */
  signingKeys: Record<string, SecretReference>;
  /**
   * `checkpointHistoryDays`: each node's housekeeping deletes the audit checkpoints it received longer
   * ago than this, except each agent's latest one and every regression (docs/service.md, *Audit checkpoints*).
   */
  agents: { heartbeatIntervalMs: number; helloTimeoutMs: number; clockSkewMs: number; checkpointHistoryDays: number };
  commands: { defaultTtlMs: number; pollIntervalMs: number; resultWaitMs: number };
  registration: { tokenTtl: string; maxFailures: number; failureWindowMs: number };
  smtp: { host: string | null; port: number; security: 'tls' | 'starttls' | 'none'; user: string | null; password: SecretReference | null; from: string | null };
  sms: { endpoint: string | null; credential: SecretReference | null };
  /** The self-service portal at `/` (docs/portal.md); the keys after allowedGroups are its own. */
  portal: PortalConfig;
  /**
   * A help desk sign-in lasts at most `sessionMaxMs`, and ends after `sessionIdleMs` without a page;
   * `maxFailures` failed sign-ins from one client address per `failureWindowMs` refuse every sign-in
   * from it (behind a load balancer that address is the balancer's, so it is configurable).
   */
  helpdesk: { auth: 'bearer'; tokens: 'database'; sessionMaxMs: number; sessionIdleMs: number; maxFailures: number; failureWindowMs: number };
  admin: { auth: 'bearer'; tokens: 'database' };
}

export const CONFIG_FILE = 'service.json';

export function defaultConfig(): ServiceConfig {
  return {
    publicUrl: 'http://127.0.0.1:8443',
    listen: '127.0.0.1:8443',
    tls: { cert: null, key: null },
    database: { url: null, poolSize: 10, sqliteSynchronous: 'full' },
    signingKeys: {},
    agents: { heartbeatIntervalMs: 30_000, helloTimeoutMs: 10_000, clockSkewMs: 60_000, checkpointHistoryDays: 90 },
    commands: { defaultTtlMs: 5 * 60_000, pollIntervalMs: 100, resultWaitMs: 6 * 60_000 + 30_000 },
    registration: { tokenTtl: '24h', maxFailures: 10, failureWindowMs: 10 * 60_000 },
    smtp: { host: null, port: 587, security: 'starttls', user: null, password: null, from: null },
    sms: { endpoint: null, credential: null },
    portal: defaultPortalConfig(),
    helpdesk: { auth: 'bearer', tokens: 'database', sessionMaxMs: 8 * 60 * 60_000, sessionIdleMs: 30 * 60_000, maxFailures: 10, failureWindowMs: 15 * 60_000 },
    admin: { auth: 'bearer', tokens: 'database' },
  };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges a parsed file over the defaults, checking the type of every key against the default's
 * (objects recursively). Unknown keys are refused: a misspelt key would otherwise be ignored.
 */
export function parseConfig(raw: unknown, file: string): ServiceConfig {
  if (!isObject(raw)) throw new ServiceError('CONFIG', `${file}: expected a JSON object; run \`writeback-service init\` to write one`);
  const merged = mergeChecked(defaultConfig() as unknown as Json, raw, '', file) as unknown as ServiceConfig;
  for (const [kid, reference] of Object.entries(merged.signingKeys)) {
    if (!isSecretReference(reference)) throw new ServiceError('CONFIG', `${file}: signingKeys.${kid} must be { "env": NAME } or { "file": PATH }`);
  }
  for (const [path, value] of [
    ['smtp.password', merged.smtp.password],
    ['sms.credential', merged.sms.credential],
  ] as const) {
    if (value !== null && !isSecretReference(value)) throw new ServiceError('CONFIG', `${file}: ${path} must be null, { "env": NAME } or { "file": PATH } (never a literal)`);
  }
  if (merged.database.sqliteSynchronous !== 'full' && merged.database.sqliteSynchronous !== 'normal') {
    throw new ServiceError('CONFIG', `${file}: database.sqliteSynchronous must be "full" or "normal"`);
  }
  if (merged.database.url !== null && !/^postgres(ql)?:\/\//.test(merged.database.url)) {
    throw new ServiceError('CONFIG', `${file}: database.url must be a postgres:// URL (or null for the embedded database)`);
  }
  for (const [path, [min, max]] of Object.entries(NUMBER_RANGES)) {
    const value = path.split('.').reduce<unknown>((object, key) => (object as Json)[key], merged);
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new ServiceError('CONFIG', `${file}: ${path} must be a whole number from ${min} to ${max}`);
  }
  try {
    parseDuration(merged.registration.tokenTtl, 'registration.tokenTtl');
  } catch (error) {
    throw new ServiceError('CONFIG', `${file}: ${error instanceof Error ? error.message : 'registration.tokenTtl is not a duration'}`);
  }
  for (const key of ['sessionMaxMs', 'sessionIdleMs'] as const) {
    const value = merged.helpdesk[key];
    if (!Number.isInteger(value) || value < 1000) throw new ServiceError('CONFIG', `${file}: helpdesk.${key} must be a whole number of milliseconds, at least 1000`);
  }
  checkPortalConfig(merged.portal, file);
  return merged;
}

/**
 * The numbers a node could not run with outside these bounds: the heartbeat goes in `welcome`
 * (protocol.md section 6: 1,000 to 3,600,000), a command may live 15 minutes at most (section 7),
 * checkpoint history is kept at least a day and at most ten years.
 */
const NUMBER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  'database.poolSize': [1, 1000],
  'agents.heartbeatIntervalMs': [1000, 3_600_000],
  'agents.helloTimeoutMs': [100, 600_000],
  'agents.clockSkewMs': [0, 3_600_000],
  'agents.checkpointHistoryDays': [1, 3650],
  'commands.defaultTtlMs': [1000, MAX_COMMAND_LIFETIME_MS],
  'commands.pollIntervalMs': [1, 60_000],
  'commands.resultWaitMs': [1000, 24 * 3_600_000],
  'registration.maxFailures': [1, 1_000_000],
  'registration.failureWindowMs': [1000, 7 * 24 * 3_600_000],
  'helpdesk.maxFailures': [1, 1_000_000],
  'helpdesk.failureWindowMs': [1000, 7 * 24 * 3_600_000],
  'smtp.port': [1, 65535],
} as const;

/** Keys whose default is null or a free-form map take any value of the right broad kind. */
const FREE_KEYS = new Set([
  'signingKeys',
  'tls.cert',
  'tls.key',
  'database.url',
  'smtp.host',
  'smtp.user',
  'smtp.password',
  'smtp.from',
  'sms.endpoint',
  'sms.credential',
  'portal.helpdeskContact',
  ...PORTAL_FREE_KEYS,
]);

function mergeChecked(defaults: Json, raw: Json, prefix: string, file: string): Json {
  const out: Json = { ...defaults };
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix + key;
    if (!(key in defaults)) throw new ServiceError('CONFIG', `${file}: unknown key ${path}; remove it (see docs/service.md for the keys)`);
    const expected = defaults[key];
    if (FREE_KEYS.has(path)) {
      out[key] = value;
    } else if (isObject(expected)) {
      if (!isObject(value)) throw new ServiceError('CONFIG', `${file}: ${path} must be an object`);
      out[key] = mergeChecked(expected, value, `${path}.`, file);
    } else if (Array.isArray(expected)) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ServiceError('CONFIG', `${file}: ${path} must be an array of strings`);
      out[key] = value;
    } else if (typeof value !== typeof expected) {
      throw new ServiceError('CONFIG', `${file}: ${path} must be a ${typeof expected}`);
    } else out[key] = value;
  }
  return out;
}
