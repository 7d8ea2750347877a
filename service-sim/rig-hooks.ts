import type { WebSocket } from 'ws';
import { CloseCode, canonicalize, formatTime, type Result } from '../protocol/index.js';
import type { Connection } from '../service/gateway/connection.js';
import type { GatewayHooks } from '../service/gateway/gateway-hooks.js';
import type { Session } from '../service/gateway/session.js';
import type { StoreOutcome } from '../service/store/results.js';
import type { CommandLedger } from './command-ledger.js';
import type { TypedEvents } from './events.js';
import type { Faults } from './faults.js';
import type { PreparedFrames } from './prepared-frames.js';
import type { FrameErrorEvent, ServiceEvents, SessionInfo } from './service-events.js';
import type { Transcript } from './transcript.js';

/** What the hooks need of the rig. */
export interface RigHooksHost {
  now(): Date;
  readonly events: TypedEvents<ServiceEvents>;
  readonly transcript: Transcript;
  readonly frameErrors: FrameErrorEvent[];
  readonly ledger: CommandLedger;
  readonly prepared: PreparedFrames;
  /** Registration tokens being written: a `register` waits for them. */
  readonly tokenWrites: ReadonlySet<Promise<unknown>>;
  /** The fault switches (built after the gateway, so read late). */
  faults(): Faults;
  stopped(): boolean;
}

/**
 * The gateway's hooks (service/gateway/gateway-hooks.ts) as the rig sets them: each turns into an
 * event, a transcript entry or a ledger entry, and obeys the fault switches (a stalled or down
 * service, unanswered pings).
 */
export class RigHooks {
  /** The last verified serviceKeysAck of each agent. */
  readonly keyAcks = new Map<string, { issuedAt: string; kids: readonly string[] }>();
  readonly #capabilities = new WeakMap<Connection, readonly string[]>();

  constructor(private readonly host: RigHooksHost) {}

  /** The hooks to put on the gateway's `NodeContext`. */
  gatewayHooks(): GatewayHooks {
    const { events, ledger, prepared } = this.host;
    return {
      connectionAccepted: (connection) => this.#accepted(connection),
      frameIn: (connection, data, isBinary) => this.#frameIn(connection, data, isBinary),
      frameOut: (connection, data) => this.#frameOut(connection, data),
      frameError: (connection, error) => {
        const event = { connectionId: connection.id, agentId: connection.session?.agentId ?? null, error: error as FrameErrorEvent['error'] };
        this.host.frameErrors.push(event);
        events.emit('frameError', event);
      },
      registered: (connection, agent) => events.emit('registered', { connectionId: connection.id, ...agent }),
      registrationRefused: (connection, code) => events.emit('registrationRefused', { connectionId: connection.id, code }),
      helloRefused: (connection, agentId, code) => events.emit('helloRefused', { connectionId: connection.id, agentId, code }),
      sessionOpened: (session) => {
        events.emit('agentConnected', this.info(session));
        prepared.pump(session.agentId);
      },
      sessionClosed: (session, code) => this.#sessionClosed(session, code),
      connectionClosed: (connection, code) => {
        this.host.faults().held.delete(connection);
        events.emit('connectionClosed', { connectionId: connection.id, agentId: connection.session?.agentId ?? null, code });
      },
      commandSent: (session, commandId, sends) =>
        events.emit('commandSent', { agentId: session.agentId, commandId, outstanding: session.outstanding.size, maxInFlight: session.maxInFlight, redelivery: sends > 1 }),
      ack: (session, commandId) => {
        ledger.acked(session.agentId, commandId, formatTime(this.host.now()));
        events.emit('ack', { agentId: session.agentId, commandId, known: ledger.issued(commandId) });
      },
      result: (session, result, outcome) => this.#result(session, result, outcome),
      resultRefused: (session, commandId, reason) => events.emit('resultRefused', { agentId: session.agentId, commandId, reason }),
      refusedBeforeAuthentication: (session, result) => {
        ledger.refused(result);
        events.emit('refusedBeforeAuthentication', { agentId: session.agentId, result });
        ledger.answered(result);
      },
      keysAck: (session, message, refusal) => {
        if (refusal !== null) return events.emit('serviceKeysAckRefused', { agentId: session.agentId, reason: refusal });
        this.keyAcks.set(session.agentId, { issuedAt: message.issuedAt, kids: message.kids });
        events.emit('serviceKeysAck', { agentId: session.agentId, issuedAt: message.issuedAt, kids: message.kids });
      },
      auditCheckpoint: (agentId, checkpoint, regression) => events.emit('auditCheckpoint', { agentId, checkpoint, regression }),
      auditCheckpointRefused: (agentId, reason) => events.emit('auditCheckpointRefused', { agentId, reason }),
    };
  }

