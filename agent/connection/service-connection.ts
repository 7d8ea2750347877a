import { EventEmitter } from 'node:events';
import type { KeyObject } from 'node:crypto';
import WebSocket from 'ws';
import {
  CloseCode,
  Feature,
  SUBPROTOCOL_OFFER,
  Subprotocol,
  decodeFrame,
  encodeMessage,
  formatTime,
  parseServiceFrame,
  parseTime,
  sharedFeatures,
  signHello,
  type AgentMessage,
  type JsonObject,
  type ServiceKeysMessage,
  type WelcomeMessage,
} from '../../protocol/index.js';
import type { Logger } from '../logging/logger.js';
import { describeConnectFailure, explainConnectFailure, needsCertificate, type ConnectFailure } from '../diagnose/connect-failure.js';
import { coalesceWrites } from '../net/coalesce-writes.js';
import { DEFAULT_BACKOFF, backoffDelay, maxAttempt, nextAttempt, type BackoffPolicy } from './backoff.js';
import { printable } from '../logging/printable-text.js';
import { socketOptions, type ServiceEndpoint } from './socket-options.js';

export interface ConnectionOptions {
  endpoint: ServiceEndpoint;
  agentId: string;
  tenantId: string;
  agentVersion: string;
  capabilities: string[];
  maxInFlight: number;
  signingKey: KeyObject;
  clockSkewMs: number;
  logger: Logger;
  now?: () => Date;
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Until `welcome`; also the WebSocket opening handshake. */
  handshakeTimeoutMs?: number;
  /** The versions offered, newest first; default both. Only tests narrow it (to act as a v1 agent). */
  subprotocols?: readonly Subprotocol[];
  /** Optional features this agent supports, listed in a v2 hello (features.ts). Default none. */
  features?: readonly Feature[];
  /** What may wait unsent for a service that stops reading before the connection is dropped; default 4 MiB. */
  maxBufferedBytes?: number;
}

/** Results are about 1.6 KB and at most maxInFlight are outstanding: 4 MiB unread means a stuck service. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export type ConnectionState = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'waiting' | 'stopped';

interface ConnectionEvents {
  /** A session started: re-send unacknowledged results, then take commands. */
  welcome: [WelcomeMessage];
  /** A parsed object with a string `type` other than the handshake's (commands, resultAcks). */
  frame: [JsonObject];
  /** A well-formed key announcement on a session that negotiated keyRotation (not yet verified). */
  serviceKeys: [ServiceKeysMessage];
  state: [ConnectionState];
  /** A connect failed; `lastError` and `lastFailure` say why (kept until the next welcome). */
  failure: [ConnectFailure];
}

/**
 * The one outbound WebSocket to the service (SPEC.md sections 1 and 5): challenge, signed hello,
 * welcome; ping/pong liveness with terminate(); reconnect with capped full-jitter back-off.
 */
export class ServiceConnection extends EventEmitter<ConnectionEvents> {
  #state: ConnectionState = 'idle';
  #socket: WebSocket | null = null;
  #attempt = 0;
  #connectedAt = 0;
  #lastSeen = 0;
  #heartbeat: NodeJS.Timeout | null = null;
  #handshakeTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #forceMaxBackoff = false;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #backoff: BackoffPolicy;
  #attemptId = 0;
  /** The attempt whose failure (or welcome) was last recorded: an older attempt's late explanation is dropped. */
  #recordedAttempt = 0;
  lastError: string | null = null;
  /** The classified cause of the last failed connect (diagnose's words and fix); null after a welcome. */
  lastFailure: ConnectFailure | null = null;
  sessionId: string | null = null;
  /** The version of the current connection (set at the upgrade), else null. */
  protocol: Subprotocol | null = null;
  /** The features both sides listed in this session (none on version 1). */
  features: ReadonlySet<Feature> = new Set();

  constructor(readonly options: ConnectionOptions) {
    super();
    this.#now = options.now ?? (() => new Date());
    this.#random = options.random ?? Math.random;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get #offer(): readonly Subprotocol[] {
    return this.options.subprotocols ?? SUBPROTOCOL_OFFER;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#connect();
  }

