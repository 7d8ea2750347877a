import type { KeyObject } from 'node:crypto';
import WebSocket from 'ws';
import {
  OPERATIONS,
  SUBPROTOCOL,
  TrustedKeys,
  authenticateCommand,
  buildResult,
  encodeMessage,
  formatTime,
  generateKeyPair,
  keyPairFromJwk,
  openSecret,
  parseServiceFrame,
  signHello,
  signResult,
  type AgentMessage,
  type CommandMessage,
  type KeyPair,
  type ResultCode,
  type ResultMessage,
  type ServiceKey,
  type ServiceMessage,
} from '../../../protocol/index.js';

/**
 * A minimal agent for the service-sim tests (not the real agent): registers, answers the
 * challenge with a signed hello, acks and answers commands with signed results.
 */

export interface AgentKeys {
  signing: KeyPair;
  encryption: KeyPair;
}

export interface AgentIdentity extends AgentKeys {
  agentId: string;
  tenantId: string;
  serviceKeys: ServiceKey[];
}

export function newAgentKeys(): AgentKeys {
  return { signing: keyPairFromJwk(generateKeyPair('Ed25519').jwk), encryption: keyPairFromJwk(generateKeyPair('X25519').jwk) };
}

/** Opens a connection and collects parsed messages until it closes. */
export function open(url: string, options: WebSocket.ClientOptions = {}, protocol: string | string[] = SUBPROTOCOL): { ws: WebSocket; messages: ServiceMessage[]; closed: Promise<number> } {
  const ws = new WebSocket(url, protocol, options);
  const messages: ServiceMessage[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    const parsed = parseServiceFrame(data, isBinary);
    if (parsed.ok) messages.push(parsed.message);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  return { ws, messages, closed };
}

/** SPEC.md section 4 over the wire; returns what the service answered and the close code. */
export async function registerOverWire(url: string, token: string, keys: AgentKeys, wsOptions: WebSocket.ClientOptions = {}): Promise<{ answer: ServiceMessage | undefined; closeCode: number }> {
  const { ws, messages, closed } = open(url, wsOptions);
  ws.on('open', () => {
    const register: AgentMessage = {
      type: 'register',
      token,
      agentName: 'test',
      hostname: 'localhost',
      agentVersion: '0.0.0',
      signingKey: keys.signing.publicKeyRaw,
      encryptionKey: keys.encryption.publicKeyRaw,
    };
    ws.send(encodeMessage(register));
  });
  const closeCode = await closed;
  return { answer: messages.find((message) => message.type !== 'challenge'), closeCode };
}

export async function registerIdentity(url: string, token: string, wsOptions: WebSocket.ClientOptions = {}): Promise<AgentIdentity> {
  const keys = newAgentKeys();
  const { answer } = await registerOverWire(url, token, keys, wsOptions);
  if (answer?.type !== 'registered') throw new Error(`registration failed: ${JSON.stringify(answer)}`);
  return { ...keys, agentId: answer.agentId, tenantId: answer.tenantId, serviceKeys: answer.serviceKeys };
}

export interface ReceivedCommand {
  frame: CommandMessage | null;
  commandId: string | null;
  /** The opened secret, or null. */
  secret: Record<string, string> | null;
  /** Code of a refusal in the first three steps (no ack then), or null. */
  refusal: ResultCode | null;
}

export interface TestAgentOptions {
  maxInFlight?: number;
  /** 'auto' answers every command at once; 'hold' keeps them until `answer`. */
  mode?: 'auto' | 'hold';
  /** Overrides for bad-hello tests. */
  hello?: { signWith?: KeyObject; nonce?: string; sentAt?: Date; tenantId?: string };
  /** Passed to the ws client (TLS trust, autoPong...). */
  ws?: WebSocket.ClientOptions;
  /** Subprotocols offered; default writeback.v1 only (a version-1 agent). */
  subprotocols?: string[];
  /** `features` of the hello (sent whatever the version, to test the service's side). */
  features?: string[];
}

export class TestAgent {
  readonly messages: ServiceMessage[];
  readonly commands: ReceivedCommand[] = [];
  readonly held: string[] = [];
  readonly resultAcks: string[] = [];
  readonly closed: Promise<number>;
  /** Highest number of commands held at once (received, no result sent). */
  maxOutstanding = 0;
  readonly #ws: WebSocket;
  readonly #identity: AgentIdentity;
  readonly #results = new Map<string, ResultMessage>();
  readonly #mode: 'auto' | 'hold';
  #inFlight = new Set<string>();

  private constructor(url: string, identity: AgentIdentity, options: TestAgentOptions) {
    const { ws, messages, closed } = open(url, options.ws, options.subprotocols);
    this.#ws = ws;
    this.messages = messages;
    this.closed = closed;
    this.#identity = identity;
    this.#mode = options.mode ?? 'auto';
    const trusted = new TrustedKeys(identity.serviceKeys);
    ws.on('message', (data: Buffer, isBinary) => {
      const parsed = parseServiceFrame(data, isBinary);
      if (!parsed.ok) {
        if (parsed.raw?.['type'] === 'command') this.#onCommand(parsed.raw, trusted);
        return;
      }
      const message = parsed.message;
      if (message.type === 'challenge') {
        const unsigned = {
          type: 'hello' as const,
          agentId: identity.agentId,
          tenantId: options.hello?.tenantId ?? identity.tenantId,
          agentVersion: '0.0.0',
          capabilities: [...OPERATIONS],
          maxInFlight: options.maxInFlight ?? 4,
          nonce: options.hello?.nonce ?? message.nonce,
          sentAt: formatTime(options.hello?.sentAt ?? new Date()),
          ...(options.features === undefined ? {} : { features: options.features }),
        };
        this.send(encodeMessage(signHello(unsigned, options.hello?.signWith ?? identity.signing.privateKey)));
      } else if (message.type === 'command') this.#onCommand(parsed.raw, trusted);
      else if (message.type === 'resultAck') this.resultAcks.push(message.commandId);
    });
  }

  /** Connects and resolves after `welcome` or `error` (or close). */
  static async connect(url: string, identity: AgentIdentity, options: TestAgentOptions = {}): Promise<TestAgent> {
    const agent = new TestAgent(url, identity, options);
    await Promise.race([agent.closed, agent.waitFor((message) => message.type === 'welcome' || message.type === 'error')]);
    return agent;
  }

  waitFor(predicate: (message: ServiceMessage) => boolean, timeoutMs = 5000): Promise<ServiceMessage> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const poll = (): void => {
        const found = this.messages.find(predicate);
        if (found !== undefined) resolve(found);
        else if (Date.now() > deadline) reject(new Error('the expected message did not arrive'));
        else setTimeout(poll, 5);
      };
      poll();
    });
  }

  send(data: string | Buffer): void {
    this.#ws.send(data);
  }

  get socket(): WebSocket {
    return this.#ws;
  }

  /** Sends (or re-sends) the signed result of a held command. */
  answer(commandId: string, options: { code?: ResultCode; signWith?: KeyObject; details?: Record<string, unknown> } = {}): ResultMessage {
    const result = buildResult({
      commandId,
      agentId: this.#identity.agentId,
      code: options.code ?? 'OK',
      message: 'done',
      details: options.details ?? {},
      completedAt: new Date(),
    });
    const message = signResult(result, options.signWith ?? this.#identity.signing.privateKey);
    // A refusal before authentication is not recorded: the genuine command with that id still runs.
    if (options.signWith === undefined && options.details?.['preAuthentication'] !== true) this.#results.set(commandId, message);
    this.#inFlight.delete(commandId);
    const index = this.held.indexOf(commandId);
    if (index >= 0) this.held.splice(index, 1);
    this.send(encodeMessage(message));
    return message;
  }

  answerHeld(): void {
    for (const id of [...this.held]) this.answer(id);
  }

  close(): Promise<number> {
    this.#ws.close(1000);
    return this.closed;
  }

  /** Kills the TCP connection without a close frame. */
  terminate(): Promise<number> {
    this.#ws.terminate();
    return this.closed;
  }

  #onCommand(raw: Record<string, unknown>, trusted: TrustedKeys): void {
    const auth = authenticateCommand(raw as never, { trusted, agentId: this.#identity.agentId, tenantId: this.#identity.tenantId });
    if (!auth.ok) {
      this.commands.push({ frame: null, commandId: auth.commandId, secret: null, refusal: auth.code });
      // Marked as the real agent marks it, so that no service takes it for the command's result.
      if (auth.commandId !== null) this.answer(auth.commandId, { code: auth.code, details: { preAuthentication: true } });
      return;
    }
    const command = auth.message.command;
    const known = this.#results.get(command.id);
    if (known !== undefined) {
      // Like the real agent: a known id is answered from the record, never applied again.
      this.send(encodeMessage(known));
      return;
    }
    const { encryption } = this.#identity;
    const opened = command.secret === undefined ? null : openSecret(command.secret, encryption.privateKey, encryption.publicKey, command.id);
    this.commands.push({ frame: auth.message, commandId: command.id, secret: opened?.ok === true ? opened.secret : null, refusal: null });
    if (this.#inFlight.has(command.id)) return;
    this.#inFlight.add(command.id);
    this.maxOutstanding = Math.max(this.maxOutstanding, this.#inFlight.size);
    this.send(encodeMessage({ type: 'ack', commandId: command.id }));
    if (this.#mode === 'auto') this.answer(command.id);
    else this.held.push(command.id);
  }
}
