import type { SimDirectory } from '../ad/sim-directory.js';
import { createObject } from './create-object.js';
import type { SeedObject } from './seed-types.js';

/** A JSON seed: objects in creation order (parents first). */
export interface JsonSeed {
  entries: SeedObject[];
}

export function seedFromJson(directory: SimDirectory, seed: JsonSeed | string): void {
  const parsed: unknown = typeof seed === 'string' ? JSON.parse(seed) : seed;
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as JsonSeed).entries)) {
    throw new Error('directory-sim: a JSON seed needs an "entries" array');
  }
  for (const entry of (parsed as JsonSeed).entries) {
    if (typeof entry.dn !== 'string' || typeof entry.attributes !== 'object') throw new Error('directory-sim: every seed entry needs dn and attributes');
    createObject(directory, entry);
  }
}
