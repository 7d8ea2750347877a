import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { completeTlvLength } from '../ber/ber-reader.js';
import { supportedControls } from '../ad/root-dse.js';
import type { Identity, SimDirectory } from '../ad/sim-directory.js';
import type { Faults } from '../faults.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapControl } from '../protocol/control.js';
import { decodeRequest } from '../protocol/decode-request.js';
import type { LdapRequest } from '../protocol/ldap-request.js';
import { encodeExtendedResponse, encodeMessage, encodeResult } from '../protocol/encode-response.js';
import { ProtocolOp, responseTagFor } from '../protocol/protocol-op.js';
import { SimError } from '../sim-error.js';
import { answerWithFault, noticeOfDisconnection } from './fault-response.js';
import { handleAdd, handleDelete } from './handle-add-delete.js';
import { handleBind } from './handle-bind.js';
import { handleCompare } from './handle-compare.js';
import { handleExtended } from './handle-extended.js';
import { handleModify } from './handle-modify.js';
import { handleSearch } from './handle-search.js';
import type { OperationContext, PagedSearchState } from './operation-context.js';
import type { SimLogger } from './sim-logger.js';

/** What every connection shares. */
export interface ServerShared {
  directory: SimDirectory;
  faults: Faults;
  secureContext: SecureContext | undefined;
  /** Key and certificate for the LDAPS listener. */
  tls: { key: string | Buffer; cert: string | Buffer } | undefined;
  logger: SimLogger;
  maxPageSize: number;
  /** Largest request accepted; bigger ones end the connection (protocolError). */
  maxRequestBytes: number;
}

/**
 * One client connection: frames BER messages off the stream, runs operations one at a time in
 * arrival order (abandon jumps the queue), applies faults, and turns any error into the response
 * of the operation at hand.
 */
export class LdapConnection implements OperationContext {
  identity: Identity = { entry: undefined };
  readonly pagedSearches = new Map<string, PagedSearchState>();
  private buffer: Buffer = Buffer.alloc(0);
  private queue: Promise<void> = Promise.resolve();
  private readonly abandoned = new Set<number>();
  private closed = false;
  /** performance.now() of the last byte in or out; for the idle-timeout fault. */
  lastActivity = performance.now();

  constructor(
    private socket: Socket,
    public encrypted: boolean,
    readonly connectionId: number,
    private readonly shared: ServerShared,
  ) {
    this.attach(socket);
  }

  get directory(): SimDirectory {
    return this.shared.directory;
  }

  get logger(): SimLogger {
    return this.shared.logger;
  }

  get maxPageSize(): number {
    return this.shared.maxPageSize;
  }

