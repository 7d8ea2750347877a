import type { Result } from '../protocol/index.js';

/** A command issued through the queue, from issue to its first stored result. */
export class PendingCommand {
  readonly id: string;
  readonly tenantId: string;
  readonly pinnedAgentId: string | null;
  /** The signed frame per agent, built once: a redelivery to the same agent sends identical bytes. */
  readonly frames = new Map<string, string>();
  /** Agents it was sent to (an agent that had it gets it back first: it may have applied it). */
  readonly sentTo = new Set<string>();
  sends = 0;
  result: Result | null = null;
  readonly promise: Promise<Result>;
  /** Builds the frame for an agent; holds the plain secret in its closure, dropped once settled. */
  #build: ((agentId: string) => string) | null;
  #done = false;
  #resolve!: (result: Result) => void;
  #reject!: (error: Error) => void;

  constructor(init: { id: string; tenantId: string; pinnedAgentId: string | null; build: ((agentId: string) => string) | null }) {
    this.id = init.id;
    this.tenantId = init.tenantId;
    this.pinnedAgentId = init.pinnedAgentId;
    this.#build = init.build;
    this.promise = new Promise<Result>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nobody has to await it: a service stopped with commands pending is no unhandled rejection.
    this.promise.catch(() => undefined);
  }

  /** A result was stored or the service stopped: it is never sent again. */
  get settled(): boolean {
    return this.#done;
  }

  frameFor(agentId: string): string {
    let frame = this.frames.get(agentId);
    if (frame === undefined) {
      if (this.#build === null) throw new Error(`command ${this.id} cannot be built for agent ${agentId}`);
      frame = this.#build(agentId);
      this.frames.set(agentId, frame);
    }
    return frame;
  }

  settle(result: Result): void {
    this.result = result;
    this.#done = true;
    this.#build = null;
    this.#resolve(result);
  }

  fail(error: Error): void {
    this.#done = true;
    this.#build = null;
    this.frames.clear();
    this.#reject(error);
  }
}
