import type { Result } from '../protocol/index.js';

interface Waiter {
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/**
 * What the rig knows of each command id from the gateway's hooks: issued through the rig, acked,
 * stored, answered (stored or not) or refused before authentication, and who waits for which.
 */
export class CommandLedger {
  /** First ack per command id. */
  readonly acks = new Map<string, { agentId: string; at: string }>();
  /** Refusals before authentication by command id (first one wins). */
  readonly refusals = new Map<string, Result>();
  /** Results the service stored, as its result hook reported each after the write. */
  readonly stored = new Map<string, Result>();
  /** The first verified result the rig saw per command id, stored or not: what `answer` returns. */
  readonly answers = new Map<string, Result>();
  readonly #answerWaiters = new Map<string, ((result: Result) => void)[]>();
  /** Commands issued through the rig and without a stored result yet. */
  readonly #waiting = new Map<string, Waiter>();
  readonly #issued = new Set<string>();

  /** Commands issued through the rig without a stored result yet. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Notes an id issued through the rig; the promise settles with its stored result. */
  issue(id: string): Promise<Result> {
    this.#issued.add(id);
    const result = new Promise<Result>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    // Nobody has to await it: a rig stopped with commands pending is no unhandled rejection.
    result.catch(() => undefined);
    return result;
  }

  /** Whether the rig issued the id (an ack of any other id is reported as unknown). */
  issued(commandId: string): boolean {
    return this.#issued.has(commandId);
  }

  /** The command could not be queued: its result rejects. */
  failed(commandId: string, error: unknown): void {
    this.#waiting.get(commandId)?.reject(error instanceof Error ? error : new Error(String(error)));
    this.#waiting.delete(commandId);
  }

  /** Rejects every result still pending (the rig stops). */
  rejectPending(message: string): void {
    for (const waiter of this.#waiting.values()) waiter.reject(new Error(message));
    this.#waiting.clear();
  }

  acked(agentId: string, commandId: string, at: string): void {
    if (!this.acks.has(commandId)) this.acks.set(commandId, { agentId, at });
  }

  /** The service stored the result: its issued command's result resolves. */
  storedResult(result: Result): void {
    this.stored.set(result.commandId, result);
    const waiter = this.#waiting.get(result.commandId);
    this.#waiting.delete(result.commandId);
    waiter?.resolve(result);
  }

  /** A verified refusal before authentication: an answer (`answered` follows), never a stored result. */
  refused(result: Result): void {
    if (!this.refusals.has(result.commandId)) this.refusals.set(result.commandId, result);
  }

  /** The agent answered: the first answer per id is kept, and whoever waits on `answer` wakes. */
  answered(result: Result): void {
    if (!this.answers.has(result.commandId) && !this.refusals.has(result.commandId)) this.answers.set(result.commandId, result);
    const waiters = this.#answerWaiters.get(result.commandId);
    if (waiters === undefined) return;
    this.#answerWaiters.delete(result.commandId);
    for (const wake of waiters) wake(result);
  }

  /** The agent's answer to a command id, at once if known; rejects after `timeoutMs`. One map lookup per result, however many wait. */
  answer(commandId: string, timeoutMs: number): Promise<Result> {
    const known = this.answers.get(commandId) ?? this.refusals.get(commandId);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const wake = (result: Result): void => {
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        const waiters = this.#answerWaiters.get(commandId)?.filter((waiter) => waiter !== wake) ?? [];
        if (waiters.length > 0) this.#answerWaiters.set(commandId, waiters);
        else this.#answerWaiters.delete(commandId);
        reject(new Error(`no answer to command ${commandId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#answerWaiters.set(commandId, [...(this.#answerWaiters.get(commandId) ?? []), wake]);
    });
  }
}
