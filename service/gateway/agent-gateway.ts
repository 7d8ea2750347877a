import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import {
  CloseCode,
  encodeMessage,
  FrameError,
  Feature,
  formatTime,
  isPreAuthenticationRefusal,
  parseAgentFrame,
  sharedFeatures,
  Subprotocol,
  toBase64Url,
  type AckMessage,
  type AgentMessage,
  type HelloMessage,
  type RegisterMessage,
  type ResultMessage,
  type ServiceKeysAckMessage,
  type ServiceMessage,
} from '../../protocol/index.js';
import { nodesHoldingBack, retireSupersededKeys } from '../keys/key-rotation.js';
import { keyForAgent } from '../keys/signing-keys.js';
import { isServiceError } from '../errors.js';
import { errorName } from '../logger.js';
import { clearSession, getAgent, recordSession, replaceTrustedKids, trustedKids } from '../store/agents.js';
import { requeueAgentCommands } from '../store/commands.js';
import { OutcomeBatch } from '../store/outcome-batch.js';
import { forgetNode, recordNodePresence } from '../store/service-nodes.js';
import { Dispatcher } from './dispatcher.js';
import { checkHello } from './hello-check.js';
import { announcementNeeded, buildAnnouncement, judgeKeysAck, SERVICE_FEATURES } from './key-announcement.js';
import type { NodeContext } from './node-context.js';
import { registerAgent } from './registration.js';
import { Connection } from './connection.js';
import { Session } from './session.js';
import { checkResult } from './result-check.js';
import { WireError } from './wire-errors.js';
import { receiveAuditCheckpoint } from './audit-checkpoint-handler.js';
import { receiveDirectories } from './directories-handler.js';

/**
 * The agent side of one node (SPEC.md sections 4 to 7): registration, the challenge/hello/welcome
 * handshake, acks and results. Commands go out through the Dispatcher, which claims them from the
 * shared database for the sessions held here. Every database step is awaited before the frame that
 * depends on it (a resultAck only after the result is stored).
 */
export class AgentGateway {
  readonly #context: NodeContext;
  readonly #connections = new Map<number, Connection>();
  /** Sessions held by this node, by agent id. */
  readonly sessions = new Map<string, Session>();
  readonly dispatcher: Dispatcher;
  /** Acks and results of one event-loop turn, written in one transaction. */
  readonly #outcomes: OutcomeBatch;
  /** Database work started by close handlers, awaited by `drain`. */
  readonly #pending = new Set<Promise<unknown>>();
  #connectionSeq = 0;
  /** Announcements, acks and key reloads run one at a time, so a session never gets two announcements for one change. */
  #keyWork: Promise<void> = Promise.resolve();
  #draining = false;
  /** The nodes last logged as holding back retirement (logged again only when that changes). */
  #heldBackBy = '';
  /** The kids last written to this node's service_nodes row (null before the first write). */
  #recordedKids: string | null = null;
  readonly #hostname = hostname();

  constructor(context: NodeContext) {
    this.#context = context;
    this.dispatcher = new Dispatcher(context, this);
    this.#outcomes = new OutcomeBatch(context.store.db, context.now);
  }

  get draining(): boolean {
    return this.#draining;
  }