  /** What the rig reports of a session (its hello's capabilities included). */
  info(session: Session): SessionInfo {
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

  #accepted(connection: Connection): boolean {
    const { ws } = connection;
    const faults = this.host.faults();
    this.host.events.emit('connection', { connectionId: connection.id });
    // The endpoint leaves pongs to the rig, so it can play a dead link; the service's own pings pause with them.
    ws.on('ping', (data) => {
      if (faults.answerPings) ws.pong(data);
    });
    const ping = ws.ping.bind(ws);
    ws.ping = (...args: Parameters<WebSocket['ping']>) => {
      if (faults.answerPings) ping(...args);
    };
    if (this.host.stopped() || faults.down) {
      ws.terminate();
      return true;
    }
    if (!faults.stalled) return false;
    faults.held.add(connection);
    return true;
  }

  #frameIn(connection: Connection, data: Buffer, isBinary: boolean): boolean {
    const text = isBinary ? data.toString('base64') : data.toString('utf8');
    const { tokenWrites } = this.host;
    if (connection.session === null && !isBinary && tokenWrites.size > 0 && text.includes('"register"')) {
      // The token handed out may not be written yet: this register is taken once it is.
      void Promise.allSettled([...tokenWrites]).then(() => connection.ws.emit('message', data, isBinary));
      return false;
    }
    const entry = this.host.transcript.record({ at: formatTime(this.host.now()), direction: 'in', connectionId: connection.id, agentId: connection.session?.agentId ?? null, text, binary: isBinary });
    this.host.events.emit('frame', entry);
    if (connection.session === null && !isBinary && text.includes('"hello"')) this.#noteCapabilities(connection, text);
    return !this.host.faults().stalled && !this.host.stopped();
  }

  #frameOut(connection: Connection, data: string | Buffer): boolean {
    const faults = this.host.faults();
    if (faults.stalled || faults.down) return false;
    const binary = typeof data !== 'string';
    const entry = this.host.transcript.record({
      at: formatTime(this.host.now()),
      direction: 'out',
      connectionId: connection.id,
      agentId: connection.session?.agentId ?? null,
      text: binary ? data.toString('base64') : data,
      binary,
    });
    this.host.events.emit('frame', entry);
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

  #sessionClosed(session: Session, code: number): void {
    this.host.events.emit('agentDisconnected', { agentId: session.agentId, sessionId: session.sessionId, connectionId: session.connection.id, code, replaced: code === CloseCode.replaced });
    this.host.prepared.sessionClosed(session.agentId);
  }

  #result(session: Session, result: Result, outcome: StoreOutcome): void {
    const { events, ledger } = this.host;
    const first = ledger.answers.get(result.commandId);
    if (outcome === 'stored') {
      ledger.storedResult(result);
      events.emit('result', { agentId: session.agentId, result });
    } else if (outcome === 'duplicate') {
      events.emit('duplicateResult', { agentId: session.agentId, result, identical: first !== undefined && canonicalize(first) === canonicalize(result) });
    } else {
      events.emit('unstoredResult', { agentId: session.agentId, result });
    }
    ledger.answered(result);
    this.host.prepared.answered(session.agentId, result.commandId);
  }
}
