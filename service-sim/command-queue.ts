import type { PendingCommand } from './pending-command.js';
import type { Session } from './session.js';

/** What the queue needs from the service around it. */
export interface QueueHost {
  /** The agent's open session, if connected. */
  sessionOf(agentId: string): Session | undefined;
  /** Open sessions of a tenant. */
  sessionsOf(tenantId: string): Session[];
  /** Every open session. */
  sessions(): Iterable<Session>;
  /** Writes the frame; the queue has already counted it as outstanding. */
  send(session: Session, command: PendingCommand, frame: string): void;
  /** True while the service is stalled: nothing is sent. */
  paused(): boolean;
}

/**
 * Commands waiting to be sent, and credit-based flow control (SPEC.md section 5): a session never
 * has more than its `maxInFlight` commands outstanding. Commands outstanding on a session that
 * closes are redelivered before new ones, to the same agent if it is connected, else another.
 */
export class CommandQueue {
  readonly #host: QueueHost;
  readonly #commands = new Map<string, PendingCommand>();
  /** Maps keep insertion order, so both are FIFO with O(1) removal. */
  readonly #redeliver = new Map<string, PendingCommand>();
  readonly #queued = new Map<string, PendingCommand>();
  #sendSeq = 0;
  #pumping = false;
  #pumpAgain = false;

  constructor(host: QueueHost) {
    this.#host = host;
  }

  get(commandId: string): PendingCommand | undefined {
    return this.#commands.get(commandId);
  }

  /** Commands issued and not settled (queued or outstanding somewhere). */
  get pendingCount(): number {
    let count = 0;
    for (const command of this.#commands.values()) if (!command.settled) count += 1;
    return count;
  }

  /** Commands not sent to anyone at the moment. */
  get waitingCount(): number {
    return this.#redeliver.size + this.#queued.size;
  }

  /** Queues a command (ids are unique); `pump` false lets a caller add many and pump once. */
  add(command: PendingCommand, pump = true): void {
    if (this.#commands.has(command.id)) throw new Error(`command id ${command.id} was issued already`);
    this.#commands.set(command.id, command);
    this.#queued.set(command.id, command);
    if (pump) this.pump();
  }

  /** The session is gone: what it had outstanding goes back to the front of the line. */
  sessionClosed(session: Session): void {
    session.closed = true;
    for (const id of session.outstanding) {
      const command = this.#commands.get(id);
      if (command !== undefined && !command.settled) this.#redeliver.set(id, command);
    }
    session.outstanding.clear();
    this.pump();
  }

  /** A result (stored or not) came from `session`: its credit for that command is back. */
  answered(session: Session, commandId: string): void {
    session.outstanding.delete(commandId);
  }

  /** The command has its result: it is never sent again. */
  settled(command: PendingCommand): void {
    this.#redeliver.delete(command.id);
    this.#queued.delete(command.id);
  }

  /** Sends what the credit allows. Re-entrant calls (from event listeners) fold into the running one. */
  pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#pumpOnce();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  /** Rejects every unsettled command (the service stops). */
  failAll(error: Error): void {
    for (const command of this.#commands.values()) if (!command.settled) command.fail(error);
    this.#redeliver.clear();
    this.#queued.clear();
  }

  #pumpOnce(): void {
    if (this.#host.paused()) return;
    for (const line of [this.#redeliver, this.#queued]) {
      for (const command of line.values()) {
        if (!this.#anyCredit()) return;
        const session = this.#pick(command);
        if (session === undefined) continue;
        line.delete(command.id);
        const frame = command.frameFor(session.agentId);
        session.outstanding.add(command.id);
        session.lastSentSeq = ++this.#sendSeq;
        command.sentTo.add(session.agentId);
        command.sends += 1;
        this.#host.send(session, command, frame);
      }
    }
  }

  #anyCredit(): boolean {
    for (const session of this.#host.sessions()) if (session.credit > 0) return true;
    return false;
  }

  #pick(command: PendingCommand): Session | undefined {
    if (command.pinnedAgentId !== null) {
      const session = this.#host.sessionOf(command.pinnedAgentId);
      return session !== undefined && session.credit > 0 ? session : undefined;
    }
    const sessions = this.#host.sessionsOf(command.tenantId);
    // An agent that had the command and is connected again gets it back (it may have applied it
    // already and answers from its record); it waits for that agent's credit rather than moving.
    const previous = sessions.filter((session) => command.sentTo.has(session.agentId));
    if (previous.length > 0) return previous.find((session) => session.credit > 0);
    let best: Session | undefined;
    for (const session of sessions) {
      if (session.credit <= 0) continue;
      if (best === undefined || session.outstanding.size < best.outstanding.size || (session.outstanding.size === best.outstanding.size && session.lastSentSeq < best.lastSentSeq)) {
        best = session;
      }
    }
    return best;
  }
}
