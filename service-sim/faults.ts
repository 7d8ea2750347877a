import { WebSocket } from 'ws';
import { CloseCode } from '../protocol/index.js';
import type { AgentGateway } from '../service/gateway/agent-gateway.js';
import type { Connection } from '../service/gateway/connection.js';
import type { ListeningServer } from './server.js';

/** What the faults need of the rig. */
export interface FaultsHost {
  readonly gateway: AgentGateway;
  stopped(): boolean;
  /** The listener now (throws when there is none). */
  server(): ListeningServer;
  /** The listener was closed: nothing listens until `listen`. */
  closed(): void;
  /** Listens again, on `port`. */
  listen(port: number): Promise<void>;
}

/**
 * The rig's faults: dropped and closed connections, a stalled service, unanswered pings, and a
 * restart on the same port. The switches are read by the gateway's hooks (rig-hooks.ts).
 */
export class Faults {
  /** Connections accepted while stalled: challenged once the stall ends. */
  readonly held = new Set<Connection>();
  #stalled = false;
  #answerPings = true;
  #down = false;

  constructor(private readonly host: FaultsHost) {}

  get stalled(): boolean {
    return this.#stalled;
  }

  /** Whether pings are answered and sent (not while stalled). */
  get answerPings(): boolean {
    return this.#answerPings && !this.#stalled;
  }

  /** Between the cut and the new listener of a restart. */
  get down(): boolean {
    return this.#down;
  }

  dropAgent(agentId: string): boolean {
    const session = this.host.gateway.sessions.get(agentId);
    if (session === undefined) return false;
    session.connection.ws.terminate();
    return true;
  }

  closeAgent(agentId: string, code: number = CloseCode.normal, reason = ''): boolean {
    const session = this.host.gateway.sessions.get(agentId);
    if (session === undefined) return false;
    session.connection.ws.close(code, reason);
    return true;
  }

  setStalled(stalled: boolean): void {
    this.#stalled = stalled;
    if (stalled) return;
    const { gateway } = this.host;
    for (const connection of this.held) if (connection.phase === 'open' && connection.ws.readyState === WebSocket.OPEN) gateway.challenge(connection);
    this.held.clear();
    gateway.dispatcher.pumpAll();
  }

  setAnswerPings(answer: boolean): void {
    this.#answerPings = answer;
  }

  async restart(options: { downMs?: number }): Promise<void> {
    if (this.host.stopped()) throw new Error('the service is stopped');
    if (this.#down) throw new Error('the service is already restarting');
    const listening = this.host.server();
    this.#down = true;
    try {
      // close() waits for every socket to end, so it must not be awaited before they are cut.
      const closed = listening.close();
      await this.#cutConnections();
      await closed;
      this.host.closed();
      if ((options.downMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.downMs));
      await this.host.listen(listening.port);
    } finally {
      this.#down = false;
    }
  }

  /** Cuts every connection the way a crashed process would: no close frame; resolves once each has ended. */
  async #cutConnections(): Promise<void> {
    const closing = [...this.host.gateway.connections].map(
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
