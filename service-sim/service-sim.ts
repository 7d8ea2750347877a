import { randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import {
  CloseCode,
  Feature,
  canonicalize,
  encodeMessage,
  formatTime,
  generateKeyPair,
  keyPairFromJwk,
  publicKeyFromRaw,
  sealSecret,
  signCanonical,
  signCommand,
  signServiceKeys,
  type AnnouncedServiceKey,
  type AuditCheckpoint,
  type Command,
  type OkpPrivateJwk,
  type Result,
  type ServiceKey,
  type ServiceKeysMessage,
} from '../protocol/index.js';
import { defaultConfig, type ServiceConfig } from '../service/config/service-config.js';
import { IN_MEMORY_SQLITE, openMigrated } from '../service/db/open-database.js';
import { AgentGateway } from '../service/gateway/agent-gateway.js';
import type { Connection } from '../service/gateway/connection.js';
import type { GatewayHooks } from '../service/gateway/gateway-hooks.js';
import type { NodeContext } from '../service/gateway/node-context.js';
import type { Session } from '../service/gateway/session.js';
import { SigningKeyring } from '../service/keys/signing-keyring.js';
import { KeyStatus, keyForAgent, type LoadedSigningKey } from '../service/keys/signing-keys.js';
import { getAgent, insertAgent, listAgents, trustedKids } from '../service/store/agents.js';
import { latestAuditCheckpoint } from '../service/store/audit-checkpoints.js';
import { getResult } from '../service/store/results.js';
import { newToken } from '../service/store/secret-hash.js';
import { composeCommand, type CommandSpec } from './command-spec.js';
import { PreparedFrames, type PreparedCommand } from './prepared-frames.js';
import { ensureTenant, queueCommand, registeredAgent, requireAgent, storeRegistrationToken, type RegisteredAgent } from './rig-store.js';
import { TypedEvents, type Disposable } from './events.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, silentLogger, systemClock, type ServiceSimOptions } from './options.js';
import { listen, type ListeningServer } from './server.js';
import type { FrameErrorEvent, ServiceEvents, SessionInfo } from './service-events.js';
import { Transcript } from './transcript.js';

/** A command issued to the service: its id and its stored result. */
export interface IssuedCommand {
  id: string;
  /** Resolves with the result the service stores; rejects when it cannot be queued or the rig stops first. */
  result: Promise<Result>;
}

/** A checkpoint the service holds for an agent, and when it arrived. */
export interface HeldCheckpoint {
  checkpoint: AuditCheckpoint;
  receivedAt: string;
}

interface Waiter {
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/**
 * A test rig over the real reset service: the service's agent gateway, dispatcher and store
 * (service/) on an in-memory SQLite database, with signing keys held in memory, listening on
 * loopback. Registration, the handshake, flow control, redelivery and result storage are the
 * service's; the rig adds what tests need around them through the gateway's hooks
 * (service/gateway/gateway-hooks.ts): events, a transcript, raw and forged frames, dropped and
 * stalled connections, unanswered pings, and a restart on the same port with the same database.
 */
export class ServiceSim {
  readonly events: TypedEvents<ServiceEvents>;
  /** Every frame sent and received, in order. */
  readonly transcript: Transcript;
  /** Every ignored frame, by code. */
  readonly frameErrors: FrameErrorEvent[] = [];
  readonly #acks = new Map<string, { agentId: string; at: string }>();
  readonly #refusals = new Map<string, Result>();
  /** Results the service stored, as its result hook reported each after the write. */
  readonly #stored = new Map<string, Result>();
  /** The first verified result the rig saw per command id, stored or not: what `answer` returns. */
  readonly #answers = new Map<string, Result>();
  readonly #answerWaiters = new Map<string, ((result: Result) => void)[]>();
  /** Commands issued through the rig and without a stored result yet. */
  readonly #waiting = new Map<string, Waiter>();
  readonly #issued = new Set<string>();
  readonly #keyAcks = new Map<string, { issuedAt: string; kids: readonly string[] }>();
  readonly #capabilities = new WeakMap<Connection, readonly string[]>();
  /** Connections accepted while stalled: challenged once the stall ends. */
  readonly #held = new Set<Connection>();
  readonly #prepared = new PreparedFrames({
    session: (agentId) => this.gateway.sessions.get(agentId),
    send: (session, item, outstanding) => {
      this.gateway.sendRaw(session.connection, item.frame);
      this.events.emit('commandSent', { agentId: session.agentId, commandId: item.id, outstanding, maxInFlight: session.maxInFlight, redelivery: false });
    },
    answered: (commandId) => this.#answers.has(commandId),
  });
  /** Registration tokens being written: a `register` waits for them (the rig hands tokens out at once). */
  readonly #tokenWrites = new Set<Promise<unknown>>();
  /** Signing keys by kid; `#keyOrder` has the preferred (active) one first. */
  readonly #keys = new Map<string, LoadedSigningKey>();
  #keyOrder: string[] = [];
  #announcement: ServiceKeysMessage | null = null;
  #listening: ListeningServer | null = null;
  #stalled = false;
  #answerPings = true;
  #stopped = false;
  #down = false;

  private constructor(
    readonly options: ServiceSimOptions,
    readonly context: NodeContext,
    readonly gateway: AgentGateway,
    readonly keyring: SigningKeyring,
  ) {
    this.events = new TypedEvents((name, error) => context.logger.error('an event listener threw', { event: name, error: String(error) }));
    this.transcript = new Transcript(options.recordTranscript ?? true);
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
        heartbeatIntervalMs,
        helloTimeoutMs: options.helloTimeoutMs ?? base.agents.helloTimeoutMs,
        clockSkewMs: options.clockSkewMs ?? base.agents.clockSkewMs,
      },
      commands: { ...base.commands, defaultTtlMs: options.defaultTtlMs ?? base.commands.defaultTtlMs },
    };
    const store = await openMigrated({ url: null, sqliteFile: IN_MEMORY_SQLITE });
    const keyring = SigningKeyring.inMemory([]);
    const clock = options.clock ?? systemClock;
    let sim: ServiceSim | null = null;
    const hooks = ServiceSim.#hooks(() => sim!);
    const context: NodeContext = {
      nodeId: randomUUID(),
      store,
      keys: keyring,
      config,
      logger: options.logger ?? silentLogger,
      now: () => clock.now(),
      hooks,
      ...(options.features === undefined ? {} : { features: options.features }),
    };
    sim = new ServiceSim(options, context, new AgentGateway(context), keyring);
    for (const key of options.signingKeys ?? [{ kid: 'k1' }]) await sim.addSigningKey(key.kid, key.jwk);
    sim.#listening = await sim.#listen(options.port ?? 0);
    sim.gateway.dispatcher.start();
    return sim;
  }

  /** The gateway's hooks, bound to the rig once it exists (the gateway is built before it). */
  static #hooks(rig: () => ServiceSim): GatewayHooks {
    return {
      connectionAccepted: (connection) => rig().#accepted(connection),
      frameIn: (connection, data, isBinary) => rig().#frameIn(connection, data, isBinary),
      frameOut: (connection, data) => rig().#frameOut(connection, data),
      frameError: (connection, error) => {
        const event = { connectionId: connection.id, agentId: connection.session?.agentId ?? null, error: error as FrameErrorEvent['error'] };
        rig().frameErrors.push(event);
        rig().events.emit('frameError', event);
      },
      registered: (connection, agent) => rig().events.emit('registered', { connectionId: connection.id, ...agent }),
      registrationRefused: (connection, code) => rig().events.emit('registrationRefused', { connectionId: connection.id, code }),
      helloRefused: (connection, agentId, code) => rig().events.emit('helloRefused', { connectionId: connection.id, agentId, code }),
      sessionOpened: (session) => {
        rig().events.emit('agentConnected', rig().#info(session));
        rig().#prepared.pump(session.agentId);
      },
      sessionClosed: (session, code) => rig().#sessionClosed(session, code),
      connectionClosed: (connection, code) => {
        rig().#held.delete(connection);
        rig().events.emit('connectionClosed', { connectionId: connection.id, agentId: connection.session?.agentId ?? null, code });
      },
      commandSent: (session, commandId, sends) =>
        rig().events.emit('commandSent', { agentId: session.agentId, commandId, outstanding: session.outstanding.size, maxInFlight: session.maxInFlight, redelivery: sends > 1 }),
      ack: (session, commandId) => {
        const sim = rig();
        if (!sim.#acks.has(commandId)) sim.#acks.set(commandId, { agentId: session.agentId, at: formatTime(sim.context.now()) });
        sim.events.emit('ack', { agentId: session.agentId, commandId, known: sim.#issued.has(commandId) });
      },
      result: (session, result, outcome) => rig().#result(session, result, outcome),
      resultRefused: (session, commandId, reason) => rig().events.emit('resultRefused', { agentId: session.agentId, commandId, reason }),
      refusedBeforeAuthentication: (session, result) => {
        const sim = rig();
        if (!sim.#refusals.has(result.commandId)) sim.#refusals.set(result.commandId, result);
        sim.events.emit('refusedBeforeAuthentication', { agentId: session.agentId, result });
        sim.#answered(result);
      },
      keysAck: (session, message, refusal) => {
        const sim = rig();
        if (refusal !== null) return sim.events.emit('serviceKeysAckRefused', { agentId: session.agentId, reason: refusal });
        sim.#keyAcks.set(session.agentId, { issuedAt: message.issuedAt, kids: message.kids });
        sim.events.emit('serviceKeysAck', { agentId: session.agentId, issuedAt: message.issuedAt, kids: message.kids });
      },
      auditCheckpoint: (agentId, checkpoint, regression) => rig().events.emit('auditCheckpoint', { agentId, checkpoint, regression }),
      auditCheckpointRefused: (agentId, reason) => rig().events.emit('auditCheckpointRefused', { agentId, reason }),
    };
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
    return this.#acks;
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
    return this.#stored;
  }

  /** The first verified result of each command id, stored or not (raw frames' results are acknowledged, never stored). */
  get answers(): ReadonlyMap<string, Result> {
    return this.#answers;
  }

  /** Refusals before authentication by command id (first one wins): answers to frames, never stored as results. */
  get refusalsBeforeAuthentication(): ReadonlyMap<string, Result> {
    return this.#refusals;
  }

  /**
   * The agent's answer to a command id (at once if it has one already): the first verified result
   * it sent (stored, or for a raw frame acknowledged without being stored), or its refusal of the
   * frame before authentication. One map lookup per result, so a bench awaiting thousands pays nothing per waiter.
   */
  answer(commandId: string, timeoutMs = 15_000): Promise<Result> {
    const known = this.#answers.get(commandId) ?? this.#refusals.get(commandId);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const wake = (result: Result): void => {
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        const waiters = this.#answerWaiters.get(commandId)?.filter((waiter) => waiter !== wake) ?? [];
        if (waiters.length > 0) this.#answerWaiters.set(commandId, waiters);
        else this.#answerWaiters.delete(commandId);
        reject(new Error(`no answer to command ${commandId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#answerWaiters.set(commandId, [...(this.#answerWaiters.get(commandId) ?? []), wake]);
    });
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
      this.#keyOrder,
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
    if (this.#keys.has(kid)) throw new Error(`signing key ${JSON.stringify(kid)} exists already`);
    const pair = keyPairFromJwk(jwk ?? generateKeyPair('Ed25519').jwk);
    if (pair.privateKey.asymmetricKeyType !== 'ed25519') throw new Error('a service signing key must be Ed25519');
    // Later keys are newer: the service retires older ones once every agent trusts the newest.
    const createdAt = new Date(this.context.now().getTime() + this.#keys.size).toISOString();
    await this.context.store.db.insertInto('signing_keys').values({ kid, public_key: pair.publicKeyRaw, created_at: createdAt, status: KeyStatus.active }).execute();
    this.#keys.set(kid, { kid, privateKey: pair.privateKey, publicKeyRaw: pair.publicKeyRaw, createdAt });
    this.#keyOrder.push(kid);
    this.#syncKeyring();
    return { kid, publicKey: pair.publicKeyRaw };
  }

  /**
   * Makes `kid` the service's preferred key: commands to an agent that trusts it are signed with it
   * from now on (the service signs with the first key of its ring the agent trusts).
   */
  async useSigningKey(kid: string): Promise<void> {
    if (!this.#keys.has(kid)) throw new Error(`no signing key ${JSON.stringify(kid)}`);
    this.#keyOrder = [kid, ...this.#keyOrder.filter((other) => other !== kid)];
    this.#syncKeyring();
    for (const session of this.gateway.sessions.values()) {
      session.commandKey = keyForAgent(this.keyring.current, await trustedKids(this.context.store.db, session.agentId)) ?? session.commandKey;
    }
  }

  /** Forgets a key: retired in the database (no longer announced to registering agents), gone from the ring. Not the active one. */
  async removeSigningKey(kid: string): Promise<void> {
    if (kid === this.activeKid) throw new Error('the active signing key cannot be removed');
    this.#keys.delete(kid);
    this.#keyOrder = this.#keyOrder.filter((other) => other !== kid);
    this.#syncKeyring();
    await this.context.store.db.updateTable('signing_keys').set({ status: KeyStatus.retired }).where('kid', '=', kid).execute();
  }

  get activeKid(): string {
    const kid = this.#keyOrder[0];
    if (kid === undefined) throw new Error('the service has no signing key');
    return kid;
  }

  /** Every signing key the rig holds (what `registered` announces while none is retired). */
  serviceKeys(): ServiceKey[] {
    return this.#keyOrder.map((kid) => ({ kid, publicKey: this.#keys.get(kid)!.publicKeyRaw }));
  }

  /** The private key of `kid` (tests that sign by hand). */
  signingPrivateKey(kid: string): KeyObject | undefined {
    return this.#keys.get(kid)?.privateKey;
  }

  /**
   * A hand-made key announcement (docs/protocol.md, "Key rotation"): `kids` (default every key)
   * signed with `signWith` (default the active key), sent now to every connected session that
   * negotiated keyRotation, as the announcement the service waits on there, so the agent's ack is
   * judged and stored by the service. Returns the frame's text, for tests that replay it.
   */
  announceServiceKeys(options: { kids?: readonly string[]; signWith?: string; issuedAt?: Date; windows?: Readonly<Record<string, { notBefore?: string; notAfter?: string }>> } = {}): string {
    const signer = this.#keys.get(options.signWith ?? this.activeKid);
    if (signer === undefined) throw new Error(`no signing key ${JSON.stringify(options.signWith)}`);
    const keys: AnnouncedServiceKey[] = (options.kids ?? this.#keyOrder).map((kid) => {
      const key = this.#keys.get(kid);
      if (key === undefined) throw new Error(`no signing key ${JSON.stringify(kid)}`);
      return { kid, publicKey: key.publicKeyRaw, ...options.windows?.[kid] };
    });
    const announcement = signServiceKeys({ keys, issuedAt: options.issuedAt ?? this.context.now(), kid: signer.kid }, signer.privateKey);
    this.#announcement = announcement;
    for (const session of this.gateway.sessions.values()) {
      if (!session.features.has(Feature.keyRotation)) continue;
      session.announcement = announcement;
      this.gateway.send(session.connection, announcement);
    }
    return encodeMessage(announcement);
  }

  /** The latest hand-made announcement, or null. */
  get announcement(): ServiceKeysMessage | null {
    return this.#announcement;
  }

  /** The last verified serviceKeysAck of each agent. */
  get keyAcks(): ReadonlyMap<string, { issuedAt: string; kids: readonly string[] }> {
    return this.#keyAcks;
  }

  /** The latest audit checkpoint the service holds for an agent (feature auditCheckpoint), as the agent signed it. */
  async auditCheckpoint(agentId: string): Promise<HeldCheckpoint | undefined> {
    return (await latestAuditCheckpoint(this.context.store.db, agentId)) ?? undefined;
  }

  // --- sessions ----------------------------------------------------------------------------

  session(agentId: string): SessionInfo | undefined {
    const session = this.gateway.sessions.get(agentId);
    return session === undefined ? undefined : this.#info(session);
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
    if (this.#stopped) throw new Error('the service is stopped');
    const id = spec.id ?? randomUUID();
    this.#issued.add(id);
    const result = new Promise<Result>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    // Nobody has to await it: a rig stopped with commands pending is no unhandled rejection.
    result.catch(() => undefined);
    queueCommand(this.context, id, spec).then(
      () => this.gateway.dispatcher.pumpAll(),
      (error: unknown) => {
        this.#waiting.get(id)?.reject(error instanceof Error ? error : new Error(String(error)));
        this.#waiting.delete(id);
      },
    );
    return { id, result };
  }

  /** C sealed to `spec.agentId`, not signed or sent: tests alter it and send it with `sendSignedCommand`. */
  async buildCommand(spec: CommandSpec & { agentId: string }, options: { issuedAt?: Date } = {}): Promise<Command> {
    const agent = await requireAgent(this.context.store, spec.agentId);
    const encryptionKey = publicKeyFromRaw(agent.encryption_key, 'X25519')!;
    return composeCommand(spec, {
      id: spec.id ?? randomUUID(),
      agentId: agent.id,
      issuedAt: options.issuedAt ?? this.context.now(),
      ttlMs: spec.ttlMs ?? this.context.config.commands.defaultTtlMs,
      seal: (secret, commandId) => sealSecret(secret, encryptionKey, commandId),
    });
  }

  /**
   * Signs any object as C and sends it to the agent's session now, outside the service's queue and
   * flow control. `kid` defaults to the active key, `signWith` to the key of `kid`. Returns the frame.
   */
  sendSignedCommand(agentId: string, command: Command | Record<string, unknown>, options: { kid?: string; signWith?: KeyObject } = {}): string {
    const kid = options.kid ?? this.activeKid;
    const key = options.signWith ?? this.#keys.get(kid)?.privateKey ?? this.#keys.get(this.activeKid)!.privateKey;
    const frame = JSON.stringify({ type: 'command', command, kid, signature: signCanonical(command, key) });
    this.sendRaw(agentId, frame);
    return frame;
  }

  /** Sends bytes as they are to the agent's session: a string as a text frame, a Buffer as a binary frame. */
  sendRaw(agentId: string, data: string | Buffer): void {
    const session = this.gateway.sessions.get(agentId);
    if (session === undefined) throw new Error(`agent ${agentId} is not connected`);
    this.gateway.sendRaw(session.connection, data);
  }

  /**
   * Builds signed, sealed frames now (so a timed part only writes them), signed with the key the
   * service signs this agent's commands with. Specs without `agentId` are spread round robin over
   * the tenant's connected agents (else its registered ones).
   */
  async prepareCommands(specs: readonly CommandSpec[]): Promise<PreparedCommand[]> {
    const spread = new Map<string, string[]>();
    const prepared: PreparedCommand[] = [];
    let seq = 0;
    for (const spec of specs) {
      let agentId = spec.agentId;
      if (agentId === undefined) {
        let candidates = spread.get(spec.tenantId);
        if (candidates === undefined) {
          const connected = this.connectedAgents(spec.tenantId);
          candidates = connected.length > 0 ? connected : (await listAgents(this.context.store.db, spec.tenantId)).map((agent) => agent.id);
          spread.set(spec.tenantId, candidates);
        }
        agentId = candidates[seq++ % Math.max(candidates.length, 1)];
        if (agentId === undefined) throw new Error(`tenant ${spec.tenantId} has no registered agent`);
      }
      const command = await this.buildCommand({ ...spec, agentId });
      const key = this.gateway.sessions.get(agentId)?.commandKey ?? this.#keys.get(this.activeKid)!;
      prepared.push({ id: command.id, tenantId: spec.tenantId, agentId, command, frame: encodeMessage(signCommand(command, key.kid, key.privateKey)) });
    }
    return prepared;
  }

  /**
   * Sends prepared frames raw on the agents' sessions, never more at once per agent than its
   * hello's maxInFlight (the rig's window, so a bench measures the agent and not the service's
   * queue). The service acknowledges their results without storing them (it never issued these
   * ids); each resolves with the agent's verified result.
   */
  sendPrepared(prepared: readonly PreparedCommand[]): IssuedCommand[] {
    const issued = prepared.map((item) => ({ id: item.id, result: this.answer(item.id, 24 * 3600_000) }));
    this.#prepared.add(prepared);
    return issued;
  }

  /** Commands issued through the rig without a stored result yet, and prepared frames sent or waiting to be, without an answer. */
  get pendingCommands(): number {
    return this.#waiting.size + this.#prepared.pending;
  }

  // --- faults ------------------------------------------------------------------------------

  /** Kills the agent's connection without a close frame (ws terminate). */
  dropAgent(agentId: string): boolean {
    const session = this.gateway.sessions.get(agentId);
    if (session === undefined) return false;
    session.connection.ws.terminate();
    return true;
  }

  /** Closes the agent's connection with a close frame. */
  closeAgent(agentId: string, code: number = CloseCode.normal, reason = ''): boolean {
    const session = this.gateway.sessions.get(agentId);
    if (session === undefined) return false;
    session.connection.ws.close(code, reason);
    return true;
  }

  /**
   * Stalled: connections are accepted and never answered (no challenge, frames recorded but not
   * processed, nothing sent, no pongs). Un-stalling challenges the connections that got none.
   */
  setStalled(stalled: boolean): void {
    this.#stalled = stalled;
    if (stalled) return;
    for (const connection of this.#held) if (connection.phase === 'open' && connection.ws.readyState === WebSocket.OPEN) this.gateway.challenge(connection);
    this.#held.clear();
    this.gateway.dispatcher.pumpAll();
  }

  /**
   * Stops (or resumes) answering WebSocket pings, so agents see a dead link; the service's own
   * heartbeat pings pause too (a ping is a frame, and any frame would keep the agent's link alive).
   */
  setAnswerPings(answer: boolean): void {
    this.#answerPings = answer;
  }

  /**
   * A crash and restart of the service on the same port: the listener closes, every connection is
   * cut without a close frame, and after `downMs` the service listens again (same URL, same TLS
   * certificate) with the same database, as a service process restarted over its database would.
   * Agents must reconnect by themselves; what was outstanding goes again to the agent it was sent to.
   */
  async restart(options: { downMs?: number } = {}): Promise<void> {
    if (this.#stopped) throw new Error('the service is stopped');
    if (this.#down) throw new Error('the service is already restarting');
    const listening = this.#server;
    this.#down = true;
    try {
      // close() waits for every socket to end, so it must not be awaited before they are cut.
      const closed = listening.close();
      await this.#cutConnections();
      await closed;
      this.#listening = null;
      if ((options.downMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.downMs));
      this.#listening = await this.#listen(listening.port);
    } finally {
      this.#down = false;
    }
  }

  /** Stops as the service does (error SHUTTING_DOWN and close 1001 to every agent), rejects results still pending, and drops the database. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const waiter of this.#waiting.values()) waiter.reject(new Error('the service stopped before the command had a result'));
    this.#waiting.clear();
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

  #syncKeyring(): void {
    this.keyring.replace(this.#keyOrder.map((kid) => this.#keys.get(kid)!));
  }

  #accepted(connection: Connection): boolean {
    const { ws } = connection;
    this.events.emit('connection', { connectionId: connection.id });
    // The endpoint leaves pongs to the rig, so it can play a dead link; the service's own pings pause with them.
    ws.on('ping', (data) => {
      if (this.#answerPings && !this.#stalled) ws.pong(data);
    });
    const ping = ws.ping.bind(ws);
    ws.ping = (...args: Parameters<WebSocket['ping']>) => {
      if (this.#answerPings && !this.#stalled) ping(...args);
    };
    if (this.#stopped || this.#down) {
      ws.terminate();
      return true;
    }
    if (!this.#stalled) return false;
    this.#held.add(connection);
    return true;
  }

  #frameIn(connection: Connection, data: Buffer, isBinary: boolean): boolean {
    const text = isBinary ? data.toString('base64') : data.toString('utf8');
    if (connection.session === null && !isBinary && this.#tokenWrites.size > 0 && text.includes('"register"')) {
      // The token handed out may not be written yet: this register is taken once it is.
      void Promise.allSettled([...this.#tokenWrites]).then(() => connection.ws.emit('message', data, isBinary));
      return false;
    }
    const entry = this.transcript.record({ at: formatTime(this.context.now()), direction: 'in', connectionId: connection.id, agentId: connection.session?.agentId ?? null, text, binary: isBinary });
    this.events.emit('frame', entry);
    if (connection.session === null && !isBinary && text.includes('"hello"')) this.#noteCapabilities(connection, text);
    return !this.#stalled && !this.#stopped;
  }

  #frameOut(connection: Connection, data: string | Buffer): boolean {
    if (this.#stalled || this.#down) return false;
    const binary = typeof data !== 'string';
    const entry = this.transcript.record({
      at: formatTime(this.context.now()),
      direction: 'out',
      connectionId: connection.id,
      agentId: connection.session?.agentId ?? null,
      text: binary ? data.toString('base64') : data,
      binary,
    });
    this.events.emit('frame', entry);
    return true;
  }

  #noteCapabilities(connection: Connection, text: string): void {
    try {
      const hello = JSON.parse(text) as { type?: unknown; capabilities?: unknown };
      if (hello.type === 'hello' && Array.isArray(hello.capabilities)) this.#capabilities.set(connection, hello.capabilities.map(String));
    } catch {
      // Not JSON: the gateway reports it as a frame error.
    }
  }

  #info(session: Session): SessionInfo {
    return {
      agentId: session.agentId,
      tenantId: session.tenantId,
      sessionId: session.sessionId,
      connectionId: session.connection.id,
      maxInFlight: session.maxInFlight,
      capabilities: this.#capabilities.get(session.connection) ?? [],
      protocol: session.protocol,
      features: [...session.features],
      outstanding: session.outstanding.size,
    };
  }

  #sessionClosed(session: Session, code: number): void {
    this.events.emit('agentDisconnected', { agentId: session.agentId, sessionId: session.sessionId, connectionId: session.connection.id, code, replaced: code === CloseCode.replaced });
    this.#prepared.sessionClosed(session.agentId);
  }

  #result(session: Session, result: Result, outcome: 'stored' | 'duplicate' | 'unknown'): void {
    const first = this.#answers.get(result.commandId);
    if (outcome === 'stored') {
      this.#stored.set(result.commandId, result);
      this.events.emit('result', { agentId: session.agentId, result });
      const waiter = this.#waiting.get(result.commandId);
      this.#waiting.delete(result.commandId);
      waiter?.resolve(result);
    } else if (outcome === 'duplicate') {
      this.events.emit('duplicateResult', { agentId: session.agentId, result, identical: first !== undefined && canonicalize(first) === canonicalize(result) });
    } else {
      this.events.emit('unstoredResult', { agentId: session.agentId, result });
    }
    this.#answered(result);
    this.#prepared.answered(session.agentId, result.commandId);
  }

  #answered(result: Result): void {
    if (!this.#answers.has(result.commandId) && !this.#refusals.has(result.commandId)) this.#answers.set(result.commandId, result);
    const waiters = this.#answerWaiters.get(result.commandId);
    if (waiters === undefined) return;
    this.#answerWaiters.delete(result.commandId);
    for (const wake of waiters) wake(result);
  }

  /** Cuts every connection the way a crashed process would: no close frame; resolves once each has ended. */
  async #cutConnections(): Promise<void> {
    const closing = [...this.gateway.connections].map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.clearHelloTimer();
          if (connection.ws.readyState === WebSocket.CLOSED) return resolve();
          connection.ws.once('close', () => resolve());
          connection.ws.terminate();
        }),
    );
    await Promise.all(closing);
  }
}
