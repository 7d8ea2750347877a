import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { CloseCode, encodeMessage, formatTime, parseAgentFrame, toBase64Url, isPreAuthenticationRefusal, verifyResult, type AckMessage, type AgentMessage, type HelloMessage, type RegisterMessage, type ResultMessage, type ServiceMessage } from '../../protocol/index.js';
import { keyForAgent } from '../keys/signing-keys.js';
import { errorName } from '../logger.js';
import { clearSession, getAgent, recordSession, trustedKids } from '../store/agents.js';
import { markAcknowledged, requeueAgentCommands } from '../store/commands.js';
import { storeResult } from '../store/results.js';
import { Dispatcher } from './dispatcher.js';
import { checkHello } from './hello-check.js';
import type { NodeContext } from './node-context.js';
import { registerAgent } from './registration.js';
import { Connection } from './connection.js';
import { Session } from './session.js';
import { ResultRefusal, WireError } from './wire-errors.js';
import { receiveAuditCheckpoint } from './audit-checkpoint-handler.js';

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
  /** Database work started by close handlers, awaited by `drain`. */
  readonly #pending = new Set<Promise<unknown>>();
  #connectionSeq = 0;
  #draining = false;

  constructor(context: NodeContext) {
    this.#context = context;
    this.dispatcher = new Dispatcher(context, this);
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
    });
    ws.on('close', (code) => this.#onClose(connection, code));
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

  sendRaw(connection: Connection, frame: string): void {
    if (connection.ws.readyState === WebSocket.OPEN) connection.ws.send(frame);
  }

  get connections(): Iterable<Connection> {
    return this.#connections.values();
  }

  #onFrame(connection: Connection, data: Buffer, isBinary: boolean): void {
    connection.alive = true;
    if (connection.phase === 'closed') return;
    const parsed = parseAgentFrame(data, isBinary);
    if (!parsed.ok) {
      this.#context.logger.warn('ignored an agent frame', { connectionId: connection.id, error: parsed.error });
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
      return null;
    };
    switch (message.type) {
      case 'auditCheckpoint':
        return connection.session === null ? unexpected() : receiveAuditCheckpoint(this.#context, connection.session, message);
      case 'register':
        return connection.phase === 'open' ? this.#onRegister(connection, message) : unexpected();
      case 'hello':
        return connection.phase === 'open' ? this.#onHello(connection, message) : unexpected();
      case 'ack':
        return connection.session === null ? unexpected() : this.#onAck(connection.session, message);
      case 'result':
        return connection.session === null ? unexpected() : this.#onResult(connection.session, message);
      case 'serviceKeysAck':
        // Only a version-2 session with keyRotation may carry it; this gateway speaks version 1.
        return unexpected();
    }
  }

  async #onRegister(connection: Connection, message: RegisterMessage): Promise<void> {
    connection.clearHelloTimer();
    connection.phase = 'busy';
    const outcome = await registerAgent(this.#context, message, connection.source);
    if (!outcome.ok) {
      this.#context.logger.warn('registration refused', { connectionId: connection.id, code: outcome.code });
      return this.#refuse(connection, outcome.code, outcome.message);
    }
    this.#context.logger.info('agent registered', { agentId: outcome.agentId, tenantId: outcome.tenantId });
    this.send(connection, { type: 'registered', agentId: outcome.agentId, tenantId: outcome.tenantId, serviceKeys: outcome.serviceKeys });
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
      return this.#refuse(connection, check.code, check.message);
    }
    const commandKey = keyForAgent(context.keys, await trustedKids(db, hello.agentId));
    if (commandKey === null) {
      context.logger.error('no signing key the agent trusts', { agentId: hello.agentId });
      return this.#refuse(connection, WireError.NO_TRUSTED_KEY, "none of the service's signing keys is trusted by this agent; register it again");
    }
    const previous = this.sessions.get(hello.agentId);
    if (previous !== undefined) this.replace(previous);
    const session = new Session(randomUUID(), hello.agentId, hello.tenantId, hello.maxInFlight, connection, check.agentSigningKey, commandKey);
    // The new session owns the agent from now on, on whichever node; what older sessions had out
    // is queued again for it (a node that died could not do that itself).
    await recordSession(db, session.agentId, { nodeId: context.nodeId, sessionId: session.sessionId, version: hello.agentVersion, capabilities: hello.capabilities }, context.now());
    await requeueAgentCommands(db, session.agentId, null, context.now());
    if (connection.phase !== 'busy') {
      // The socket closed while the database was busy: give the agent back.
      await clearSession(db, session.agentId, session.sessionId, context.now());
      return;
    }
    connection.session = session;
    connection.phase = 'session';
    this.sessions.set(session.agentId, session);
    this.send(connection, { type: 'welcome', sessionId: session.sessionId, heartbeatIntervalMs: context.config.agents.heartbeatIntervalMs, serverTime: formatTime(context.now()) });
    context.logger.info('agent connected', { agentId: session.agentId, sessionId: session.sessionId, maxInFlight: session.maxInFlight, kid: commandKey.kid });
    this.dispatcher.pump(session);
  }

  async #onAck(session: Session, message: AckMessage): Promise<void> {
    await markAcknowledged(this.#context.store.db, message.commandId, session.agentId, this.#context.now());
  }

  async #onResult(session: Session, message: ResultMessage): Promise<void> {
    const context = this.#context;
    const { result } = message;
    const refusal = result.agentId !== session.agentId ? ResultRefusal.WRONG_AGENT : verifyResult(message, session.agentSigningKey) ? null : ResultRefusal.INVALID_SIGNATURE;
    if (refusal !== null) {
      context.logger.warn('result refused', { agentId: session.agentId, commandId: result.commandId, reason: refusal });
      return;
    }
    if (isPreAuthenticationRefusal(result)) {
      // Not the command's result: the command stays outstanding until its real result or its expiry.
      context.logger.warn('a refusal before authentication is not stored as the command result', { agentId: session.agentId, commandId: result.commandId, code: result.code });
      return;
    }
    const outcome = await storeResult(context.store.db, result, message.signature, context.now());
    if (outcome === 'unknown') context.logger.warn('result for a command this agent was not given (acknowledged, not stored)', { agentId: session.agentId, commandId: result.commandId });
    else context.logger.info(outcome === 'stored' ? 'result stored' : 'result received again', { agentId: session.agentId, commandId: result.commandId, code: result.code });
    session.outstanding.delete(result.commandId);
    this.send(session.connection, { type: 'resultAck', commandId: result.commandId });
    this.dispatcher.pump(session);
  }

  #onClose(connection: Connection, code: number): void {
    connection.phase = 'closed';
    connection.clearHelloTimer();
    this.#connections.delete(connection.id);
    if (connection.session !== null) this.#endSession(connection.session, code);
  }

  #endSession(session: Session, code: number): void {
    if (session.closed) return;
    session.closed = true;
    if (this.sessions.get(session.agentId) === session) this.sessions.delete(session.agentId);
    this.#context.logger.info('agent disconnected', { agentId: session.agentId, sessionId: session.sessionId, code });
    const { db } = this.#context.store;
    this.track(
      (async () => {
        await requeueAgentCommands(db, session.agentId, session.sessionId, this.#context.now());
        await clearSession(db, session.agentId, session.sessionId, this.#context.now());
      })(),
    );
  }

  /** Another connection of the agent (here or on another node) took over: error REPLACED + 4002. */
  replace(session: Session): void {
    this.send(session.connection, { type: 'error', code: WireError.REPLACED, message: 'another connection of this agent took over' });
    session.connection.phase = 'closed';
    session.connection.ws.close(CloseCode.replaced, 'replaced');
    this.#endSession(session, CloseCode.replaced);
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
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
