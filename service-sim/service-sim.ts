import type { KeyObject } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import {
  CloseCode,
  DEFAULT_CLOCK_SKEW_MS,
  encodeMessage,
  formatTime,
  keyPairFromJwk,
  parseAgentFrame,
  toBase64Url,
  verifyResult,
  type AckMessage,
  type Command,
  type HelloMessage,
  type RegisterMessage,
  type Result,
  type ResultMessage,
  type ServiceKey,
  type ServiceMessage,
  type OkpPrivateJwk,
  FrameError,
} from '../protocol/index.js';
import { AgentRegistry, type RegisteredAgent } from './agent-registry.js';
import { CommandQueue } from './command-queue.js';
import { CommandSigner } from './command-signer.js';
import type { CommandSpec } from './command-spec.js';
import { Connection } from './connection.js';
import { IgnoredFrame, ResultRefusal, ServiceErrorCode } from './error-codes.js';
import { TypedEvents, type Disposable } from './events.js';
import { startHeartbeat } from './heartbeat.js';
import { checkHello } from './hello-check.js';
import {
  DEFAULT_COMMAND_TTL_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_PATH,
  silentLogger,
  systemClock,
  type Clock,
  type RandomSource,
  type ServiceLogger,
  type ServiceSimOptions,
} from './options.js';
import { PendingCommand } from './pending-command.js';
import { cryptoRandom, privateKeyFrom, uuidFrom } from './randomness.js';
import { registerAgent } from './registration.js';
import { RegistrationTokens } from './registration-tokens.js';
import { ResultStore } from './result-store.js';
import { listen, type ListeningServer } from './server.js';
import type { ServiceEvents, SessionInfo } from './service-events.js';
import { Session } from './session.js';
import { SigningKeys } from './signing-keys.js';
import { Transcript } from './transcript.js';

/** A command handed to the queue: its id and its first verified result. */
export interface IssuedCommand {
  id: string;
  /** Resolves with the first verified result; rejects only when the service stops first. */
  result: Promise<Result>;
}

/** A signed, sealed frame built ahead of time (benchmarks), pinned to one agent. */
export interface PreparedCommand {
  id: string;
  tenantId: string;
  agentId: string;
  command: Command;
  frame: string;
}

const STOP_GRACE_MS = 1000;

/**
 * The simulated cloud reset service: the service side of SPEC.md over real WebSockets, with
 * hooks for tests (events, transcript, raw frames, dropped and stalled connections).
 */
export class ServiceSim {
  readonly events: TypedEvents<ServiceEvents>;
  readonly transcript: Transcript;
  /** Every ignored frame, by code. */
  readonly frameErrors: ServiceEvents['frameError'][] = [];
  /** First ack per command id. */
  readonly acks = new Map<string, { agentId: string; at: string }>();
  readonly heartbeatIntervalMs: number;

  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #logger: ServiceLogger;
  readonly #helloTimeoutMs: number;
  readonly #clockSkewMs: number;
  readonly #defaultTtlMs: number;
  readonly #keys = new SigningKeys();
  readonly #signer: CommandSigner;
  readonly #tokens = new RegistrationTokens();
  readonly #registry = new AgentRegistry();
  readonly #results = new ResultStore();
  readonly #queue: CommandQueue;
  readonly #connections = new Map<number, Connection>();
  readonly #sessions = new Map<string, Session>();
  #listening: ListeningServer | null = null;
  #stopHeartbeat: () => void = () => undefined;
  #connectionSeq = 0;
  #prepareSeq = 0;
  #stalled = false;
  #answerPings = true;
  #stopped = false;

