import { WebSocket, type RawData } from 'ws';
import {
  CloseCode,
  Feature,
  FrameError,
  Subprotocol,
  encodeMessage,
  formatTime,
  isPreAuthenticationRefusal,
  parseAgentFrame,
  sharedFeatures,
  toBase64Url,
  type AckMessage,
  type HelloMessage,
  type RegisterMessage,
  type ResultMessage,
  type ServiceKeysAckMessage,
  type ServiceKeysMessage,
  type ServiceMessage,
} from '../protocol/index.js';
import { receiveAuditCheckpoint } from './audit-checkpoints.js';
import type { CommandQueue } from './command-queue.js';
import { Connection } from './connection.js';
import { IgnoredFrame, ServiceErrorCode } from './error-codes.js';
import { checkHello } from '../service/gateway/hello-check.js';
import { judgeKeysAck } from '../service/gateway/key-announcement.js';
import { checkResult } from '../service/gateway/result-check.js';
import type { PendingCommand } from './pending-command.js';
import { uuidFrom } from './randomness.js';
import { registerAgent } from './registration.js';
import type { ServiceEvents, SessionInfo } from './service-events.js';
import type { ServiceState } from './service-state.js';
import { Session } from './session.js';

/**
 * The wire side of the service: accepts connections, runs registration and the session
 * handshake (SPEC.md sections 4 and 5), and takes acks and results (section 7). Every frame out
 * goes through `send`, which records it in the transcript.
 */
export class AgentGateway {
  readonly #state: ServiceState;
  readonly #queue: CommandQueue;
  #connectionSeq = 0;

  constructor(state: ServiceState, queue: CommandQueue) {
    this.#state = state;
    this.#queue = queue;
  }

