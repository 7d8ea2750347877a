import type { DirectoryConfig } from '../directory/directory-config.js';
import type { LogLevel } from '../logging/logger.js';

/** Where a secret comes from; the config file never holds one literally. */
export type SecretRef = { env: string } | { file: string } | { secret: string };

/** A `file` reference may start with this; it stands for systemd's $CREDENTIALS_DIRECTORY. */
export const CREDENTIALS_DIRECTORY_PREFIX = '${CREDENTIALS_DIRECTORY}';

/** A `directories[]` entry as loaded: the driver's DirectoryConfig plus where its bind password comes from. */
export interface AgentDirectoryConfig extends DirectoryConfig {
  bindPassword: SecretRef;
}

/** A service signing key trusted in addition to those received at registration (SPEC.md section 3). */
export interface TrustedKeyConfig {
  kid: string;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
}

/**
 * The validated configuration file with every default filled in. Relative paths in the file are
 * resolved against the file's own directory, so every path here is absolute.
 */
export interface AgentConfig {
  /** The file it was loaded from (absolute), for messages. */
  source: string;
  service: {
    url: string;
    /** Permits a ws:// URL (local testing only). */
    allowInsecure: boolean;
    /** PEM CA file for the service's certificate; null = the system store. */
    caFile: string | null;
    /** HTTPS proxy URL (CONNECT); null = HTTPS_PROXY from the environment, if any. */
    proxy: string | null;
    trustedKeys: TrustedKeyConfig[];
  };
  stateDir: string;
  secretStore: 'keychain' | 'file';
  /** Directory id used by commands without `directory`; null = the first listed. */
  defaultDirectory: string | null;
  directories: AgentDirectoryConfig[];
  limits: {
    maxInFlight: number;
    /** Password writes per target in any 60 s window before BUSY with retryAfter. */
    perTargetPerMinute: number;
  };
  clock: {
    /** Allowed clock skew for command time windows and the welcome check. */
    maxSkewMs: number;
  };
  journal: {
    /** How long acknowledged command records are kept (idempotency window). */
    retentionDays: number;
  };
  logging: {
    level: LogLevel;
    /** Rotating JSON-lines files go here; null = console only. */
    dir: string | null;
    maxFileBytes: number;
    maxFiles: number;
    /** Readable lines on stderr too. */
    console: boolean;
  };
  audit: {
    /** Hash-chained audit log; default `<stateDir>/audit.jsonl`. */
    file: string;
  };
  schedule: {
    permissionCheck: string;
    journalCompaction: string;
    certificateExpiry: string;
    /** Warn when a TLS certificate expires within any of these many days. */
    certificateWarningDays: number[];
  };
}
