import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { ParsedJson } from './service-process.js';
import {
  SUBPROTOCOL,
  buildResult,
  encodeMessage,
  generateKeyPair,
  keyPairFromJwk,
  signHello,
  signResult,
  signServiceKeysAck,
  type AgentMessage,
  type JsonObject,
  type KeyPair,
  type ResultCode,
} from '../../protocol/index.js';

/**
 * A hand-driven agent over a real WebSocket, for the service's protocol tests: it speaks only
 * through protocol/ (messages, signatures), and lets a test send what a real agent never would.
 */
export class RawAgent {
  readonly received: ParsedJson[] = [];
  readonly signing: KeyPair;
  readonly encryption: KeyPair;
  readonly signingKeyRaw: string;
  readonly encryptionKeyRaw: string;
  agentId = '';
  tenantId = '';
  closeCode: number | null = null;
  readonly #ws: WebSocket;
  readonly closed: Promise<number>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    const signing = generateKeyPair('Ed25519');
    const encryption = generateKeyPair('X25519');
    this.signing = keyPairFromJwk(signing.jwk);
    this.encryption = keyPairFromJwk(encryption.jwk);
    this.signingKeyRaw = signing.publicKeyRaw;
    this.encryptionKeyRaw = encryption.publicKeyRaw;
    ws.on('message', (data: Buffer) => this.received.push(JSON.parse(data.toString('utf8'))));
    this.closed = once(ws, 'close').then(([code]) => (this.closeCode = code as number));
  }

  /** `protocols`: the subprotocols offered (default version 1 only). */
  static async connect(url: string, ca: Buffer, keysFrom?: RawAgent, protocols: readonly string[] = [SUBPROTOCOL]): Promise<RawAgent> {
    const ws = new WebSocket(url, [...protocols], { ca });
    const agent = new RawAgent(ws);
    if (keysFrom !== undefined) {
      Object.assign(agent, {
        signing: keysFrom.signing,
        encryption: keysFrom.encryption,
        signingKeyRaw: keysFrom.signingKeyRaw,
        encryptionKeyRaw: keysFrom.encryptionKeyRaw,
        agentId: keysFrom.agentId,
        tenantId: keysFrom.tenantId,
      });
    }
    await once(ws, 'open');
    return agent;
  }

  send(message: AgentMessage | Record<string, unknown>): void {
    this.#ws.send(encodeMessage(message as AgentMessage));
  }

  sendText(text: string): void {
    this.#ws.send(text);
  }

  /** The next received message of `type` not yet taken (waits up to `timeoutMs`). */
  async next(type: string, timeoutMs = 10_000): Promise<ParsedJson> {
    const started = Date.now();
    for (;;) {
      const index = this.received.findIndex((m: ParsedJson) => m['type'] === type);
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      if (Date.now() - started > timeoutMs) throw new Error(`no ${type} within ${timeoutMs} ms (got ${this.received.map((m: ParsedJson) => String(m['type'])).join(', ')})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Whether a message of `type` arrives within `ms`. */
  async arrives(type: string, ms: number): Promise<boolean> {
    return this.next(type, ms).then(
      () => true,
      () => false,
    );
  }

  register(token: string): void {
    this.send({ type: 'register', token, agentName: 'raw', hostname: 'raw.test', agentVersion: '0.0.1', signingKey: this.signingKeyRaw, encryptionKey: this.encryptionKeyRaw });
  }

  /** challenge → signed hello (with another signing key when `signWith` is given). */
  async hello(options: { maxInFlight?: number; signWith?: KeyPair; features?: string[] } = {}): Promise<void> {
    const challenge = await this.next('challenge');
    const hello = signHello(
      {
        type: 'hello',
        agentId: this.agentId,
        tenantId: this.tenantId,
        agentVersion: '0.0.1',
        capabilities: ['getAccountState'],
        maxInFlight: options.maxInFlight ?? 4,
        nonce: challenge['nonce'],
        sentAt: new Date().toISOString(),
        ...(options.features === undefined ? {} : { features: options.features }),
      },
      (options.signWith ?? this.signing).privateKey,
    );
    this.send(hello);
  }

  /** A signed result for `commandId` (signed by `signWith` when given: a forgery). */
  result(commandId: string, code: ResultCode, options: { signWith?: KeyPair; agentId?: string; details?: JsonObject } = {}): void {
    const result = buildResult({
      commandId,
      agentId: options.agentId ?? this.agentId,
      code,
      message: code,
      completedAt: new Date(),
      ...(options.details === undefined ? {} : { details: options.details }),
    });
    this.send(signResult(result, (options.signWith ?? this.signing).privateKey));
  }

  /** A serviceKeysAck of the announcement of `issuedAt` (signed by `signWith` when given: a forgery). */
  serviceKeysAck(issuedAt: string, kids: readonly string[], options: { signWith?: KeyPair } = {}): void {
    this.send(signServiceKeysAck({ agentId: this.agentId, issuedAt, kids }, (options.signWith ?? this.signing).privateKey));
  }

  close(): void {
    this.#ws.close(1000);
  }
}
