import { canonicalize, type Result } from '../protocol/index.js';

export type ResultOutcome = 'stored' | 'identical' | 'conflicting';

/** Verified results by command id: the first one wins (SPEC.md section 7). */
export class ResultStore {
  readonly #results = new Map<string, Result>();
  readonly #canonical = new Map<string, string>();

  /** Stores the first result of a command; later ones are compared to it, never stored. */
  offer(result: Result): ResultOutcome {
    const canonical = canonicalize(result);
    const first = this.#canonical.get(result.commandId);
    if (first === undefined) {
      this.#results.set(result.commandId, result);
      this.#canonical.set(result.commandId, canonical);
      return 'stored';
    }
    return first === canonical ? 'identical' : 'conflicting';
  }

  get map(): ReadonlyMap<string, Result> {
    return this.#results;
  }
}