  accept(ws: WebSocket): void {
    const state = this.#state;
    const connection = new Connection(++this.#connectionSeq, ws);
    if (state.stopped) {
      ws.close(CloseCode.goingAway, 'service stopping');
      return;
    }
    state.connections.set(connection.id, connection);
    ws.on('message', (data, isBinary) => this.#onFrame(connection, toBuffer(data), isBinary));
    ws.on('ping', (data) => {
      connection.alive = true;
      if (state.answerPings && !state.stalled) ws.pong(data);
    });
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws has closed the socket already (1009 for a frame over maxPayload, 1002 for a bad frame).
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.#ignored(connection, FrameError.FRAME_TOO_LARGE);
      else state.logger.warn('agent connection error', { connectionId: connection.id, code: error.code });
    });
    ws.on('close', (code) => this.#onClose(connection, code));
    state.events.emit('connection', { connectionId: connection.id });
    if (!state.stalled) this.challenge(connection);
  }

  /** Sends the challenge and starts the hello timeout (a stalled service does neither). */
  challenge(connection: Connection): void {
    connection.nonce = toBase64Url(this.#state.random.bytes(32));
    this.sendMessage(connection, { type: 'challenge', nonce: connection.nonce });
    connection.helloTimer = setTimeout(() => {
      if (connection.phase === 'open' && !this.#state.stalled) this.#refuse(connection, ServiceErrorCode.HELLO_TIMEOUT, 'no register or hello in time');
    }, this.#state.helloTimeoutMs);
    connection.helloTimer.unref();
  }

  /** The queue's way out (it has counted the command as outstanding already). */
  sendCommand(session: Session, command: PendingCommand, frame: string): void {
    this.send(session.connection, frame);
    this.#state.events.emit('commandSent', {
      agentId: session.agentId,
      commandId: command.id,
      outstanding: session.outstanding.size,
      maxInFlight: session.maxInFlight,
      redelivery: command.sends > 1,
    });
  }

  sendMessage(connection: Connection, message: ServiceMessage): void {
    this.send(connection, encodeMessage(message));
  }

  /** The one way out: recorded in the transcript, then written (dropped if the socket is no longer open). */
  send(connection: Connection, data: string | Buffer): void {
    const state = this.#state;
    if (connection.ws.readyState !== WebSocket.OPEN) {
      state.logger.debug('not sending on a connection that is not open', { connectionId: connection.id });
      return;
    }
    const binary = typeof data !== 'string';
    const entry = state.transcript.record({
      at: formatTime(state.clock.now()),
      direction: 'out',
      connectionId: connection.id,
      agentId: connection.agentId,
      text: binary ? data.toString('base64') : data,
      binary,
    });
    state.events.emit('frame', entry);
    connection.ws.send(data);
  }

  #onFrame(connection: Connection, data: Buffer, isBinary: boolean): void {
    const state = this.#state;
    connection.alive = true;
    const entry = state.transcript.record({
      at: formatTime(state.clock.now()),
      direction: 'in',
      connectionId: connection.id,
      agentId: connection.agentId,
      text: isBinary ? data.toString('base64') : data.toString('utf8'),
      binary: isBinary,
    });
    state.events.emit('frame', entry);
    // Frames on a replaced or refused connection are recorded, not processed: an unacknowledged
    // result comes again after the agent's next welcome.
    if (state.stalled || state.stopped || connection.phase === 'closed') return;
    try {
      this.#dispatch(connection, data, isBinary);
    } catch (error) {
      // A bug here must not crash the test process that hosts the service.
      state.logger.error('internal error handling an agent frame', { connectionId: connection.id, error: error instanceof Error ? error.name : 'unknown' });
    }
  }

  #dispatch(connection: Connection, data: Buffer, isBinary: boolean): void {
    const parsed = parseAgentFrame(data, isBinary);
    if (!parsed.ok) return this.#ignored(connection, parsed.error);
    const message = parsed.message;
    const state = this.#state;
    const unexpected = (): void => this.#ignored(connection, IgnoredFrame.UNEXPECTED_MESSAGE);
    switch (message.type) {
      case 'register':
        return connection.phase === 'open' ? this.#onRegister(connection, message) : unexpected();
      case 'hello':
        return connection.phase === 'open' ? this.#onHello(connection, message) : unexpected();
      case 'ack':
        return connection.session === null ? unexpected() : this.#onAck(connection.session, message);
      case 'result':
        return connection.session === null ? unexpected() : this.#onResult(connection.session, message);
      case 'serviceKeysAck':
        return connection.session?.features.has(Feature.keyRotation) === true ? this.#onServiceKeysAck(connection.session, message) : unexpected();
      case 'auditCheckpoint':
        return connection.session?.features.has(Feature.auditCheckpoint) === true ? receiveAuditCheckpoint(state, connection.session, message) : unexpected();
      case 'directories':
        // service-sim keeps no directories (docs/protocol.md section 15): never a silent drop.
        return unexpected();
    }
  }

