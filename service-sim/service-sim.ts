import type { KeyObject } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  CloseCode,
  encodeMessage,
  keyPairFromJwk,
  signServiceKeys,
  toBase64Url,
  type AnnouncedServiceKey,
  type Command,
  type OkpPrivateJwk,
  type Result,
  type ServiceKey,
  type ServiceKeysMessage,
} from '../protocol/index.js';
import { AgentGateway, sessionInfo } from './agent-gateway.js';
import type { RegisteredAgent } from './agent-registry.js';
import type { HeldCheckpoint } from './audit-checkpoints.js';
import { CommandQueue } from './command-queue.js';
import type { CommandSpec } from './command-spec.js';
import type { Disposable, TypedEvents } from './events.js';
import type { ServiceSimOptions } from './options.js';
import { PendingCommand } from './pending-command.js';
import { privateKeyFrom, uuidFrom } from './randomness.js';
import { pingRound } from '../service/gateway/liveness.js';
import { registerAgent } from './registration.js';
import { cutConnections } from './outage.js';
import { listen, type ListeningServer } from './server.js';
import type { ServiceEvents, SessionInfo } from './service-events.js';
import { ServiceState } from './service-state.js';
import type { Transcript } from './transcript.js';

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
 * hooks for tests (events, transcript, raw frames, dropped and stalled connections). The wire
 * side lives in agent-gateway.ts, the state in service-state.ts, flow control in command-queue.ts.
 */
export class ServiceSim {
  readonly #state: ServiceState;
  readonly #queue: CommandQueue;
  readonly #gateway: AgentGateway;
  #listening: ListeningServer | null = null;
  #listenOptions: Parameters<typeof listen>[0] | null = null;
  #stopHeartbeat: () => void = () => undefined;
  #prepareSeq = 0;

  /** Starts listening on loopback; `url` and `port` are then set. */
  static async start(options: ServiceSimOptions = {}): Promise<ServiceSim> {
    const sim = new ServiceSim(options);
    const state = sim.#state;
    sim.#listenOptions = { host: options.host ?? '127.0.0.1', port: options.port ?? 0, tls: options.tls, subprotocols: state.subprotocols };
    sim.#listening = await listen(sim.#listenOptions, (ws) => sim.#gateway.accept(ws));
    if (options.dropSilentAgents === true) {
      const timer = setInterval(() => {
        // Stalled or deaf to pings, the service sends no pings either: the agent must see silence.
        if (state.stalled || !state.answerPings) return;
        pingRound(state.connections.values(), (connection) => state.logger.warn('terminating a silent agent connection', { connectionId: connection.id, agentId: connection.agentId }));
      }, state.heartbeatIntervalMs);
      timer.unref();
      sim.#stopHeartbeat = () => clearInterval(timer);
    }
    return sim;
  }

