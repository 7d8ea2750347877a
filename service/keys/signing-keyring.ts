import type { Kysely } from 'kysely';
import type { ServiceConfig } from '../config/service-config.js';
import type { DataDir } from '../config/data-dir.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import { activeKids, loadSigningKeys, type LoadedSigningKey } from './signing-keys.js';

/**
 * The signing keys a running node holds, newest first. `keys rotate` (another process, maybe on
 * another machine) and a retirement on another node change the database's set; every node checks
 * it each heartbeat and reloads when it changed, so a rotation needs no restart.
 */
export class SigningKeyring {
  #keys: readonly LoadedSigningKey[];
  #behind = false;

  /** `reload` null: the keys are held in memory only and change through `replace` (service-sim). */
  private constructor(
    keys: readonly LoadedSigningKey[],
    private readonly reload: ((db: Kysely<ServiceDatabase>) => Promise<LoadedSigningKey[]>) | null,
  ) {
    this.#keys = keys;
  }

  static async load(db: Kysely<ServiceDatabase>, dataDir: DataDir, config: ServiceConfig): Promise<SigningKeyring> {
    return new SigningKeyring(await loadSigningKeys(db, dataDir, config), (from) => loadSigningKeys(from, dataDir, config));
  }

  /** Keys held in memory, never read from files (the test rig's node); the database's `signing_keys` rows are the caller's to keep in step. */
  static inMemory(keys: readonly LoadedSigningKey[]): SigningKeyring {
    return new SigningKeyring(keys, null);
  }

  get current(): readonly LoadedSigningKey[] {
    return this.#keys;
  }

  /** The last refresh could not load the database's active set: the keys held are not the service's set, so they are not announced. */
  get behind(): boolean {
    return this.#behind;
  }

  /** Replaces the keys of an in-memory keyring (newest, i.e. preferred, first). */
  replace(keys: readonly LoadedSigningKey[]): void {
    if (this.reload !== null) throw new Error('only an in-memory keyring is replaced by hand');
    this.#keys = keys;
  }

  /**
   * Reloads when the database's active kids differ from the ones held. Returns whether the set
   * changed. A key whose private half this node cannot read (not copied here yet) throws, and the
   * node goes on with the keys it holds: it neither announces nor signs with a key it lacks.
   */
  async refresh(db: Kysely<ServiceDatabase>): Promise<boolean> {
    if (this.reload === null) return false;
    const active = await activeKids(db);
    const held = this.#keys.map((key) => key.kid);
    if (active.length === held.length && active.every((kid, index) => kid === held[index])) {
      this.#behind = false;
      return false;
    }
    try {
      this.#keys = await this.reload(db);
    } catch (error) {
      this.#behind = true;
      throw error;
    }
    this.#behind = false;
    return true;
  }
}