  #onRegister(connection: Connection, message: RegisterMessage): void {
    const state = this.#state;
    connection.clearHelloTimer();
    connection.phase = 'registering';
    const outcome = registerAgent(message, {
      tokens: state.tokens,
      registry: state.registry,
      newAgentId: () => uuidFrom(state.random),
      now: state.clock.now(),
    });
    if (!outcome.ok) {
      state.logger.warn('registration refused', { connectionId: connection.id, code: outcome.code });
      state.events.emit('registrationRefused', { connectionId: connection.id, code: outcome.code });
      return this.#refuse(connection, outcome.code, outcome.message);
    }
    const { agent } = outcome;
    state.logger.info('agent registered', { agentId: agent.agentId, tenantId: agent.tenantId });
    this.sendMessage(connection, { type: 'registered', agentId: agent.agentId, tenantId: agent.tenantId, serviceKeys: state.keys.list() });
    state.events.emit('registered', { connectionId: connection.id, agentId: agent.agentId, tenantId: agent.tenantId, agentName: agent.agentName });
    connection.phase = 'closed';
    connection.ws.close(CloseCode.normal, 'registered');
  }

  #onHello(connection: Connection, hello: HelloMessage): void {
    const state = this.#state;
    connection.clearHelloTimer();
    const registered = state.registry.get(hello.agentId);
    const agent = registered === undefined ? undefined : { tenant_id: registered.tenantId, signing_key: registered.signingKeyRaw };
    const check = checkHello(hello, { agent, nonce: connection.nonce ?? '', now: state.clock.now(), clockSkewMs: state.clockSkewMs });
    if (!check.ok) {
      state.logger.warn('hello refused', { connectionId: connection.id, code: check.code });
      state.events.emit('helloRefused', { connectionId: connection.id, agentId: hello.agentId, code: check.code });
      return this.#refuse(connection, check.code, check.message);
    }
    const previous = state.sessions.get(hello.agentId);
    if (previous !== undefined) {
      this.sendMessage(previous.connection, { type: 'error', code: ServiceErrorCode.REPLACED, message: 'another connection of this agent took over' });
      previous.connection.phase = 'closed';
      previous.connection.ws.close(CloseCode.replaced, 'replaced');
      this.endSession(previous, CloseCode.replaced, true);
    }
    // Version 1 has no features: a v1 session ignores any the hello lists.
    const v2 = connection.protocol === Subprotocol.v2;
    const session = new Session({
      sessionId: uuidFrom(state.random),
      agentId: hello.agentId,
      tenantId: hello.tenantId,
      maxInFlight: hello.maxInFlight,
      capabilities: hello.capabilities,
      features: v2 ? sharedFeatures(state.features, hello.features) : new Set(),
      connection,
      agentSigningKey: check.agentSigningKey,
    });
    connection.session = session;
    connection.phase = 'session';
    state.sessions.set(session.agentId, session);
    this.sendMessage(connection, {
      type: 'welcome',
      sessionId: session.sessionId,
      heartbeatIntervalMs: state.heartbeatIntervalMs,
      serverTime: formatTime(state.clock.now()),
      ...(v2 ? { features: [...state.features] } : {}),
    });
    state.logger.info('agent connected', { agentId: session.agentId, sessionId: session.sessionId, maxInFlight: session.maxInFlight, protocol: session.protocol });
    state.events.emit('agentConnected', sessionInfo(session));
    // An agent that was away when the keys were last announced learns them now.
    const announcement = state.announcement;
    if (announcement !== null && state.keyAcks.get(session.agentId)?.issuedAt !== announcement.issuedAt) this.announceTo(session, announcement);
    this.#queue.pump();
  }

  #onAck(session: Session, message: AckMessage): void {
    const state = this.#state;
    if (!state.acks.has(message.commandId)) state.acks.set(message.commandId, { agentId: session.agentId, at: formatTime(state.clock.now()) });
    state.events.emit('ack', { agentId: session.agentId, commandId: message.commandId, known: this.#queue.get(message.commandId) !== undefined });
  }

  #onResult(session: Session, message: ResultMessage): void {
    const state = this.#state;
    const { result } = message;
    const refusal = checkResult(message, session);
    if (refusal !== null) {
      state.logger.warn('result refused', { agentId: session.agentId, commandId: result.commandId, reason: refusal });
      state.events.emit('resultRefused', { agentId: session.agentId, commandId: result.commandId, reason: refusal });
      return;
    }
    if (isPreAuthenticationRefusal(result)) {
      // It says a frame naming the id was refused, not what became of the command: as the service, neither stored nor acknowledged.
      if (!state.refusals.has(result.commandId)) state.refusals.set(result.commandId, result);
      state.logger.warn('a refusal before authentication is not stored as the command result', { agentId: session.agentId, commandId: result.commandId, code: result.code });
      state.events.emit('refusedBeforeAuthentication', { agentId: session.agentId, result });
      state.answered(result.commandId, result);
      return;
    }
    this.#queue.answered(session, result.commandId);
    const outcome = state.results.offer(result);
    const command = this.#queue.get(result.commandId);
    if (outcome === 'stored') {
      if (command !== undefined && !command.settled) {
        command.settle(result);
        this.#queue.settled(command);
      }
      state.events.emit('result', { agentId: session.agentId, result, known: command !== undefined });
      state.answered(result.commandId, result);
    } else {
      if (outcome === 'conflicting') state.logger.warn('a second, different result for a command (the first one stays)', { agentId: session.agentId, commandId: result.commandId });
      state.events.emit('duplicateResult', { agentId: session.agentId, result, identical: outcome === 'identical' });
    }
    this.sendMessage(session.connection, { type: 'resultAck', commandId: result.commandId });
    this.#queue.pump();
  }

  /** Sends a key announcement to the session if it negotiated keyRotation; false when it did not. */
  announceTo(session: Session, announcement: ServiceKeysMessage): boolean {
    if (!session.features.has(Feature.keyRotation)) return false;
    session.announcement = announcement;
    this.sendMessage(session.connection, announcement);
    return true;
  }

  #onServiceKeysAck(session: Session, message: ServiceKeysAckMessage): void {
    const state = this.#state;
    const refusal = judgeKeysAck(session, message);
    if (refusal !== null) {
      state.logger.warn('serviceKeysAck refused', { agentId: session.agentId, reason: refusal });
      state.events.emit('serviceKeysAckRefused', { agentId: session.agentId, reason: refusal });
      return;
    }
    session.announcement = null;
    state.keyAcks.set(session.agentId, { issuedAt: message.issuedAt, kids: message.kids });
    state.logger.info('agent trusts the announced service keys', { agentId: session.agentId, issuedAt: message.issuedAt, kids: message.kids });
    state.events.emit('serviceKeysAck', { agentId: session.agentId, issuedAt: message.issuedAt, kids: message.kids });
  }

  #onClose(connection: Connection, code: number): void {
    connection.phase = 'closed';
    connection.clearHelloTimer();
    this.#state.connections.delete(connection.id);
    if (connection.session !== null) this.endSession(connection.session, code, false);
    this.#state.events.emit('connectionClosed', { connectionId: connection.id, agentId: connection.agentId, code });
  }

  /** The session is over: its outstanding commands go back to the queue for redelivery. */
  endSession(session: Session, code: number, replaced: boolean): void {
    const state = this.#state;
    if (session.closed) return;
    if (state.sessions.get(session.agentId) === session) state.sessions.delete(session.agentId);
    state.logger.info('agent disconnected', { agentId: session.agentId, sessionId: session.sessionId, code, replaced });
    state.events.emit('agentDisconnected', { agentId: session.agentId, sessionId: session.sessionId, connectionId: session.connection.id, code, replaced });
    this.#queue.sessionClosed(session);
  }

  /** error + close 4001 (SPEC.md section 5). */
  #refuse(connection: Connection, code: ServiceErrorCode, message: string): void {
    this.sendMessage(connection, { type: 'error', code, message });
    connection.phase = 'closed';
    connection.ws.close(CloseCode.unauthorized, code);
  }

  #ignored(connection: Connection, error: ServiceEvents['frameError']['error']): void {
    const event = { connectionId: connection.id, agentId: connection.agentId, error };
    this.#state.frameErrors.push(event);
    this.#state.logger.warn('ignored an agent frame', event);
    this.#state.events.emit('frameError', event);
  }
}

export function sessionInfo(session: Session): SessionInfo {
  return {
    agentId: session.agentId,
    tenantId: session.tenantId,
    sessionId: session.sessionId,
    connectionId: session.connection.id,
    maxInFlight: session.maxInFlight,
    capabilities: session.capabilities,
    protocol: session.protocol,
    features: [...session.features],
    outstanding: session.outstanding.size,
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
