import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long: the wait then fails naming `what`, instead of hanging until ava's timeout. */
  timeoutMs: number;
  /** What is awaited, for the failure message ("a third of the results"). */
  what: string;
  /** Pause between checks; 5 ms unless given. */
  intervalMs?: number;
}

/**
 * Resolves once `condition` holds, checked at once and then every `intervalMs`; rejects with
 * "timed out after N ms waiting for <what>" once `timeoutMs` has passed. Every polling wait in
 * the tests goes through here, so none can hang.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, options: EventuallyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await delay(options.intervalMs ?? 5);
  }
}
