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
  collect?: (() => void) | null;
}

/** `global.gc` under --expose-gc; else switched on now (V8 allows that flag at run time); else null. */
export function fullCollector(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** Starts the schedule; returns a function that stops it. Does nothing when no collector is available. */
export function scheduleGarbageCollection(options: GarbageCollectionOptions): () => void {
  const gc = options.collect === undefined ? fullCollector() : options.collect;
  if (gc === null) return () => undefined;
  let last = options.commands();
  const timer = setInterval(() => {
    const now = options.commands();
    if (now - last < options.afterCommands) return;
    last = now;
    gc();
  }, options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
