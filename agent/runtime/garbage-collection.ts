/**
 * A full garbage collection when the process has grown. Each command leaves native memory behind
 * (OpenSSL keys and cipher contexts, TLS records) held by small JS objects that V8 does not weigh,
 * so V8 sees no reason for a full collection while RSS climbs. The agent looks at its RSS instead
 * and collects once it has grown by `afterRssGrowthBytes` since the last collection; not per count
 * of commands, because a forced collection also throws away optimized code (docs/performance.md).
 */
export interface GarbageCollectionOptions {
  /** How often to look. */
  everyMs: number;
  /** RSS growth since the last collection (or the start) that makes a full collection worth it. */
  afterRssGrowthBytes: number;
  /** Commands finished so far (an idle agent is left alone; see CollectionPolicy). */
  commands: () => number;
  /** The process's RSS in bytes (default process.memoryUsage.rss); for tests. */
  rss?: () => number;
  /** The full collection (default fullCollector()); for tests. */
  collect?: Collector | null;
}

/** V8's gc(): no argument for a full collection; `last-resort` also shrinks the heap's spaces. */
type Collector = (options?: { type: 'major'; flavor: 'regular' | 'last-resort' }) => void;

let collector: Collector | null | undefined;

/**
 * `global.gc`, there when node runs with --expose-gc (the service's flags, ServiceDefaults.runNodeFlags);
 * null otherwise, and the agent then leaves collection to V8. Looked up once.
 */
export function fullCollector(): Collector | null {
  if (collector !== undefined) return collector;
  const exposed = (globalThis as { gc?: unknown }).gc;
  return (collector = typeof exposed === 'function' ? (exposed as Collector) : null);
}

/**
 * A memory-reducing full collection: start-up grows the young generation and leaves garbage
 * (module compilation, config, keys, the first permission check), which an idle agent would
 * otherwise keep resident.
 */
export function releaseStartupMemory(): void {
  fullCollector()?.({ type: 'major', flavor: 'last-resort' });
}

/**
 * What to collect at each look, from the count of finished commands and the RSS: while commands
 * flow, a full collection once RSS has grown by `afterRssGrowthBytes` since the last collection
 * (`collected` records where a collection left it); when they stop (none finished since the
 * previous look), one memory-reducing collection, so RSS goes back down after a burst instead of
 * staying at its peak; an idle agent is left alone.
 */
export class CollectionPolicy {
  #reducedAt: number;
  #previous: number;
  #rssAfterCollection: number;

  constructor(
    private readonly afterRssGrowthBytes: number,
    commandsNow: number,
    rssNow: number,
  ) {
    this.#reducedAt = commandsNow;
    this.#previous = commandsNow;
    this.#rssAfterCollection = rssNow;
  }

  decide(commands: number, rss: number): 'full' | 'reduce' | null {
    const previous = this.#previous;
    this.#previous = commands;
    if (commands !== previous) return rss - this.#rssAfterCollection >= this.afterRssGrowthBytes ? 'full' : null;
    if (commands !== this.#reducedAt) {
      this.#reducedAt = commands;
      return 'reduce';
    }
    return null;
  }

  /** Where the collection just run left RSS: the next growth is counted from here. */
  collected(rss: number): void {
    this.#rssAfterCollection = rss;
  }
}

/** Starts the schedule (see CollectionPolicy); returns a function that stops it. Does nothing without a collector. */
export function scheduleGarbageCollection(options: GarbageCollectionOptions): () => void {
  const gc = options.collect === undefined ? fullCollector() : options.collect;
  if (gc === null) return () => undefined;
  const rss = options.rss ?? ((): number => process.memoryUsage.rss());
  const policy = new CollectionPolicy(options.afterRssGrowthBytes, options.commands(), rss());
  const timer = setInterval(() => {
    const decision = policy.decide(options.commands(), rss());
    if (decision === null) return;
    if (decision === 'full') gc();
    else gc({ type: 'major', flavor: 'last-resort' });
    policy.collected(rss());
  }, options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