  /** Sends when a session is ready; false when not (the caller keeps the message to re-send). */
  send(message: AgentMessage): boolean {
    const socket = this.#socket;
    if (this.#state !== 'ready' || socket === null || socket.readyState !== WebSocket.OPEN) return false;
    const limit = this.options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    if (socket.bufferedAmount > limit) {
      // Bounded memory: drop the connection; results stay in the journal and are re-sent after the next welcome.
      this.options.logger.warn('the service is not reading what the agent sends; reconnecting', { bufferedBytes: socket.bufferedAmount, limitBytes: limit });
      socket.terminate();
      return false;
    }
    socket.send(encodeMessage(message));
    return true;
  }

  /** Closes with 1001 and stops reconnecting. */
  async stop(): Promise<void> {
    this.#setState('stopped');
    this.#clearTimers();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    if (socket === null || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(CloseCode.goingAway, 'agent stopping');
    });
  }

  #setState(state: ConnectionState): void {
    if (this.#state === 'stopped' && state !== 'stopped') return;
    this.#state = state;
    this.emit('state', state);
  }

  #connect(): void {
    if (this.#state === 'stopped') return;
    const { endpoint, logger } = this.options;
    if (endpoint.url.startsWith('ws://')) {
      logger.warn('connecting to the service without TLS (service.allowInsecure is true): for local testing only', { url: endpoint.url });
    }
    this.#setState('connecting');
    const attemptId = ++this.#attemptId;
    const handshakeTimeoutMs = this.options.handshakeTimeoutMs ?? 30_000;
    let socket: WebSocket;
    try {
      socket = new WebSocket(endpoint.url, [...this.#offer], socketOptions(endpoint, handshakeTimeoutMs));
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      logger.error('cannot connect to the service', { reason: this.lastError });
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    // A journal group commit releases many acks and results in the same tick: one write for them.
    socket.once('upgrade', (response) => coalesceWrites(response.socket));
    this.#handshakeTimer = setTimeout(() => {
      logger.warn('no welcome from the service in time; reconnecting', { timeoutMs: handshakeTimeoutMs });
      socket.terminate();
    }, handshakeTimeoutMs);

    socket.on('open', () => {
      const picked = this.#offer.find((name) => name === socket.protocol);
      if (picked === undefined) {
        logger.error(`the service accepted none of the subprotocols ${this.#offer.join(', ')}; check service.url`, { picked: socket.protocol });
        socket.close(CloseCode.normal);
        return;
      }
      this.protocol = picked;
      this.features = new Set();
      this.#connectedAt = this.#now().getTime();
      this.#lastSeen = Date.now();
      this.#setState('handshaking');
    });
    socket.on('message', (data, isBinary) => {
      this.#lastSeen = Date.now();
      this.#onMessage(data as Buffer, isBinary);
    });
    socket.on('pong', () => {
      this.#lastSeen = Date.now();
    });
    socket.on('error', (error) => this.#onConnectError(error, attemptId));
    socket.on('close', (code, reason) => this.#onClose(socket, code, reason.toString('utf8').slice(0, 200)));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const { logger } = this.options;
    const decoded = decodeFrame(data, isBinary);
    if (!decoded.ok) {
      logger.warn('ignored a frame that is not a protocol message', { error: decoded.error });
      return;
    }
    const type = decoded.raw['type'];
    if (type === 'challenge' || type === 'welcome' || type === 'error') {
      const parsed = parseServiceFrame(data, isBinary, this.protocol ?? Subprotocol.v1);
      if (!parsed.ok) {
        logger.warn('ignored an invalid handshake message', { error: parsed.error, reason: parsed.reason });
        return;
      }
      const message = parsed.message;
      if (message.type === 'challenge') this.#sendHello(message.nonce);
      else if (message.type === 'welcome') this.#onWelcome(message);
      else if (message.type === 'error') {
        // Service text, printed by `status` and the console log: no control characters.
        this.lastError = printable(`${message.code}: ${message.message.slice(0, 200)}`);
        logger.error('the service refused the session', { code: printable(message.code), message: printable(message.message.slice(0, 200)) });
      }
      return;
    }
    if (this.#state !== 'ready') {
      logger.warn('ignored a message before welcome', { type: typeof type === 'string' ? type.slice(0, 40) : typeof type });
      return;
    }
    if (type === 'serviceKeys') return this.#onServiceKeys(data, isBinary);
    this.emit('frame', decoded.raw);
  }

  /** Only where both sides listed keyRotation; a malformed one is refused here and never trusted. */
  #onServiceKeys(data: Buffer, isBinary: boolean): void {
    const { logger } = this.options;
    if (!this.features.has(Feature.keyRotation)) {
      logger.warn('refused a service key announcement: this session did not negotiate keyRotation');
      return;
    }
    const parsed = parseServiceFrame(data, isBinary);
    if (!parsed.ok || parsed.message.type !== 'serviceKeys') {
      logger.warn('refused a malformed service key announcement; the trusted keys are unchanged', { reason: parsed.ok ? 'not serviceKeys' : parsed.reason });
      return;
    }
    this.emit('serviceKeys', parsed.message);
  }

  #sendHello(nonce: string): void {
    const socket = this.#socket;
    if (socket === null || this.#state !== 'handshaking') return;
    const o = this.options;
    // Version 1's hello is exactly SPEC.md's: features only on version 2.
    const features = this.protocol === Subprotocol.v2 && (o.features ?? []).length > 0 ? { features: [...(o.features ?? [])] } : {};
    const hello = signHello(
      {
        type: 'hello',
        agentId: o.agentId,
        tenantId: o.tenantId,
        agentVersion: o.agentVersion,
        capabilities: o.capabilities,
        maxInFlight: o.maxInFlight,
        nonce,
        sentAt: formatTime(this.#now()),
        ...features,
      },
      o.signingKey,
    );
    socket.send(encodeMessage(hello));
  }

  #onWelcome(welcome: WelcomeMessage): void {
    const { logger, clockSkewMs } = this.options;
    if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = null;
    this.sessionId = welcome.sessionId;
    this.features = this.protocol === Subprotocol.v2 ? sharedFeatures(this.options.features ?? [], welcome.features) : new Set();
    this.lastError = null;
    this.lastFailure = null;
    this.#recordedAttempt = this.#attemptId;
    const serverTime = parseTime(welcome.serverTime);
    const skew = serverTime === null ? 0 : this.#now().getTime() - serverTime.getTime();
    if (Math.abs(skew) > clockSkewMs) {
      logger.warn("this machine's clock differs from the service's by more than the allowed skew: commands may be refused as expired; fix the time sync (NTP)", {
        skewMs: skew,
        allowedMs: clockSkewMs,
      });
    }
    this.#setState('ready');
    this.#startHeartbeat(welcome.heartbeatIntervalMs);
    logger.info('session established', { sessionId: welcome.sessionId, protocol: this.protocol, features: [...this.features] });
    this.emit('welcome', welcome);
  }

  /**
   * Names the failure as `diagnose` would ("TLS inspection suspected (issuer: …)", "proxy requires
   * authentication"), never with the library's text; a chain from an unknown CA is looked at once
   * more to name its issuer. An explanation that arrives after a later attempt was recorded is dropped.
   */
  #onConnectError(error: Error, attemptId: number): void {
    const record = (failure: ConnectFailure): void => {
      if (attemptId < this.#recordedAttempt || this.#state === 'stopped') return;
      this.#recordedAttempt = attemptId;
      this.lastError = failure.text;
      this.lastFailure = failure;
      this.options.logger.warn(`service connection failed: ${failure.text}`, { cause: failure.cause, fix: failure.fix });
      this.emit('failure', failure);
    };
    const failure = describeConnectFailure(error, this.options.endpoint);
    if (!needsCertificate(failure)) return record(failure);
    this.lastError = failure.text;
    this.lastFailure = failure;
    void explainConnectFailure(error, this.options.endpoint).then(record);
  }

  #startHeartbeat(intervalMs: number): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#lastSeen = Date.now();
    this.#heartbeat = setInterval(() => {
      const socket = this.#socket;
      if (socket === null) return;
      if (Date.now() - this.#lastSeen > 2 * intervalMs) {
        this.options.logger.warn('no frame or pong from the service for two heartbeat intervals; reconnecting', { intervalMs });
        socket.terminate();
        return;
      }
      try {
        socket.ping();
      } catch {
        socket.terminate();
      }
    }, intervalMs);
    this.#heartbeat.unref();
  }

  #clearTimers(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer);
    this.#heartbeat = null;
    this.#handshakeTimer = null;
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    if (this.#socket !== socket) return;
    this.#clearTimers();
    this.#socket = null;
    this.sessionId = null;
    this.protocol = null;
    this.features = new Set();
    const { logger } = this.options;
    if (this.#state === 'stopped') return;
    if (code === CloseCode.unauthorized) {
      this.#forceMaxBackoff = true;
      logger.error(
        'the service refused this agent (close 4001): check that the agent is registered with this service (run `writeback-agent register` again with a new token) and that the machine clock is right',
        { reason },
      );
    } else if (code === CloseCode.replaced) {
      this.#forceMaxBackoff = true;
      logger.warn('another connection of this same agent replaced this one (close 4002): is a second copy of the agent running with the same state directory?', { reason });
    } else {
      logger.warn('service connection closed', { code, reason });
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#state === 'stopped') return;
    const uptime = this.#connectedAt === 0 ? 0 : this.#now().getTime() - this.#connectedAt;
    this.#connectedAt = 0;
    this.#attempt = this.#forceMaxBackoff ? Math.max(maxAttempt(this.#backoff), this.#attempt) : nextAttempt(this.#attempt, uptime, this.#backoff);
    this.#forceMaxBackoff = false;
    const delay = backoffDelay(this.#attempt, this.#random, this.#backoff);
    this.#setState('waiting');
    this.options.logger.info('reconnecting to the service', { inMs: delay, attempt: this.#attempt });
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }
}
