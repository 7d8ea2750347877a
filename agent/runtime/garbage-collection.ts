import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A full garbage collection now and then while commands flow. Each command leaves native memory
 * behind (OpenSSL keys and cipher contexts, TLS records) held by small JS objects that V8 does not
 * weigh: the JS heap stays near 20 MB, so V8 sees no reason for a full collection while RSS climbs
 * by kilobytes per command (issue 9's soak: hundreds of MB over 50,000 commands). A full collection
 * of a small heap takes a few milliseconds; one every few seconds under load costs well under 1%.
 */
export interface GarbageCollectionOptions {
  /** How often to look. */
  everyMs: number;
  /** Commands finished since the last collection that make one worth it (an idle agent is left alone). */
  afterCommands: number;
  /** Commands finished so far. */
  commands: () => number;
  /** The full collection (default fullCollector()); for tests. */
  collect?: Collector | null;
}

/** V8's gc(): no argument for a full collection; `last-resort` also shrinks the heap's spaces. */
type Collector = (options?: { type: 'major'; flavor: 'regular' | 'last-resort' }) => void;

let collector: Collector | null | undefined;

/** `global.gc` under --expose-gc; else switched on now (V8 allows that flag at run time); else null. Looked up once. */
export function fullCollector(): Collector | null {
  if (collector !== undefined) return collector;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return (collector = exposed as Collector);
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    collector = typeof gc === 'function' ? (gc as Collector) : null;
  } catch {
    collector = null;
  }
  return collector;
}

/**
 * A memory-reducing full collection: start-up grows the young generation and leaves garbage
 * (module compilation, config, keys, the first permission check), which an idle agent would
 * otherwise keep resident; `npm run bench` measured idle RSS 84 MB without, 78 MB with.
 */
export function releaseStartupMemory(): void {
  fullCollector()?.({ type: 'major', flavor: 'last-resort' });
}

/**
 * What to collect at each look, from the count of finished commands: while they flow, a full
 * collection once `afterCommands` finished since the last; when they stop (none finished since the
 * previous look), one memory-reducing collection, so RSS goes back down after a burst instead of
 * staying at its peak; an idle agent is left alone.
 */
export class CollectionPolicy {
  #collectedAt: number;
  #reducedAt: number;
  #previous: number;

  constructor(private readonly afterCommands: number, commandsNow: number) {
    this.#collectedAt = commandsNow;
    this.#reducedAt = commandsNow;
    this.#previous = commandsNow;
  }

  decide(commands: number): 'full' | 'reduce' | null {
    const previous = this.#previous;
    this.#previous = commands;
    if (commands - this.#collectedAt >= this.afterCommands) {
      this.#collectedAt = commands;
      return 'full';
    }
    if (commands === previous && commands !== this.#reducedAt) {
      this.#collectedAt = commands;
      this.#reducedAt = commands;
      return 'reduce';
    }
    return null;
  }
}

/** Starts the schedule (see CollectionPolicy); returns a function that stops it. Does nothing without a collector. */
export function scheduleGarbageCollection(options: GarbageCollectionOptions): () => void {
  const gc = options.collect === undefined ? fullCollector() : options.collect;
  if (gc === null) return () => undefined;
  const policy = new CollectionPolicy(options.afterCommands, options.commands());
  const timer = setInterval(() => {
    const decision = policy.decide(options.commands());
    if (decision === 'full') gc();
    else if (decision === 'reduce') gc({ type: 'major', flavor: 'last-resort' });
  }, options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
