import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A full garbage collection when the process has grown. Each command leaves native memory behind
 * (OpenSSL keys and cipher contexts, TLS records) held by small JS objects that V8 does not weigh:
 * the JS heap stays near 20 MB, so V8 sees no reason for a full collection while RSS climbs by
 * kilobytes per command (issue 9's soak: hundreds of MB over 50,000 commands, before the TLS and
 * journal fixes). So the agent looks at its RSS and collects once it has grown by
 * `afterRssGrowthBytes` since the last collection.
 *
 * It used to collect after every 1,000 commands, and that was dear: a forced full collection
 * clears maps that V8's optimized code embeds, so hot functions deoptimize and are compiled again
 * on helper threads (13,000 commands on slapd: 96 deoptimizations for "embedded weak objects
 * cleared" with it, 14 without). In alternated runs of two agents (20,000 commands each) the one
 * collecting per 1,000 commands spent 697 µs of CPU per command, the one per 10,000 595, and one
 * that never collected under load 509 against 652; a full `npm run bench` without it still kept
 * RSS growth over 56,000 commands at 3.2 MB (target 10).
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

  constructor(private readonly afterRssGrowthBytes: number, commandsNow: number, rssNow: number) {
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