  accept(ws: WebSocket, request: IncomingMessage): void {
    const connection = new Connection(++this.#connectionSeq, ws, ws.protocol, request.socket.remoteAddress ?? 'unknown');
    if (this.#draining) {
      ws.close(CloseCode.goingAway, 'service stopping');
      return;
    }
    this.#connections.set(connection.id, connection);
    ws.on('message', (data, isBinary) => this.#onFrame(connection, toBuffer(data), isBinary));
    ws.on('pong', () => (connection.alive = true));
    ws.on('ping', () => (connection.alive = true));
    ws.on('error', (error: Error & { code?: string }) => {
      // ws has already closed the socket (1009 for a frame over 64 KiB).
      this.#context.logger.warn('agent connection error', { connectionId: connection.id, code: error.code ?? error.name });
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.#context.hooks?.frameError?.(connection, FrameError.FRAME_TOO_LARGE);
    });
    ws.on('close', (code) => this.#onClose(connection, code));
    if (this.#context.hooks?.connectionAccepted?.(connection) === true) return;
    this.challenge(connection);
  }

  /** Sends the challenge and starts the hello timeout (at once on accept; later for a connection a test rig held back). */
  challenge(connection: Connection): void {
    connection.nonce = toBase64Url(randomBytes(32));
    this.send(connection, { type: 'challenge', nonce: connection.nonce });
    connection.helloTimer = setTimeout(() => {
      if (connection.phase === 'open') this.#refuse(connection, WireError.HELLO_TIMEOUT, 'no register or hello in time');
    }, this.#context.config.agents.helloTimeoutMs);
    connection.helloTimer.unref();
  }

  send(connection: Connection, message: ServiceMessage): void {
    this.sendRaw(connection, encodeMessage(message));
  }

  sendRaw(connection: Connection, frame: string | Buffer): void {
    if (connection.ws.readyState !== WebSocket.OPEN || this.#context.hooks?.frameOut?.(connection, frame) === false) return;
    connection.ws.send(frame);
  }

  get connections(): Iterable<Connection> {
    return this.#connections.values();
  }

  #onFrame(connection: Connection, data: Buffer, isBinary: boolean): void {
    connection.alive = true;
    if (this.#context.hooks?.frameIn?.(connection, data, isBinary) === false || connection.phase === 'closed') return;
    const parsed = parseAgentFrame(data, isBinary);
    if (!parsed.ok) {
      this.#context.logger.warn('ignored an agent frame', { connectionId: connection.id, error: parsed.error });
      this.#context.hooks?.frameError?.(connection, parsed.error);
      return;
    }
    const message = parsed.message;
    const work = this.#dispatch(connection, message);
    if (work !== null) {
      work.catch((error: unknown) => {
        this.#context.logger.error('failed to handle an agent frame', { connectionId: connection.id, type: message.type, error: errorName(error) });
        if (connection.phase === 'busy') this.#refuse(connection, WireError.UNAVAILABLE, 'the service could not complete this step; retry later', CloseCode.goingAway);
      });
    }
  }

  #dispatch(connection: Connection, message: AgentMessage): Promise<void> | null {
    const unexpected = (): null => {
      this.#context.logger.warn('ignored an agent frame', { connectionId: connection.id, error: 'UNEXPECTED_MESSAGE', type: message.type });
      this.#context.hooks?.frameError?.(connection, 'UNEXPECTED_MESSAGE');
      return null;
    };
    switch (message.type) {
      // Only on a session that negotiated the feature (the handlers check it too).
      case 'auditCheckpoint':
        return connection.session?.features.has(Feature.auditCheckpoint) === true ? receiveAuditCheckpoint(this.#context, connection.session, message) : unexpected();
      case 'directories':
        return connection.session?.features.has(Feature.directories) === true ? receiveDirectories(this.#context, connection.session, message) : unexpected();
      case 'register':
        return connection.phase === 'open' ? this.#onRegister(connection, message) : unexpected();
      case 'hello':
        return connection.phase === 'open' ? this.#onHello(connection, message) : unexpected();
      case 'ack':
        return connection.session === null ? unexpected() : this.#onAck(connection.session, message);
      case 'result':
        return connection.session === null ? unexpected() : this.#onResult(connection.session, message);
      case 'serviceKeysAck':
        // Only a version-2 session that negotiated keyRotation may carry it.
        return connection.session?.features.has(Feature.keyRotation) === true ? this.#onServiceKeysAck(connection.session, message) : unexpected();
    }
  }

  async #onRegister(connection: Connection, message: RegisterMessage): Promise<void> {
    connection.clearHelloTimer();
    connection.phase = 'busy';
    const outcome = await registerAgent(this.#context, message, connection.source);
    if (!outcome.ok) {
      this.#context.logger.warn('registration refused', { connectionId: connection.id, code: outcome.code });
      this.#context.hooks?.registrationRefused?.(connection, outcome.code);
      return this.#refuse(connection, outcome.code, outcome.message);
    }
    this.#context.logger.info('agent registered', { agentId: outcome.agentId, tenantId: outcome.tenantId });
    this.send(connection, { type: 'registered', agentId: outcome.agentId, tenantId: outcome.tenantId, serviceKeys: outcome.serviceKeys });
    this.#context.hooks?.registered?.(connection, { agentId: outcome.agentId, tenantId: outcome.tenantId, agentName: message.agentName });
    connection.phase = 'closed';
    connection.ws.close(CloseCode.normal, 'registered');
  }

  async #onHello(connection: Connection, hello: HelloMessage): Promise<void> {
    const context = this.#context;
    connection.clearHelloTimer();
    connection.phase = 'busy';
    const { db } = context.store;
    const agent = await getAgent(db, hello.agentId);
    const check = checkHello(hello, { agent, nonce: connection.nonce, now: context.now(), clockSkewMs: context.config.agents.clockSkewMs });
    if (!check.ok) {
      context.logger.warn('hello refused', { connectionId: connection.id, agentId: hello.agentId, code: check.code });
      context.hooks?.helloRefused?.(connection, hello.agentId, check.code);
      return this.#refuse(connection, check.code, check.message);
    }
    const commandKey = keyForAgent(context.keys.current, await trustedKids(db, hello.agentId));
    if (commandKey === null) {
      context.logger.error('no signing key the agent trusts', { agentId: hello.agentId });
      return this.#refuse(connection, WireError.NO_TRUSTED_KEY, "none of the service's signing keys is trusted by this agent; register it again");
    }
    const previous = this.sessions.get(hello.agentId);
    if (previous !== undefined) this.replace(previous);
    // Version 1 has no features: a v1 session ignores any the hello lists.
    const v2 = connection.protocol === Subprotocol.v2;
    const offered = context.features ?? SERVICE_FEATURES;
    const features = v2 ? sharedFeatures(offered, hello.features) : new Set<Feature>();
    const session = new Session(randomUUID(), hello.agentId, hello.tenantId, hello.maxInFlight, connection, check.agentSigningKey, commandKey, connection.protocol, features);
    // The new session owns the agent from now on, on whichever node; what older sessions had out
    // is queued again for it (a node that died could not do that itself).
    await recordSession(
      db,
      session.agentId,
      { nodeId: context.nodeId, sessionId: session.sessionId, version: hello.agentVersion, capabilities: hello.capabilities, protocol: session.protocol, features: [...session.features] },
      context.now(),
    );
    await requeueAgentCommands(db, session.agentId, null, context.now());
    if (connection.phase !== 'busy') {
      // The socket closed while the database was busy: give the agent back.
      await clearSession(db, session.agentId, session.sessionId, context.now());
      return;
    }
    connection.session = session;
    connection.phase = 'session';
    this.sessions.set(session.agentId, session);
    this.send(connection, {
      type: 'welcome',
      sessionId: session.sessionId,
      heartbeatIntervalMs: context.config.agents.heartbeatIntervalMs,
      serverTime: formatTime(context.now()),
      ...(v2 ? { features: [...offered] } : {}),
    });
    context.hooks?.sessionOpened?.(session);
    context.logger.info('agent connected', {
      agentId: session.agentId,
      sessionId: session.sessionId,
      maxInFlight: session.maxInFlight,
      kid: commandKey.kid,
      protocol: session.protocol,
      features: [...features],
    });
    // An agent that was away when the keys changed learns them now, before any command.
    await this.#inKeyOrder(() => this.#announceIfNeeded(session));
    this.dispatcher.pump(session);
  }

  /**
   * Sends the node's active signing keys to a keyRotation session whose agent trusts another set,
   * signed by the newest key it trusts; once per set and session (a lost one goes again next session);
   * never while the node lacks keys of the database's active set.
   */
  async #announceIfNeeded(session: Session): Promise<void> {
    // A node that could not load the newest keys would announce a set without them: the agent would drop keys the other nodes sign with.
    if (!session.features.has(Feature.keyRotation) || session.closed || this.#context.keys.behind) return;
    const keys = this.#context.keys.current;
    const pending = session.announcement;
    if (pending !== null && pending.keys.length === keys.length && keys.every((key) => pending.keys.some((k) => k.kid === key.kid))) return;
    const trusted = await trustedKids(this.#context.store.db, session.agentId);
    if (!announcementNeeded(trusted, keys)) return;
    const signer = keyForAgent(keys, trusted) ?? session.commandKey;
    session.announcement = buildAnnouncement(keys, signer, this.#context.now());
    this.send(session.connection, session.announcement);
    this.#context.logger.info('service keys announced', { agentId: session.agentId, kids: keys.map((key) => key.kid), kid: signer.kid });
  }

  /**
   * A verified ack of the announcement sent: the agent trusts exactly those keys now. Commands to it
   * are signed with the newest of them, and older keys retire once every agent trusts the newest.
   */
  #onServiceKeysAck(session: Session, message: ServiceKeysAckMessage): Promise<void> {
    return this.#inKeyOrder(() => this.#acceptKeysAck(session, message));
  }

  async #acceptKeysAck(session: Session, message: ServiceKeysAckMessage): Promise<void> {
    const context = this.#context;
    const refusal = judgeKeysAck(session, message);
    if (refusal !== null) {
      context.logger.warn('serviceKeysAck refused', { agentId: session.agentId, reason: refusal });
      context.hooks?.keysAck?.(session, message, refusal);
      return;
    }
    session.announcement = null;
    await replaceTrustedKids(context.store.db, session.agentId, message.kids);
    context.hooks?.keysAck?.(session, message, null);
    session.commandKey = keyForAgent(context.keys.current, new Set(message.kids)) ?? session.commandKey;
    context.logger.info('agent trusts the announced service keys', { agentId: session.agentId, kids: message.kids, kid: session.commandKey.kid });
    await this.#refreshKeysNow(false);
  }

  /**
   * Reloads the node's keys when the database's set changed (`keys rotate`, a retirement on any
   * node) and records the ones it holds; retires keys every agent and every live node has moved
   * past; tells the agents here. Runs at start, after an ack and every heartbeat.
   */
  refreshKeys(): Promise<void> {
    return this.#inKeyOrder(() => this.#refreshKeysNow(true));
  }

  /** `heartbeat`: the node's row is written even if the keys it holds did not change, as its age says whether the node runs. */
  async #refreshKeysNow(heartbeat: boolean): Promise<void> {
    const context = this.#context;
    await this.#reloadKeys(heartbeat);
    const retired = await retireSupersededKeys(context.store.db, context.now());
    if (retired.length > 0) {
      context.logger.info('signing keys retired: every agent trusts a newer one', { kids: retired });
      this.#heldBackBy = '';
      await this.#reloadKeys(false);
    } else if (heartbeat && context.keys.current.length > 1) {
      // At heartbeats only: once every agent trusts the newest key the check reads them all, too much for each of the acks that follow a rotation.
      await this.#logHeldBack();
    }
  }

  /** Reloads the keys when the database's set changed, then records what this node holds (what retirement waits on). */
  async #reloadKeys(heartbeat: boolean): Promise<void> {
    const context = this.#context;
    const { db } = context.store;
    let changed = false;
    try {
      changed = await context.keys.refresh(db);
    } catch (error) {
      // A ServiceError's message names the key file and the fix (missing, mode, mismatch), never key material.
      const reason = isServiceError(error) ? { reason: error.message } : {};
      context.logger.error('cannot load the new signing keys; going on with the ones held (copy keys/*.jwk to this node, mode 0600)', { error: errorName(error), ...reason });
    }
    const kids = context.keys.current.map((key) => key.kid);
    // Between heartbeats only a change is written: after a rotation every agent's ack comes here, thousands of writes that would change nothing.
    if (heartbeat || JSON.stringify(kids) !== this.#recordedKids) {
      await recordNodePresence(db, { nodeId: context.nodeId, hostname: this.#hostname, dataDir: context.dataDir ?? null, kids, heartbeatMs: context.config.agents.heartbeatIntervalMs }, context.now());
      this.#recordedKids = JSON.stringify(kids);
    }
    if (!changed) return;
    context.logger.info('signing keys reloaded', { kids });
    for (const session of [...this.sessions.values()]) {
      session.commandKey = keyForAgent(context.keys.current, await trustedKids(db, session.agentId)) ?? session.commandKey;
      await this.#announceIfNeeded(session);
    }
  }

  /** Once every agent trusts the newest key, says which live nodes still lack it (once per change; at heartbeats). */
  async #logHeldBack(): Promise<void> {
    const { newest, nodes } = await nodesHoldingBack(this.#context.store.db, this.#context.now());
    const heldBackBy = nodes.map((node) => node.node_id).join(',');
    if (heldBackBy === this.#heldBackBy) return;
    this.#heldBackBy = heldBackBy;
    if (nodes.length === 0) return;
    this.#context.logger.warn('older signing keys stay active: every agent trusts the newest, but these running nodes have not loaded it (copy keys/<kid>.jwk, mode 0600, to their data directory)', {
      kid: newest,
      nodes: nodes.map((node) => ({ nodeId: node.node_id, hostname: node.hostname, dataDir: node.data_dir, lastSeenAt: node.last_seen_at })),
    });
  }

  async #onAck(session: Session, message: AckMessage): Promise<void> {
    this.#context.hooks?.ack?.(session, message.commandId);
    await this.#outcomes.acknowledge(message.commandId, session.agentId);
  }

  async #onResult(session: Session, message: ResultMessage): Promise<void> {
    const context = this.#context;
    const { result } = message;
    const refusal = checkResult(message, session);
    if (refusal !== null) {
      context.logger.warn('result refused', { agentId: session.agentId, commandId: result.commandId, reason: refusal });
      context.hooks?.resultRefused?.(session, result.commandId, refusal);
      return;
    }
    if (isPreAuthenticationRefusal(result)) {
      // Not the command's result: the command stays outstanding until its real result or its expiry.
      context.logger.warn('a refusal before authentication is not stored as the command result', { agentId: session.agentId, commandId: result.commandId, code: result.code });
      context.hooks?.refusedBeforeAuthentication?.(session, result);
      return;
    }
    const outcome = await this.#outcomes.store(result, message.signature);
    if (outcome === 'unknown') context.logger.warn('result for a command this agent was not given (acknowledged, not stored)', { agentId: session.agentId, commandId: result.commandId });
    else context.logger.info(outcome === 'stored' ? 'result stored' : 'result received again', { agentId: session.agentId, commandId: result.commandId, code: result.code });
    session.outstanding.delete(result.commandId);
    context.hooks?.result?.(session, result, outcome);
    this.send(session.connection, { type: 'resultAck', commandId: result.commandId });
    this.dispatcher.pump(session);
  }

  #onClose(connection: Connection, code: number): void {
    connection.phase = 'closed';
    connection.clearHelloTimer();
    this.#connections.delete(connection.id);
    if (connection.session !== null) this.#endSession(connection.session, code);
    this.#context.hooks?.connectionClosed?.(connection, code);
  }

  #endSession(session: Session, code: number): void {
    if (session.closed) return;
    session.closed = true;
    if (this.sessions.get(session.agentId) === session) this.sessions.delete(session.agentId);
    this.#context.logger.info('agent disconnected', { agentId: session.agentId, sessionId: session.sessionId, code });
    this.#context.hooks?.sessionClosed?.(session, code);
    const { db } = this.#context.store;
    this.track(
      (async () => {
        await requeueAgentCommands(db, session.agentId, session.sessionId, this.#context.now());
        await clearSession(db, session.agentId, session.sessionId, this.#context.now());
      })(),
    );
  }

  /**
   * The database no longer names this session as the agent's: another connection took over
   * (REPLACED + 4002), or an admin removed the agent (`agents remove --force`: UNKNOWN_AGENT + 4001,
   * as its next hello would get).
   */
  async lostSession(session: Session): Promise<void> {
    const agent = await getAgent(this.#context.store.db, session.agentId);
    if (session.closed) return;
    if (agent !== undefined && agent.removed_at === null) return this.replace(session);
    this.#context.logger.info('agent removed by an admin; closing its session', { agentId: session.agentId });
    this.#refuse(session.connection, WireError.UNKNOWN_AGENT, 'this agent was removed from the service; run `writeback-agent register` with a new token');
    this.#endSession(session, CloseCode.unauthorized);
  }

  /** Another connection of the agent (here or on another node) took over: error REPLACED + 4002. */
  replace(session: Session): void {
    this.send(session.connection, { type: 'error', code: WireError.REPLACED, message: 'another connection of this agent took over' });
    session.connection.phase = 'closed';
    session.connection.ws.close(CloseCode.replaced, 'replaced');
    this.#endSession(session, CloseCode.replaced);
  }

  #inKeyOrder(work: () => Promise<void>): Promise<void> {
    const run = this.#keyWork.then(work);
    this.#keyWork = run.catch(() => undefined);
    return run;
  }

  /** Keeps a background database step until it ends (errors logged). */
  track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.#context.logger.error('background database step failed', { error: errorName(error) }));
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  #refuse(connection: Connection, code: WireError, message: string, closeCode: number = CloseCode.unauthorized): void {
    this.send(connection, { type: 'error', code, message });
    connection.phase = 'closed';
    connection.ws.close(closeCode, code);
  }

  /**
   * SIGTERM: no new connections or claims; results of commands already sent may still arrive until
   * `graceMs`; then every connection is closed with 1001 (the agents reconnect, to another node
   * behind a load balancer) and the database steps that closing started are awaited.
   */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    await this.dispatcher.stop();
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && [...this.sessions.values()].some((s) => s.outstanding.size > 0)) await new Promise((r) => setTimeout(r, 50));
    for (const connection of [...this.#connections.values()]) {
      if (connection.phase !== 'closed') this.send(connection, { type: 'error', code: WireError.SHUTTING_DOWN, message: 'the service node is stopping; reconnect' });
      connection.ws.close(CloseCode.goingAway, 'service stopping');
    }
    const closing = Date.now() + 2000;
    while (this.#connections.size > 0 && Date.now() < closing) await new Promise((r) => setTimeout(r, 20));
    for (const connection of this.#connections.values()) {
      connection.ws.terminate();
      this.#onClose(connection, CloseCode.goingAway);
    }
    await Promise.all([...this.#pending]);
    // A node that stops cleanly holds back no key retirement; its row goes once no key work is left.
    await this.#keyWork;
    await forgetNode(this.#context.store.db, this.#context.nodeId).catch((error: unknown) => this.#context.logger.warn('could not delete this node from service_nodes', { error: errorName(error) }));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
