import type { Feature, OkpPrivateJwk, Subprotocol } from '../protocol/index.js';
import type { ServiceLogger } from '../service/logger.js';

/** Wall-clock time for every timestamp the service writes (issuedAt, serverTime...); injected so tests control it. */
export interface Clock {
  now(): Date;
}

/** The service's logger interface (same shape as the agent's Logger, so one adapter serves both). */
export type { ServiceLogger };

export interface TlsOptions {
  /** PEM certificate (chain). */
  cert: string | Buffer;
  /** PEM private key. */
  key: string | Buffer;
}

export interface ServiceSimOptions {
  /** Loopback address to bind; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port; `ServiceSim.port` tells which. */
  port?: number;
  /** Serve wss:// with this certificate; ws:// without. */
  tls?: TlsOptions;
  /** Sent in `welcome`; also the service's ping period (a session silent for two is dropped). Default 30 000 (min 1000). */
  heartbeatIntervalMs?: number;
  /** A connection that sent neither `register` nor `hello` within this gets error + 4001. Default 10 000. */
  helloTimeoutMs?: number;
  /** Allowed difference between a hello's `sentAt` and the clock. Default 60 000. */
  clockSkewMs?: number;
  /** `expiresAt - issuedAt` of commands without `ttlMs`. Default 5 minutes. */
  defaultTtlMs?: number;
  /** Signing keys to start with (generated when no JWK is given); the first is active. Default one key `k1`. */
  signingKeys?: { kid: string; jwk?: OkpPrivateJwk }[];
  /**
   * The protocol versions the service speaks, picked newest first among the agent's offer. Default
   * both (the service's SUBPROTOCOLS); `[Subprotocol.v1]` makes a version-1-only service.
   */
  subprotocols?: readonly Subprotocol[];
  /** The optional features the service lists in a v2 `welcome`. Default the service's own (SERVICE_FEATURES). */
  features?: readonly Feature[];
  /** Keep every frame in `transcript` (default true; benchmarks may turn it off). */
  recordTranscript?: boolean;
  clock?: Clock;
  logger?: ServiceLogger;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;

export const systemClock: Clock = { now: () => new Date() };

export const silentLogger: ServiceLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