  /** Starts listening; `url` and `port` are then set. */
  static async start(options: ServiceSimOptions = {}): Promise<ServiceSim> {
    const sim = new ServiceSim(options);
    sim.#listening = await listen(
      { host: options.host ?? '127.0.0.1', port: options.port ?? 0, path: options.path ?? DEFAULT_PATH, tls: options.tls },
      (ws) => sim.#accept(ws),
    );
    if (options.dropSilentAgents === true) {
      sim.#stopHeartbeat = startHeartbeat(sim.heartbeatIntervalMs, {
        connections: () => sim.#connections.values(),
        // Stalled or deaf to pings, the service sends no pings either: the agent must see silence.
        paused: () => sim.#stalled || !sim.#answerPings,
        onDead: (connection) => sim.#logger.warn('terminating a silent agent connection', { connectionId: connection.id, agentId: connection.agentId }),
      });
    }
    return sim;
  }

  private constructor(options: ServiceSimOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
    this.#logger = options.logger ?? silentLogger;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    // The range an agent accepts in `welcome` (protocol/validate-message.ts).
    if (!Number.isInteger(this.heartbeatIntervalMs) || this.heartbeatIntervalMs < 1000 || this.heartbeatIntervalMs > 3_600_000) {
      throw new Error('heartbeatIntervalMs must be an integer from 1000 to 3600000');
    }
    this.#helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.#clockSkewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    this.#defaultTtlMs = options.defaultTtlMs ?? DEFAULT_COMMAND_TTL_MS;
    this.transcript = new Transcript(options.recordTranscript ?? true);
    this.events = new TypedEvents((name, error) => this.#logger.error('an event listener threw', { event: name, error: String(error) }));
    this.#signer = new CommandSigner(this.#keys, this.#random);
    for (const key of options.signingKeys ?? [{ kid: 'k1' }]) this.addSigningKey(key.kid, key.jwk);
    this.#queue = new CommandQueue({
      sessionOf: (agentId) => this.#sessions.get(agentId),
      sessionsOf: (tenantId) => [...this.#sessions.values()].filter((session) => session.tenantId === tenantId),
      sessions: () => this.#sessions.values(),
      send: (session, command, frame) => {
        this.#send(session.connection, frame);
        this.events.emit('commandSent', {
          agentId: session.agentId,
          commandId: command.id,
          outstanding: session.outstanding.size,
          maxInFlight: session.maxInFlight,
          redelivery: command.sends > 1,
        });
      },
      paused: () => this.#stalled || this.#stopped,
    });
  }

  /** `ws://127.0.0.1:PORT/agent/v1` (or wss://). */
  get url(): string {
    return this.#server.url;
  }

  get port(): number {
    return this.#server.port;
  }

  on<K extends keyof ServiceEvents>(name: K, listener: (event: ServiceEvents[K]) => void): Disposable {
    return this.events.on(name, listener);
  }

  waitFor<K extends keyof ServiceEvents>(name: K, predicate?: (event: ServiceEvents[K]) => boolean, timeoutMs?: number): Promise<ServiceEvents[K]> {
    return this.events.waitFor(name, predicate, timeoutMs);
  }

  /** Stored results by command id (first verified result wins). */
  get results(): ReadonlyMap<string, Result> {
    return this.#results.map;
  }

  // --- registration and keys -------------------------------------------------------------

  /** A one-time registration token for `tenantId` (base64url of 32 random bytes). */
  issueRegistrationToken(tenantId: string): string {
    const token = toBase64Url(this.#random.bytes(32));
    this.#tokens.add(token, tenantId);
    return token;
  }

  /** Registers an agent without the wire (tests that start from a registered agent). */
  addAgent(init: { tenantId: string; signingKey: string; encryptionKey: string; agentName?: string; hostname?: string; agentVersion?: string }): RegisteredAgent {
    const outcome = registerAgent(
      {
        type: 'register',
        token: this.issueRegistrationToken(init.tenantId),
        agentName: init.agentName ?? 'test-agent',
        hostname: init.hostname ?? 'localhost',
        agentVersion: init.agentVersion ?? '0.0.0',
        signingKey: init.signingKey,
        encryptionKey: init.encryptionKey,
      },
      { tokens: this.#tokens, registry: this.#registry, newAgentId: () => uuidFrom(this.#random), now: this.#clock.now() },
    );
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.agent;
  }

  agent(agentId: string): RegisteredAgent | undefined {
    return this.#registry.get(agentId);
  }

  /** Adds an Ed25519 signing key (from `jwk`, else generated); the first key is the active one. */
  addSigningKey(kid: string, jwk?: OkpPrivateJwk): ServiceKey {
    const privateKey = jwk === undefined ? privateKeyFrom(this.#random, 'Ed25519') : keyPairFromJwk(jwk).privateKey;
    const key = this.#keys.add(kid, privateKey);
    return { kid: key.kid, publicKey: key.publicKeyRaw };
  }

  /** New command frames are signed with `kid` from now on (frames built earlier keep theirs). */
  useSigningKey(kid: string): void {
    this.#keys.use(kid);
  }

  removeSigningKey(kid: string): void {
    this.#keys.remove(kid);
  }

  get activeKid(): string {
    return this.#keys.active.kid;
  }

  /** What `registered` announces. */
  serviceKeys(): ServiceKey[] {
    return this.#keys.list();
  }

  /** The private key of `kid` (tests that sign by hand). */
  signingPrivateKey(kid: string): KeyObject | undefined {
    return this.#keys.get(kid)?.privateKey;
  }

  // --- sessions ----------------------------------------------------------------------------

  session(agentId: string): SessionInfo | undefined {
    const session = this.#sessions.get(agentId);
    return session === undefined ? undefined : sessionInfo(session);
  }

  /** Agents with an open session, optionally of one tenant. */
  connectedAgents(tenantId?: string): string[] {
    return [...this.#sessions.values()].filter((session) => tenantId === undefined || session.tenantId === tenantId).map((session) => session.agentId);
  }

  /** Commands sent to the agent's open session without a result (0 when not connected). */
  outstanding(agentId: string): number {
    return this.#sessions.get(agentId)?.outstanding.size ?? 0;
  }

  // --- commands ----------------------------------------------------------------------------

  /**
   * Queues a command for one agent of the tenant (or the pinned `agentId`); it is sealed and
   * signed when an agent with credit takes it.
   */
  issueCommand(spec: CommandSpec): IssuedCommand {
    if (spec.agentId !== undefined) {
      const agent = this.#registry.get(spec.agentId);
      if (agent === undefined) throw new Error(`unknown agent ${spec.agentId}`);
      if (agent.tenantId !== spec.tenantId) throw new Error('the pinned agent is of another tenant (use sendSignedCommand for WRONG_AGENT tests)');
    }
    const id = spec.id ?? uuidFrom(this.#random);
    const fixed = { id, issuedAt: this.#clock.now(), ttlMs: spec.ttlMs ?? this.#defaultTtlMs };
    // A private copy: the caller's object may be reused; this one is dropped once the command settles.
    const own: CommandSpec = { ...spec, ...(spec.secret === undefined ? {} : { secret: { ...spec.secret } }) };
    const command = new PendingCommand({
      id,
      tenantId: spec.tenantId,
      pinnedAgentId: spec.agentId ?? null,
      build: (agentId) => this.#signer.frame(this.#signer.command(own, this.#requireAgent(agentId), fixed)),
    });
    this.#queue.add(command);
    return { id, result: command.promise };
  }

  /** C sealed to `spec.agentId`, not signed or sent: tests alter it and send it with `sendSignedCommand`. */
  buildCommand(spec: CommandSpec & { agentId: string }, options: { issuedAt?: Date } = {}): Command {
    const fixed = { id: spec.id ?? uuidFrom(this.#random), issuedAt: options.issuedAt ?? this.#clock.now(), ttlMs: spec.ttlMs ?? this.#defaultTtlMs };
    return this.#signer.command(spec, this.#requireAgent(spec.agentId), fixed);
  }

  /**
   * Signs any object as C and sends it to the agent's session now, outside the queue and flow
   * control. `kid` defaults to the active key, `signWith` to the key of `kid`. Returns the frame.
   */
  sendSignedCommand(agentId: string, command: Command | Record<string, unknown>, options: { kid?: string; signWith?: KeyObject } = {}): string {
    const frame = this.#signer.forgedFrame(command, options);
    this.sendRaw(agentId, frame);
    return frame;
  }

  /** Sends bytes as they are to the agent's session: a string as a text frame, a Buffer as a binary frame. */
  sendRaw(agentId: string, data: string | Buffer): void {
    const session = this.#sessions.get(agentId);
    if (session === undefined) throw new Error(`agent ${agentId} is not connected`);
    this.#send(session.connection, data);
  }

  /**
   * Builds signed, sealed frames now (so a timed part only writes them). Specs without `agentId`
   * are spread round robin over the tenant's connected agents (else its registered ones).
   */
  prepareCommands(specs: readonly CommandSpec[]): PreparedCommand[] {
    return specs.map((spec) => {
      const agentId = spec.agentId ?? this.#spreadAgent(spec.tenantId);
      const command = this.buildCommand({ ...spec, agentId });
      return { id: command.id, tenantId: spec.tenantId, agentId, command, frame: this.#signer.frame(command) };
    });
  }

  /** Queues prepared frames (flow control still applies); each is pinned to its agent. */
  sendPrepared(prepared: readonly PreparedCommand[]): IssuedCommand[] {
    const issued = prepared.map((item) => {
      const command = new PendingCommand({ id: item.id, tenantId: item.tenantId, pinnedAgentId: item.agentId, build: null });
      command.frames.set(item.agentId, item.frame);
      this.#queue.add(command, false);
      return { id: item.id, result: command.promise };
    });
    this.#queue.pump();
    return issued;
  }

  /** Commands issued and without a result yet. */
  get pendingCommands(): number {
    return this.#queue.pendingCount;
  }

  // --- chaos -------------------------------------------------------------------------------

  /** Kills the agent's connection without a close frame (ws terminate). */
  dropAgent(agentId: string): boolean {
    const session = this.#sessions.get(agentId);
    if (session === undefined) return false;
    session.connection.ws.terminate();
    return true;
  }

  /** Closes the agent's connection with a close frame. */
  closeAgent(agentId: string, code: number = CloseCode.normal, reason = ''): boolean {
    const session = this.#sessions.get(agentId);
    if (session === undefined) return false;
    session.connection.ws.close(code, reason);
    return true;
  }

  /**
   * Stalled: connections are accepted and never answered (no challenge, frames recorded but not
   * processed, no pongs, no commands). Un-stalling challenges the connections that got none.
   */
  setStalled(stalled: boolean): void {
    this.#stalled = stalled;
    if (stalled) return;
    for (const connection of this.#connections.values()) {
      if (connection.phase === 'open' && connection.nonce === null) this.#challenge(connection);
    }
    this.#queue.pump();
  }

  /**
   * Stops (or resumes) answering WebSocket pings, so agents see a dead link; the service's own
   * heartbeat pings pause too (a ping is a frame, and any frame would keep the agent's link alive).
   */
  setAnswerPings(answer: boolean): void {
    this.#answerPings = answer;
  }

  /** Closes every socket with 1001 (terminating those that do not finish within a second) and the server. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopHeartbeat();
    this.#queue.failAll(new Error('the service stopped before the command had a result'));
    const closing = [...this.#connections.values()].map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.clearHelloTimer();
          if (connection.ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => connection.ws.terminate(), STOP_GRACE_MS);
          connection.ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          connection.ws.close(CloseCode.goingAway, 'service stopping');
        }),
    );
    await Promise.all(closing);
    await this.#listening?.close();
  }

  // --- the wire ------------------------------------------------------------------------------

  get #server(): ListeningServer {
    if (this.#listening === null) throw new Error('the service is not started');
    return this.#listening;
  }

  #accept(ws: WebSocket): void {
    const connection = new Connection(++this.#connectionSeq, ws);
    if (this.#stopped) {
      ws.close(CloseCode.goingAway, 'service stopping');
      return;
    }
    this.#connections.set(connection.id, connection);
    ws.on('message', (data, isBinary) => this.#onFrame(connection, toBuffer(data), isBinary));
    ws.on('ping', (data) => {
      connection.alive = true;
      if (this.#answerPings && !this.#stalled) ws.pong(data);
    });
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws has already closed the socket (1009 for a frame over maxPayload, 1002 for a bad frame).
      const code = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? FrameError.FRAME_TOO_LARGE : error.code;
      if (code === FrameError.FRAME_TOO_LARGE) this.#ignored(connection, FrameError.FRAME_TOO_LARGE);
      else this.#logger.warn('agent connection error', { connectionId: connection.id, code });
    });
    ws.on('close', (code) => this.#onClose(connection, code));
    this.events.emit('connection', { connectionId: connection.id });
    if (!this.#stalled) this.#challenge(connection);
  }

  /** Sends the challenge and starts the hello timeout (a stalled service does neither). */
  #challenge(connection: Connection): void {
    connection.nonce = toBase64Url(this.#random.bytes(32));
    this.#sendMessage(connection, { type: 'challenge', nonce: connection.nonce });
    connection.helloTimer = setTimeout(() => {
      if (connection.phase === 'open' && !this.#stalled) this.#refuse(connection, ServiceErrorCode.HELLO_TIMEOUT, 'no register or hello in time');
    }, this.#helloTimeoutMs);
    connection.helloTimer.unref();
  }

  #onFrame(connection: Connection, data: Buffer, isBinary: boolean): void {
    connection.alive = true;
    const entry = this.transcript.record({
      at: formatTime(this.#clock.now()),
      direction: 'in',
      connectionId: connection.id,
      agentId: connection.agentId,
      text: isBinary ? data.toString('base64') : data.toString('utf8'),
      binary: isBinary,
    });
    this.events.emit('frame', entry);
    if (this.#stalled || this.#stopped || connection.phase === 'closed') return;
    try {
      this.#dispatch(connection, data, isBinary);
    } catch (error) {
      // A bug here must not crash the test process that hosts the service.
      this.#logger.error('internal error handling an agent frame', { connectionId: connection.id, error: error instanceof Error ? error.name : 'unknown' });
    }
  }

  #dispatch(connection: Connection, data: Buffer, isBinary: boolean): void {
    const parsed = parseAgentFrame(data, isBinary);
    if (!parsed.ok) return this.#ignored(connection, parsed.error);
    const message = parsed.message;
    switch (message.type) {
      case 'register':
        return connection.phase === 'open' ? this.#onRegister(connection, message) : this.#ignored(connection, IgnoredFrame.UNEXPECTED_MESSAGE);
      case 'hello':
        return connection.phase === 'open' ? this.#onHello(connection, message) : this.#ignored(connection, IgnoredFrame.UNEXPECTED_MESSAGE);
      case 'ack':
        return connection.session === null ? this.#ignored(connection, IgnoredFrame.UNEXPECTED_MESSAGE) : this.#onAck(connection.session, message);
      case 'result':
        return connection.session === null ? this.#ignored(connection, IgnoredFrame.UNEXPECTED_MESSAGE) : this.#onResult(connection.session, message);
    }
  }

  #onRegister(connection: Connection, message: RegisterMessage): void {
    connection.clearHelloTimer();
    connection.phase = 'registering';
    const outcome = registerAgent(message, {
      tokens: this.#tokens,
      registry: this.#registry,
      newAgentId: () => uuidFrom(this.#random),
      now: this.#clock.now(),
    });
    if (!outcome.ok) {
      this.events.emit('registrationRefused', { connectionId: connection.id, code: outcome.code });
      return this.#refuse(connection, outcome.code, outcome.message);
    }
    const { agent } = outcome;
    this.#logger.info('agent registered', { agentId: agent.agentId, tenantId: agent.tenantId });
    this.#sendMessage(connection, { type: 'registered', agentId: agent.agentId, tenantId: agent.tenantId, serviceKeys: this.#keys.list() });
    this.events.emit('registered', { connectionId: connection.id, agentId: agent.agentId, tenantId: agent.tenantId, agentName: agent.agentName });
    connection.phase = 'closed';
    connection.ws.close(CloseCode.normal, 'registered');
  }

  #onHello(connection: Connection, hello: HelloMessage): void {
    connection.clearHelloTimer();
    const check = checkHello(hello, { registry: this.#registry, challengeNonce: connection.nonce, now: this.#clock.now(), clockSkewMs: this.#clockSkewMs });
    if (!check.ok) {
      this.#logger.warn('hello refused', { connectionId: connection.id, code: check.code });
      this.events.emit('helloRefused', { connectionId: connection.id, agentId: hello.agentId, code: check.code });
      return this.#refuse(connection, check.code, check.message);
    }
    const previous = this.#sessions.get(hello.agentId);
    if (previous !== undefined) {
      this.#sendMessage(previous.connection, { type: 'error', code: ServiceErrorCode.REPLACED, message: 'another connection of this agent took over' });
      previous.connection.phase = 'closed';
      previous.connection.ws.close(CloseCode.replaced, 'replaced');
      this.#endSession(previous, CloseCode.replaced, true);
    }
    const session = new Session({
      sessionId: uuidFrom(this.#random),
      agentId: hello.agentId,
      tenantId: hello.tenantId,
      maxInFlight: hello.maxInFlight,
      capabilities: hello.capabilities,
      connection,
    });
    connection.session = session;
    connection.phase = 'session';
    this.#sessions.set(session.agentId, session);
    this.#sendMessage(connection, {
      type: 'welcome',
      sessionId: session.sessionId,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      serverTime: formatTime(this.#clock.now()),
    });
    this.#logger.info('agent connected', { agentId: session.agentId, sessionId: session.sessionId, maxInFlight: session.maxInFlight });
    this.events.emit('agentConnected', sessionInfo(session));
    this.#queue.pump();
  }

  #onAck(session: Session, message: AckMessage): void {
    if (!this.acks.has(message.commandId)) this.acks.set(message.commandId, { agentId: session.agentId, at: formatTime(this.#clock.now()) });
    this.events.emit('ack', { agentId: session.agentId, commandId: message.commandId, known: this.#queue.get(message.commandId) !== undefined });
  }

  #onResult(session: Session, message: ResultMessage): void {
    const { result } = message;
    const agent = this.#requireAgent(session.agentId);
    const refusal =
      result.agentId !== session.agentId ? ResultRefusal.WRONG_AGENT : verifyResult(message, agent.signingKey) ? null : ResultRefusal.INVALID_SIGNATURE;
    if (refusal !== null) {
      this.#logger.warn('result refused', { agentId: session.agentId, commandId: result.commandId, reason: refusal });
      this.events.emit('resultRefused', { agentId: session.agentId, commandId: result.commandId, reason: refusal });
      return;
    }
    this.#queue.answered(session, result.commandId);
    const outcome = this.#results.offer(result);
    const command = this.#queue.get(result.commandId);
    if (outcome === 'stored') {
      if (command !== undefined && !command.settled) {
        command.settle(result);
        this.#queue.settled(command);
      }
      this.events.emit('result', { agentId: session.agentId, result, known: command !== undefined });
    } else {
      if (outcome === 'conflicting') this.#logger.warn('a second, different result for a command (the first one stays)', { agentId: session.agentId, commandId: result.commandId });
      this.events.emit('duplicateResult', { agentId: session.agentId, result, identical: outcome === 'identical' });
    }
    this.#sendMessage(session.connection, { type: 'resultAck', commandId: result.commandId });
    this.#queue.pump();
  }

  #onClose(connection: Connection, code: number): void {
    connection.phase = 'closed';
    connection.clearHelloTimer();
    this.#connections.delete(connection.id);
    if (connection.session !== null) this.#endSession(connection.session, code, false);
    this.events.emit('connectionClosed', { connectionId: connection.id, agentId: connection.agentId, code });
  }

  #endSession(session: Session, code: number, replaced: boolean): void {
    if (session.closed) return;
    if (this.#sessions.get(session.agentId) === session) this.#sessions.delete(session.agentId);
    this.#logger.info('agent disconnected', { agentId: session.agentId, sessionId: session.sessionId, code, replaced });
    this.events.emit('agentDisconnected', { agentId: session.agentId, sessionId: session.sessionId, connectionId: session.connection.id, code, replaced });
    this.#queue.sessionClosed(session);
  }

  /** error + close 4001 (SPEC.md section 5). */
  #refuse(connection: Connection, code: ServiceErrorCode, message: string): void {
    this.#sendMessage(connection, { type: 'error', code, message });
    connection.phase = 'closed';
    connection.ws.close(CloseCode.unauthorized, code);
  }

  #ignored(connection: Connection, error: ServiceEvents['frameError']['error']): void {
    const event = { connectionId: connection.id, agentId: connection.agentId, error };
    this.frameErrors.push(event);
    this.#logger.warn('ignored an agent frame', event);
    this.events.emit('frameError', event);
  }

  #sendMessage(connection: Connection, message: ServiceMessage): void {
    this.#send(connection, encodeMessage(message));
  }

  /** The one way out: recorded in the transcript, then written (dropped if the socket is no longer open). */
  #send(connection: Connection, data: string | Buffer): void {
    if (connection.ws.readyState !== WebSocket.OPEN) {
      this.#logger.debug('not sending on a connection that is not open', { connectionId: connection.id });
      return;
    }
    const binary = typeof data !== 'string';
    const entry = this.transcript.record({
      at: formatTime(this.#clock.now()),
      direction: 'out',
      connectionId: connection.id,
      agentId: connection.agentId,
      text: binary ? data.toString('base64') : data,
      binary,
    });
    this.events.emit('frame', entry);
    connection.ws.send(data);
  }

  #requireAgent(agentId: string): RegisteredAgent {
    const agent = this.#registry.get(agentId);
    if (agent === undefined) throw new Error(`unknown agent ${agentId}`);
    return agent;
  }

  #spreadAgent(tenantId: string): string {
    const connected = this.connectedAgents(tenantId);
    const candidates = connected.length > 0 ? connected : this.#registry.ofTenant(tenantId).map((agent) => agent.agentId);
    const agentId = candidates[this.#prepareSeq++ % Math.max(candidates.length, 1)];
    if (agentId === undefined) throw new Error(`tenant ${tenantId} has no registered agent`);
    return agentId;
  }
}

function sessionInfo(session: Session): SessionInfo {
  return {
    agentId: session.agentId,
    tenantId: session.tenantId,
    sessionId: session.sessionId,
    connectionId: session.connection.id,
    maxInFlight: session.maxInFlight,
    capabilities: session.capabilities,
    outstanding: session.outstanding.size,
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