  get canStartTls(): boolean {
    return this.shared.secureContext !== undefined;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lastActivity = performance.now();
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      for (;;) {
        const length = completeTlvLength(this.buffer, this.shared.maxRequestBytes);
        if (length < 0) break;
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        this.receive(message);
        if (this.closed) break;
      }
    } catch (error) {
      this.disconnect(error instanceof Error ? error.message : 'protocol error');
    }
  };

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', (error) => this.logger.debug(`conn ${this.connectionId} socket error: ${error.message}`));
    socket.on('close', () => {
      this.closed = true;
    });
  }

  private receive(message: Buffer): void {
    let request: LdapRequest;
    try {
      request = decodeRequest(message);
    } catch (error) {
      this.disconnect(error instanceof SimError ? error.diagnostic : 'undecodable request');
      return;
    }
    if (request.operation.type === 'abandon') {
      this.abandoned.add(request.operation.messageId);
      return;
    }
    this.queue = this.queue.then(() => this.handle(request)).catch((error: unknown) => this.logger.warn(`conn ${this.connectionId}: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Sends the notice of disconnection and closes: what AD does with a request it cannot decode. */
  private disconnect(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.debug(`conn ${this.connectionId} dropped: ${reason}`);
    this.socket.end(encodeMessage(0, noticeOfDisconnection(reason)));
  }

  private async handle(request: LdapRequest): Promise<void> {
    if (this.closed) return;
    const { faults } = this.shared;
    const type = request.operation.type;
    this.directory.opLog.countRequest(type);
    if (faults.shouldDrop()) {
      this.closed = true;
      this.socket.destroy();
      return;
    }
    const latency = faults.latencyFor(type);
    if (latency > 0) await sleep(latency);
    const fault = faults.responseFor(type);
    if (fault && type !== 'unbind') {
      await answerWithFault(this, request, fault, { oversizedBytes: faults.oversizedBytes, referralUrl: faults.referralUrl });
      return;
    }
    try {
      await this.dispatch(request);
    } catch (error) {
      const simError = error instanceof SimError ? error : new SimError(LdapResultCode.other, '00000000: directory-sim internal error');
      if (!(error instanceof SimError)) this.logger.warn(`conn ${this.connectionId} internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await this.sendError(request, simError);
    }
  }

  private async sendError(request: LdapRequest, error: SimError): Promise<void> {
    const tag = responseTagFor[request.tag];
    if (tag === undefined) return;
    const result = { resultCode: error.resultCode, matchedDn: error.matchedDn, diagnostic: error.diagnostic, referrals: error.referrals };
    await this.send(request.messageId, tag === ProtocolOp.extendedResponse ? encodeExtendedResponse(result) : encodeResult(tag, result));
  }

  private async dispatch(request: LdapRequest): Promise<void> {
    const { operation, messageId, controls } = request;
    const supported: readonly string[] = supportedControls(this.directory.mode);
    const unknownCritical = controls.find((control) => control.critical && !supported.includes(control.oid));
    if (unknownCritical && operation.type !== 'unbind') {
      this.logger.debug(`conn ${this.connectionId} refuses critical control ${unknownCritical.oid}`);
      throw this.directory.texts.criticalExtension();
    }
    switch (operation.type) {
      case 'bind':
        return handleBind(this, messageId, operation);
      case 'search':
        return handleSearch(this, messageId, operation, controls);
      case 'modify':
        return handleModify(this, messageId, operation, controls);
      case 'add':
        return handleAdd(this, messageId, operation);
      case 'delete':
        return handleDelete(this, messageId, operation);
      case 'extended':
        return handleExtended(this, messageId, operation);
      case 'compare':
        return handleCompare(this, messageId, operation);
      case 'unbind':
        this.close();
        return;
      case 'abandon':
        return;
      case 'malformed':
        if (responseTagFor[operation.tag] === undefined) {
          this.disconnect(operation.diagnostic);
          return;
        }
        throw new SimError(LdapResultCode.protocolError, operation.diagnostic);
      case 'unsupported':
        if (responseTagFor[operation.tag] === undefined) {
          this.disconnect(`unknown protocol operation 0x${operation.tag.toString(16)}`);
          return;
        }
        throw this.directory.texts.unwilling();
    }
  }

  setIdentity(identity: Identity): void {
    this.identity = identity;
  }

  isAbandoned(messageId: number): boolean {
    return this.closed || this.abandoned.has(messageId);
  }

  send(messageId: number, protocolOp: Buffer, controls: readonly LdapControl[] = []): Promise<void> {
    return this.sendRaw(encodeMessage(messageId, protocolOp, controls));
  }

  async sendRaw(bytes: Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed) return;
    const socket = this.socket;
    this.lastActivity = performance.now();
    if (socket.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  async startTls(): Promise<void> {
    const raw = this.socket;
    raw.removeListener('data', this.onData);
    const secure = new TLSSocket(raw, { isServer: true, secureContext: this.shared.secureContext! });
    this.socket = secure;
    this.encrypted = true;
    this.attach(secure);
    await Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.socket.end();
  }

  /** Ends the connection at once (server stop). */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
