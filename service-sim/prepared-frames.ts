import type { Command } from '../protocol/index.js';
import type { Session } from '../service/gateway/session.js';

/** A signed, sealed frame built ahead of time (benchmarks), for one agent, sent raw by `ServiceSim.sendPrepared`. */
export interface PreparedCommand {
  id: string;
  tenantId: string;
  agentId: string;
  command: Command;
  frame: string;
}

/** What the windows need of the rig. */
export interface PreparedFramesHost {
  /** The agent's open session, if connected. */
  session(agentId: string): Session | undefined;
  /** Writes the frame on the session (the window has counted it). */
  send(session: Session, item: PreparedCommand, outstanding: number): void;
  /** Whether the agent answered the id already (a frame cut off after its answer is not sent again). */
  answered(commandId: string): boolean;
}

interface Window {
  queue: PreparedCommand[];
  inFlight: Map<string, PreparedCommand>;
}

/**
 * The bench's own flow control over raw prepared frames: per agent, never more out at once than
 * its hello's maxInFlight, the next one sent when an answer comes back. The service's queue is not
 * involved (it never issued these ids), so an agent benchmark measures the agent.
 */
export class PreparedFrames {
  readonly #windows = new Map<string, Window>();

  constructor(private readonly host: PreparedFramesHost) {}

  /** Queues the frames and sends what each agent's window allows. */
  add(prepared: readonly PreparedCommand[]): void {
    for (const item of prepared) this.#window(item.agentId).queue.push(item);
    for (const agentId of new Set(prepared.map((item) => item.agentId))) this.pump(agentId);
  }

  /** Sends from the agent's line while its window has room and it is connected. */
  pump(agentId: string): void {
    const window = this.#windows.get(agentId);
    const session = this.host.session(agentId);
    if (window === undefined || session === undefined) return;
    while (window.queue.length > 0 && window.inFlight.size < session.maxInFlight) {
      const item = window.queue.shift()!;
      window.inFlight.set(item.id, item);
      this.host.send(session, item, window.inFlight.size);
    }
  }

  /** The agent answered `commandId`: its window has room again. */
  answered(agentId: string, commandId: string): void {
    if (this.#windows.get(agentId)?.inFlight.delete(commandId) === true) this.pump(agentId);
  }

  /** The session ended: frames still out go again, first, on the agent's next session (as the service redelivers). */
  sessionClosed(agentId: string): void {
    const window = this.#windows.get(agentId);
    if (window === undefined || window.inFlight.size === 0) return;
    window.queue.unshift(...[...window.inFlight.values()].filter((item) => !this.host.answered(item.id)));
    window.inFlight.clear();
  }

  /** Frames sent or waiting to be, without an answer. */
  get pending(): number {
    let count = 0;
    for (const window of this.#windows.values()) count += window.queue.length + window.inFlight.size;
    return count;
  }

  #window(agentId: string): Window {
    let window = this.#windows.get(agentId);
    if (window === undefined) {
      window = { queue: [], inFlight: new Map() };
      this.#windows.set(agentId, window);
    }
    return window;
  }
}