  private constructor(options: ServiceSimOptions) {
    const state = new ServiceState(options);
    this.#state = state;
    for (const key of options.signingKeys ?? [{ kid: 'k1' }]) this.addSigningKey(key.kid, key.jwk);
    this.#queue = new CommandQueue({
      sessionOf: (agentId) => state.sessions.get(agentId),
      sessionsOf: (tenantId) => state.sessionsOf(tenantId),
      sessions: () => state.sessions.values(),
      send: (session, command, frame) => this.#gateway.sendCommand(session, command, frame),
      paused: () => state.stalled || state.stopped || state.down,
    });
    this.#gateway = new AgentGateway(state, this.#queue);
  }

  get events(): TypedEvents<ServiceEvents> {
    return this.#state.events;
  }

  /** Every frame sent and received, in order. */
  get transcript(): Transcript {
    return this.#state.transcript;
  }

  /** Every ignored frame, by code. */
  get frameErrors(): readonly ServiceEvents['frameError'][] {
    return this.#state.frameErrors;
  }

  /** First ack per command id. */
  get acks(): ReadonlyMap<string, { agentId: string; at: string }> {
    return this.#state.acks;
  }

  get heartbeatIntervalMs(): number {
    return this.#state.heartbeatIntervalMs;
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
    return this.#state.results.map;
  }

  /** Refusals before authentication by command id (first one wins): answers to frames, never stored as results. */
  get refusalsBeforeAuthentication(): ReadonlyMap<string, Result> {
    return this.#state.refusals;
  }

  /** The agent's answer to a command id: its stored result, or its refusal of the frame before authentication (at once if it has one already). */
  answer(commandId: string, timeoutMs = 15_000): Promise<Result> {
    const state = this.#state;
    const known = state.results.map.get(commandId) ?? state.refusals.get(commandId);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const wake = (result: Result): void => {
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        const waiters = state.answerWaiters.get(commandId)?.filter((waiter) => waiter !== wake) ?? [];
        if (waiters.length > 0) state.answerWaiters.set(commandId, waiters);
        else state.answerWaiters.delete(commandId);
        reject(new Error(`no answer to command ${commandId} within ${timeoutMs} ms`));
      }, timeoutMs);
      state.answerWaiters.set(commandId, [...(state.answerWaiters.get(commandId) ?? []), wake]);
    });
  }

  // --- registration and keys -------------------------------------------------------------

  /** A one-time registration token for `tenantId` (base64url of 32 random bytes). */
  issueRegistrationToken(tenantId: string): string {
    const token = toBase64Url(this.#state.random.bytes(32));
    this.#state.tokens.add(token, tenantId);
    return token;
  }

  /** Registers an agent without the wire (tests that start from a registered agent). */
  addAgent(init: {
    tenantId: string;
    signingKey: string;
    encryptionKey: string;
    /** Default: a fresh UUID. */
    agentId?: string;
    agentName?: string;
    hostname?: string;
    agentVersion?: string;
  }): RegisteredAgent {
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
      { tokens: this.#state.tokens, registry: this.#state.registry, newAgentId: () => init.agentId ?? uuidFrom(this.#state.random), now: this.#state.clock.now() },
    );
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.agent;
  }

  agent(agentId: string): RegisteredAgent | undefined {
    return this.#state.registry.get(agentId);
  }

  /** Adds an Ed25519 signing key (from `jwk`, else generated); the first key is the active one. */
  addSigningKey(kid: string, jwk?: OkpPrivateJwk): ServiceKey {
    const privateKey = jwk === undefined ? privateKeyFrom(this.#state.random, 'Ed25519') : keyPairFromJwk(jwk).privateKey;
    const key = this.#state.keys.add(kid, privateKey);
    return { kid: key.kid, publicKey: key.publicKeyRaw };
  }

  /** New command frames are signed with `kid` from now on (frames built earlier keep theirs). */
  useSigningKey(kid: string): void {
    this.#state.keys.use(kid);
  }

  removeSigningKey(kid: string): void {
    this.#state.keys.remove(kid);
  }

  get activeKid(): string {
    return this.#state.keys.active.kid;
  }

  /** What `registered` announces. */
  serviceKeys(): ServiceKey[] {
    return this.#state.keys.list();
  }

  /** The private key of `kid` (tests that sign by hand). */
  signingPrivateKey(kid: string): KeyObject | undefined {
    return this.#state.keys.get(kid)?.privateKey;
  }

  /**
   * Announces the service's signing keys (docs/protocol.md, "Key rotation"): `kids` (default every
   * key) signed with `signWith` (default the active key), to every connected session that
   * negotiated keyRotation now, and to each agent's later sessions until it acknowledges this one.
   * Returns the frame's text, for tests that replay it.
   */
  announceServiceKeys(options: { kids?: readonly string[]; signWith?: string; issuedAt?: Date; windows?: Readonly<Record<string, { notBefore?: string; notAfter?: string }>> } = {}): string {
    const state = this.#state;
    const signer = options.signWith === undefined ? state.keys.active : state.keys.get(options.signWith);
    if (signer === undefined) throw new Error(`no signing key ${JSON.stringify(options.signWith)}`);
    const keys: AnnouncedServiceKey[] = (options.kids ?? state.keys.list().map((key) => key.kid)).map((kid) => {
      const key = state.keys.get(kid);
      if (key === undefined) throw new Error(`no signing key ${JSON.stringify(kid)}`);
      return { kid, publicKey: key.publicKeyRaw, ...options.windows?.[kid] };
    });
    const announcement = signServiceKeys({ keys, issuedAt: options.issuedAt ?? state.clock.now(), kid: signer.kid }, signer.privateKey);
    state.announcement = announcement;
    for (const session of state.sessions.values()) this.#gateway.announceTo(session, announcement);
    return encodeMessage(announcement);
  }

  /** The latest announcement, or null. */
  get announcement(): ServiceKeysMessage | null {
    return this.#state.announcement;
  }

  /** The last verified serviceKeysAck of each agent: when every agent lists a new key, the old one may go. */
  get keyAcks(): ReadonlyMap<string, { issuedAt: string; kids: readonly string[] }> {
    return this.#state.keyAcks;
  }

  /** The latest verified audit checkpoint of an agent (feature auditCheckpoint), as the agent signed it. */
  auditCheckpoint(agentId: string): HeldCheckpoint | undefined {
    return this.#state.auditCheckpoints.get(agentId);
  }

  // --- sessions ----------------------------------------------------------------------------

  session(agentId: string): SessionInfo | undefined {
    const session = this.#state.sessions.get(agentId);
    return session === undefined ? undefined : sessionInfo(session);
  }

  /** Agents with an open session, optionally of one tenant. */
  connectedAgents(tenantId?: string): string[] {
    return [...this.#state.sessions.values()].filter((session) => tenantId === undefined || session.tenantId === tenantId).map((session) => session.agentId);
  }

  /** Commands sent to the agent's open session without a result (0 when not connected). */
  outstanding(agentId: string): number {
    return this.#state.sessions.get(agentId)?.outstanding.size ?? 0;
  }

  // --- commands ----------------------------------------------------------------------------

  /**
   * Queues a command for one agent of the tenant (or the pinned `agentId`); it is sealed and
   * signed when an agent with credit takes it.
   */
  issueCommand(spec: CommandSpec): IssuedCommand {
    if (this.#state.stopped) throw new Error('the service is stopped');
    if (spec.agentId !== undefined) {
      const agent = this.#state.registry.get(spec.agentId);
      if (agent === undefined) throw new Error(`unknown agent ${spec.agentId}`);
      if (agent.tenantId !== spec.tenantId) throw new Error('the pinned agent is of another tenant (use sendSignedCommand for WRONG_AGENT tests)');
    }
    const id = spec.id ?? uuidFrom(this.#state.random);
    const fixed = { id, issuedAt: this.#state.clock.now(), ttlMs: spec.ttlMs ?? this.#state.defaultTtlMs };
    // A private copy: the caller's object may be reused; this one is dropped once the command settles.
    const own: CommandSpec = { ...spec, ...(spec.secret === undefined ? {} : { secret: { ...spec.secret } }) };
    const command = new PendingCommand({
      id,
      tenantId: spec.tenantId,
      pinnedAgentId: spec.agentId ?? null,
      build: (agentId) => this.#state.signer.frame(this.#state.signer.command(own, this.#state.requireAgent(agentId), fixed)),
    });
    this.#queue.add(command);
    return { id, result: command.promise };
  }

  /** C sealed to `spec.agentId`, not signed or sent: tests alter it and send it with `sendSignedCommand`. */
  buildCommand(spec: CommandSpec & { agentId: string }, options: { issuedAt?: Date } = {}): Command {
    const fixed = { id: spec.id ?? uuidFrom(this.#state.random), issuedAt: options.issuedAt ?? this.#state.clock.now(), ttlMs: spec.ttlMs ?? this.#state.defaultTtlMs };
    return this.#state.signer.command(spec, this.#state.requireAgent(spec.agentId), fixed);
  }

  /**
   * Signs any object as C and sends it to the agent's session now, outside the queue and flow
   * control. `kid` defaults to the active key, `signWith` to the key of `kid`. Returns the frame.
   */
  sendSignedCommand(agentId: string, command: Command | Record<string, unknown>, options: { kid?: string; signWith?: KeyObject } = {}): string {
    const frame = this.#state.signer.forgedFrame(command, options);
    this.sendRaw(agentId, frame);
    return frame;
  }

  /** Sends bytes as they are to the agent's session: a string as a text frame, a Buffer as a binary frame. */
  sendRaw(agentId: string, data: string | Buffer): void {
    const session = this.#state.sessions.get(agentId);
    if (session === undefined) throw new Error(`agent ${agentId} is not connected`);
    this.#gateway.send(session.connection, data);
  }

  /**
   * Builds signed, sealed frames now (so a timed part only writes them). Specs without `agentId`
   * are spread round robin over the tenant's connected agents (else its registered ones).
   */
  prepareCommands(specs: readonly CommandSpec[]): PreparedCommand[] {
    return specs.map((spec) => {
      const agentId = spec.agentId ?? this.#spreadAgent(spec.tenantId);
      const command = this.buildCommand({ ...spec, agentId });
      return { id: command.id, tenantId: spec.tenantId, agentId, command, frame: this.#state.signer.frame(command) };
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
    const session = this.#state.sessions.get(agentId);
    if (session === undefined) return false;
    session.connection.ws.terminate();
    return true;
  }

  /** Closes the agent's connection with a close frame. */
  closeAgent(agentId: string, code: number = CloseCode.normal, reason = ''): boolean {
    const session = this.#state.sessions.get(agentId);
    if (session === undefined) return false;
    session.connection.ws.close(code, reason);
    return true;
  }

  /**
   * Stalled: connections are accepted and never answered (no challenge, frames recorded but not
   * processed, no pongs, no commands). Un-stalling challenges the connections that got none.
   */
  setStalled(stalled: boolean): void {
    this.#state.stalled = stalled;
    if (stalled) return;
    for (const connection of this.#state.connections.values()) {
      if (connection.phase === 'open' && connection.nonce === null) this.#gateway.challenge(connection);
    }
    this.#queue.pump();
  }

  /**
   * Stops (or resumes) answering WebSocket pings, so agents see a dead link; the service's own
   * heartbeat pings pause too (a ping is a frame, and any frame would keep the agent's link alive).
   */
  setAnswerPings(answer: boolean): void {
    this.#state.answerPings = answer;
  }

  /**
   * A crash and restart of the service on the same port: the listener closes, every connection is
   * cut without a close frame, and after `downMs` the service listens again (same URL, same TLS
   * certificate). What a real service keeps in its database survives: registered agents, signing
   * keys, stored results, and every command without a result yet (those that were outstanding
   * are redelivered once an agent is back). Agents must reconnect by themselves.
   */
  async restart(options: { downMs?: number } = {}): Promise<void> {
    const state = this.#state;
    if (state.stopped) throw new Error('the service is stopped');
    if (state.down) throw new Error('the service is already restarting');
    const listening = this.#server;
    state.down = true;
    try {
      // close() waits for every socket to end, so it must not be awaited before they are cut.
      const closed = listening.close();
      await cutConnections(state);
      await closed;
      this.#listening = null;
      if ((options.downMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.downMs));
      this.#listening = await listen({ ...this.#listenOptions!, port: listening.port }, (ws) => this.#gateway.accept(ws));
    } finally {
      state.down = false;
    }
    this.#queue.pump();
  }

  /** Closes every socket with 1001 (terminating those that do not finish within a second) and the server. */
  async stop(): Promise<void> {
    if (this.#state.stopped) return;
    this.#state.stopped = true;
    this.#stopHeartbeat();
    this.#queue.failAll(new Error('the service stopped before the command had a result'));
    const closing = [...this.#state.connections.values()].map(
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

  get #server(): ListeningServer {
    if (this.#listening === null) throw new Error('the service is not started');
    return this.#listening;
  }

  #spreadAgent(tenantId: string): string {
    const connected = this.connectedAgents(tenantId);
    const candidates = connected.length > 0 ? connected : this.#state.registry.ofTenant(tenantId).map((agent) => agent.agentId);
    const agentId = candidates[this.#prepareSeq++ % Math.max(candidates.length, 1)];
    if (agentId === undefined) throw new Error(`tenant ${tenantId} has no registered agent`);
    return agentId;
  }
}
