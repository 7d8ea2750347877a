import type { DirectoryStore } from '../store/directory-store.js';
import { assertionValue } from './evaluate-filter.js';
import type { Filter } from './filter.js';

/**
 * Entry keys that can match, from the equality indexes; undefined when the filter needs a scan.
 * An AND needs one indexed term (the smallest set wins); an OR needs all of its terms indexed.
 */
export function planCandidates(filter: Filter, store: DirectoryStore): ReadonlySet<string> | undefined {
  switch (filter.kind) {
    case 'equal':
      return store.lookup(filter.attribute, assertionValue(filter.attribute, filter.value));
    case 'and': {
      let best: ReadonlySet<string> | undefined;
      for (const inner of filter.filters) {
        const plan = planCandidates(inner, store);
        if (plan && (!best || plan.size < best.size)) best = plan;
      }
      return best;
    }
    case 'or': {
      const union = new Set<string>();
      for (const inner of filter.filters) {
        const plan = planCandidates(inner, store);
        if (!plan) return undefined;
        for (const key of plan) union.add(key);
      }
      return union;
    }
    default:
      return undefined;
  }
}
