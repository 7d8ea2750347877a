import { randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { CloseCode, publicKeyFromRaw, type AuditCheckpoint, type Command, type OkpPrivateJwk, type Result, type ServiceKey, type ServiceKeysMessage } from '../protocol/index.js';
import { defaultConfig, type ServiceConfig } from '../service/config/service-config.js';
import { IN_MEMORY_SQLITE, openMigrated, type ServiceDb } from '../service/db/open-database.js';
import { AgentGateway } from '../service/gateway/agent-gateway.js';
import type { NodeContext } from '../service/gateway/node-context.js';
import { SigningKeyring } from '../service/keys/signing-keyring.js';
import { getAgent, insertAgent } from '../service/store/agents.js';
import { latestAuditCheckpoint } from '../service/store/audit-checkpoints.js';
import { getResult } from '../service/store/results.js';
import { newToken } from '../service/store/secret-hash.js';
import { CommandIssuer, type IssuedCommand } from './command-issuer.js';
import { CommandLedger } from './command-ledger.js';
import type { CommandSpec } from './command-spec.js';
import { TypedEvents, type Disposable } from './events.js';
import { Faults } from './faults.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, silentLogger, systemClock, type ServiceSimOptions } from './options.js';
import { PreparedFrames, type PreparedCommand } from './prepared-frames.js';
import { RigHooks } from './rig-hooks.js';
import { RigKeys, type AnnouncementOptions } from './rig-keys.js';
import { ensureTenant, registeredAgent, storeRegistrationToken, type RegisteredAgent } from './rig-store.js';
import { listen, type ListeningServer } from './server.js';
import type { FrameErrorEvent, ServiceEvents, SessionInfo } from './service-events.js';
import { Transcript } from './transcript.js';

export type { IssuedCommand } from './command-issuer.js';
export type { AnnouncementOptions } from './rig-keys.js';

/** A checkpoint the service holds for an agent, and when it arrived. */
export interface HeldCheckpoint {
  checkpoint: AuditCheckpoint;
  receivedAt: string;
}

/**
 * A test rig over the real reset service: the service's agent gateway, dispatcher and store
 * (service/) on an in-memory SQLite database, with signing keys held in memory, listening on
 * loopback. Registration, the handshake, flow control, redelivery and result storage are the
 * service's; the rig adds what tests need around them through the gateway's hooks
 * (service/gateway/gateway-hooks.ts): events, a transcript, raw and forged frames, dropped and
 * stalled connections, unanswered pings, and a restart on the same port with the same database.
 * This class is the rig's face; its parts are the hooks (rig-hooks.ts) and what they record
 * (command-ledger.ts), the keys (rig-keys.ts), commands (command-issuer.ts) and faults (faults.ts).
 */
export class ServiceSim {
  readonly events: TypedEvents<ServiceEvents>;
  /** Every frame sent and received, in order. */
  readonly transcript: Transcript;
  /** Every ignored frame, by code. */
  readonly frameErrors: FrameErrorEvent[] = [];
  readonly context: NodeContext;
  readonly gateway: AgentGateway;
  readonly #ledger = new CommandLedger();
  readonly #prepared = new PreparedFrames({
    session: (agentId) => this.gateway.sessions.get(agentId),
    send: (session, item, outstanding) => {
      this.gateway.sendRaw(session.connection, item.frame);
      this.events.emit('commandSent', { agentId: session.agentId, commandId: item.id, outstanding, maxInFlight: session.maxInFlight, redelivery: false });
    },
    answered: (commandId) => this.#ledger.answers.has(commandId),
  });
  /** Registration tokens being written: a `register` waits for them (the rig hands tokens out at once). */
  readonly #tokenWrites = new Set<Promise<unknown>>();
  readonly #hooks: RigHooks;
  readonly #faults: Faults;
  readonly #keys: RigKeys;
  readonly #commands: CommandIssuer;
  #listening: ListeningServer | null = null;
  #stopped = false;

  private constructor(
    readonly options: ServiceSimOptions,
    config: ServiceConfig,
    store: ServiceDb,
    readonly keyring: SigningKeyring,
  ) {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    this.events = new TypedEvents((name, error) => logger.error('an event listener threw', { event: name, error: String(error) }));
    this.transcript = new Transcript(options.recordTranscript ?? true);
    const stopped = (): boolean => this.#stopped;
    this.#hooks = new RigHooks({
      now: () => clock.now(),
      events: this.events,
      transcript: this.transcript,
      frameErrors: this.frameErrors,
      ledger: this.#ledger,
      prepared: this.#prepared,
      tokenWrites: this.#tokenWrites,
      faults: () => this.#faults,
      stopped,
    });
    this.context = {
      nodeId: randomUUID(),
      store,
      keys: keyring,
      config,
      logger,
      now: () => clock.now(),
      hooks: this.#hooks.gatewayHooks(),
      ...(options.features === undefined ? {} : { features: options.features }),
    };
    this.gateway = new AgentGateway(this.context);
    this.#faults = new Faults({
      gateway: this.gateway,
      stopped,
      server: () => this.#server,
      closed: () => {
        this.#listening = null;
      },
      listen: async (port) => {
        this.#listening = await this.#listen(port);
      },
    });
    this.#keys = new RigKeys(this);
    this.#commands = new CommandIssuer({ context: this.context, gateway: this.gateway, ledger: this.#ledger, keys: this.#keys, prepared: this.#prepared, stopped });
  }

  /** Starts the service on an in-memory database and listens on loopback; `url` and `port` are then set. */
  static async start(options: ServiceSimOptions = {}): Promise<ServiceSim> {
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    // The range an agent accepts in `welcome` (protocol/validate-message.ts).
    if (!Number.isInteger(heartbeatIntervalMs) || heartbeatIntervalMs < 1000 || heartbeatIntervalMs > 3_600_000) throw new Error('heartbeatIntervalMs must be an integer from 1000 to 3600000');
    if (options.subprotocols?.length === 0) throw new Error('subprotocols must name at least one version');
    const base = defaultConfig();
    const config: ServiceConfig = {
      ...base,
      agents: {
        ...base.agents,
        heartbeatIntervalMs,
        helloTimeoutMs: options.helloTimeoutMs ?? base.agents.helloTimeoutMs,
        clockSkewMs: options.clockSkewMs ?? base.agents.clockSkewMs,
      },
      commands: { ...base.commands, defaultTtlMs: options.defaultTtlMs ?? base.commands.defaultTtlMs },
    };
    const store = await openMigrated({ url: null, sqliteFile: IN_MEMORY_SQLITE });
    const sim = new ServiceSim(options, config, store, SigningKeyring.inMemory([]));
    for (const key of options.signingKeys ?? [{ kid: 'k1' }]) await sim.addSigningKey(key.kid, key.jwk);
    sim.#listening = await sim.#listen(options.port ?? 0);
    sim.gateway.dispatcher.start();
    return sim;
  }

  /** `ws://127.0.0.1:PORT/agent/v1` (or wss://). */
  get url(): string {
    return this.#server.url;
  }

  get port(): number {
    return this.#server.port;
  }

  get heartbeatIntervalMs(): number {
    return this.context.config.agents.heartbeatIntervalMs;
  }

  /** First ack per command id. */
  get acks(): ReadonlyMap<string, { agentId: string; at: string }> {
    return this.#ledger.acks;
  }

  on<K extends keyof ServiceEvents>(name: K, listener: (event: ServiceEvents[K]) => void): Disposable {
    return this.events.on(name, listener);
  }

  waitFor<K extends keyof ServiceEvents>(name: K, predicate?: (event: ServiceEvents[K]) => boolean, timeoutMs?: number): Promise<ServiceEvents[K]> {
    return this.events.waitFor(name, predicate, timeoutMs);
  }

  /** The result the service stored for a command (the first verified one of the agent it was given to), read from its database. */
  async storedResult(commandId: string): Promise<Result | undefined> {
    const row = await getResult(this.context.store.db, commandId);
    return row === undefined ? undefined : (JSON.parse(row.result) as Result);
  }

  /**
   * The results the service stored, by command id, as its result hook reported each one after the
   * write (the database holds the same; `storedResult` reads it there).
   */
  get results(): ReadonlyMap<string, Result> {
    return this.#ledger.stored;
  }

  /** The first verified result of each command id, stored or not (raw frames' results are acknowledged, never stored). */
  get answers(): ReadonlyMap<string, Result> {
    return this.#ledger.answers;
  }

  /** Refusals before authentication by command id (first one wins): answers to frames, never stored as results. */
  get refusalsBeforeAuthentication(): ReadonlyMap<string, Result> {
    return this.#ledger.refusals;
  }

  /**
   * The agent's answer to a command id (at once if it has one already): the first verified result
   * it sent (stored, or for a raw frame acknowledged without being stored), or its refusal of the
   * frame before authentication. One map lookup per result, so a bench awaiting thousands pays nothing per waiter.
   */
  answer(commandId: string, timeoutMs = 15_000): Promise<Result> {
    return this.#ledger.answer(commandId, timeoutMs);
  }

  // --- registration and keys -------------------------------------------------------------

  /**
   * A one-time registration token for `tenantId`, as `writeback-service token create` makes (only its
   * hash is stored). Handed out at once; a `register` that arrives before its row is written waits for it.
   */
  issueRegistrationToken(tenantId: string): string {
    if (this.#stopped) throw new Error('the service is stopped');
    const token = newToken('wbr_');
    const write = storeRegistrationToken(this.context.store, token, tenantId, this.context.now());
    this.#tokenWrites.add(write);
    void write.finally(() => this.#tokenWrites.delete(write)).catch(() => undefined);
    return token;
  }

  /** Registers an agent without the wire (tests that start from a registered agent): it trusts every signing key. */
  async addAgent(init: {
    tenantId: string;
    signingKey: string;
    encryptionKey: string;
    /** Default: a fresh UUID. */
    agentId?: string;
    agentName?: string;
    hostname?: string;
    agentVersion?: string;
  }): Promise<RegisteredAgent> {
    if (publicKeyFromRaw(init.signingKey, 'Ed25519') === null || publicKeyFromRaw(init.encryptionKey, 'X25519') === null)
      throw new Error('signingKey must be a raw Ed25519 key and encryptionKey a raw X25519 key');
    const agentId = init.agentId ?? randomUUID();
    const { db } = this.context.store;
    await ensureTenant(this.context.store, init.tenantId, this.context.now());
    await insertAgent(
      db,
      {
        id: agentId,
        tenantId: init.tenantId,
        name: init.agentName ?? 'test-agent',
        hostname: init.hostname ?? 'localhost',
        version: init.agentVersion ?? '0.0.0',
        signingKey: init.signingKey,
        encryptionKey: init.encryptionKey,
      },
      this.#keys.order,
      this.context.now(),
    );
    return (await this.agent(agentId))!;
  }

  async agent(agentId: string): Promise<RegisteredAgent | undefined> {
    const row = await getAgent(this.context.store.db, agentId);
    return row === undefined || row.removed_at !== null ? undefined : registeredAgent(row);
  }

  /** Adds an Ed25519 signing key (from `jwk`, else generated) to the service's keys and database; the first key is the active one. */
  async addSigningKey(kid: string, jwk?: OkpPrivateJwk): Promise<ServiceKey> {
    return this.#keys.add(kid, jwk);
  }

  /**
   * Makes `kid` the service's preferred key: commands to an agent that trusts it are signed with it
   * from now on (the service signs with the first key of its ring the agent trusts).
   */
  async useSigningKey(kid: string): Promise<void> {
    await this.#keys.use(kid);
  }

  /** Forgets a key: retired in the database (no longer announced to registering agents), gone from the ring. Not the active one. */
  async removeSigningKey(kid: string): Promise<void> {
    await this.#keys.remove(kid);
  }

  get activeKid(): string {
    return this.#keys.activeKid;
  }

  /** Every signing key the rig holds (what `registered` announces while none is retired). */
  serviceKeys(): ServiceKey[] {
    return this.#keys.serviceKeys();
  }

  /** The private key of `kid` (tests that sign by hand). */
  signingPrivateKey(kid: string): KeyObject | undefined {
    return this.#keys.privateKey(kid);
  }

  /**
   * A hand-made key announcement (docs/protocol.md, "Key rotation"): `kids` (default every key)
   * signed with `signWith` (default the active key), sent now to every connected session that
   * negotiated keyRotation, as the announcement the service waits on there, so the agent's ack is
   * judged and stored by the service. Returns the frame's text, for tests that replay it.
   */
  announceServiceKeys(options: AnnouncementOptions = {}): string {
    return this.#keys.announce(options);
  }

  /** The latest hand-made announcement, or null. */
  get announcement(): ServiceKeysMessage | null {
    return this.#keys.announcement;
  }

  /** The last verified serviceKeysAck of each agent. */
  get keyAcks(): ReadonlyMap<string, { issuedAt: string; kids: readonly string[] }> {
    return this.#hooks.keyAcks;
  }

  /** The latest audit checkpoint the service holds for an agent (feature auditCheckpoint), as the agent signed it. */
  async auditCheckpoint(agentId: string): Promise<HeldCheckpoint | undefined> {
    return (await latestAuditCheckpoint(this.context.store.db, agentId)) ?? undefined;
  }

  // --- sessions ----------------------------------------------------------------------------

  session(agentId: string): SessionInfo | undefined {
    const session = this.gateway.sessions.get(agentId);
    return session === undefined ? undefined : this.#hooks.info(session);
  }

  /** Agents with an open session, optionally of one tenant. */
  connectedAgents(tenantId?: string): string[] {
    return [...this.gateway.sessions.values()].filter((session) => tenantId === undefined || session.tenantId === tenantId).map((session) => session.agentId);
  }

  /** Commands the service sent to the agent's open session without a result (0 when not connected). */
  outstanding(agentId: string): number {
    return this.gateway.sessions.get(agentId)?.outstanding.size ?? 0;
  }

  // --- commands ----------------------------------------------------------------------------

  /**
   * Queues a command in the service's database, as `writeback-service reset` does: the secret
   * sealed to each agent of the tenant that may take it (to the pinned `agentId` only when given),
   * and any of them claims it. Returns at once; the write is awaited inside `result`, which rejects
   * when it fails (an unknown pinned agent, an id used already).
   */
  issueCommand(spec: CommandSpec): IssuedCommand {
    return this.#commands.issue(spec);
  }

  /** C sealed to `spec.agentId`, not signed or sent: tests alter it and send it with `sendSignedCommand`. */
  async buildCommand(spec: CommandSpec & { agentId: string }, options: { issuedAt?: Date } = {}): Promise<Command> {
    return this.#commands.build(spec, options);
  }

  /**
   * Signs any object as C and sends it to the agent's session now, outside the service's queue and
   * flow control. `kid` defaults to the active key, `signWith` to the key of `kid`. Returns the frame.
   */
  sendSignedCommand(agentId: string, command: Command | Record<string, unknown>, options: { kid?: string; signWith?: KeyObject } = {}): string {
    return this.#commands.sendSigned(agentId, command, options);
  }

  /** Sends bytes as they are to the agent's session: a string as a text frame, a Buffer as a binary frame. */
  sendRaw(agentId: string, data: string | Buffer): void {
    this.#commands.sendRaw(agentId, data);
  }

  /**
   * Builds signed, sealed frames now (so a timed part only writes them), signed with the key the
   * service signs this agent's commands with. Specs without `agentId` are spread round robin over
   * the tenant's connected agents (else its registered ones).
   */
  async prepareCommands(specs: readonly CommandSpec[]): Promise<PreparedCommand[]> {
    return this.#commands.prepare(specs);
  }

  /**
   * Sends prepared frames raw on the agents' sessions, never more at once per agent than its
   * hello's maxInFlight (the rig's window, so a bench measures the agent and not the service's
   * queue). The service acknowledges their results without storing them (it never issued these
   * ids); each resolves with the agent's verified result.
   */
  sendPrepared(prepared: readonly PreparedCommand[]): IssuedCommand[] {
    return this.#commands.sendPrepared(prepared);
  }

  /** Commands issued through the rig without a stored result yet, and prepared frames sent or waiting to be, without an answer. */
  get pendingCommands(): number {
    return this.#commands.pending;
  }

  // --- faults ------------------------------------------------------------------------------

  /** Kills the agent's connection without a close frame (ws terminate). */
  dropAgent(agentId: string): boolean {
    return this.#faults.dropAgent(agentId);
  }

  /** Closes the agent's connection with a close frame. */
  closeAgent(agentId: string, code: number = CloseCode.normal, reason = ''): boolean {
    return this.#faults.closeAgent(agentId, code, reason);
  }

  /**
   * Stalled: connections are accepted and never answered (no challenge, frames recorded but not
   * processed, nothing sent, no pongs). Un-stalling challenges the connections that got none.
   */
  setStalled(stalled: boolean): void {
    this.#faults.setStalled(stalled);
  }

  /**
   * Stops (or resumes) answering WebSocket pings, so agents see a dead link; the service's own
   * heartbeat pings pause too (a ping is a frame, and any frame would keep the agent's link alive).
   */
  setAnswerPings(answer: boolean): void {
    this.#faults.setAnswerPings(answer);
  }

  /**
   * A crash and restart of the service on the same port: the listener closes, every connection is
   * cut without a close frame, and after `downMs` the service listens again (same URL, same TLS
   * certificate) with the same database, as a service process restarted over its database would.
   * Agents must reconnect by themselves; what was outstanding goes again to the agent it was sent to.
   */
  async restart(options: { downMs?: number } = {}): Promise<void> {
    await this.#faults.restart(options);
  }

  /** Stops as the service does (error SHUTTING_DOWN and close 1001 to every agent), rejects results still pending, and drops the database. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#ledger.rejectPending('the service stopped before the command had a result');
    await this.gateway.drain(0);
    await this.#listening?.close();
    await Promise.allSettled([...this.#tokenWrites]);
    await this.context.store.close();
  }

  // --- inside ------------------------------------------------------------------------------

  get #server(): ListeningServer {
    if (this.#listening === null) throw new Error('the service is not started');
    return this.#listening;
  }

  #listen(port: number): Promise<ListeningServer> {
    return listen(
      { host: this.options.host ?? '127.0.0.1', port, tls: this.options.tls, ...(this.options.subprotocols === undefined ? {} : { subprotocols: this.options.subprotocols }) },
      (ws: WebSocket, request: IncomingMessage) => this.gateway.accept(ws, request),
    );
  }
}
