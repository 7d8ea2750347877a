import type { Kysely } from 'kysely';
import type { ServiceConfig } from '../config/service-config.js';
import type { DataDir } from '../config/data-dir.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import { KeyStatus, loadSigningKeys, type LoadedSigningKey } from './signing-keys.js';

/**
 * The signing keys a running node holds, newest first. `keys rotate` (another process, maybe on
 * another machine) and a retirement on another node change the database's set; every node checks
 * it each heartbeat and reloads when it changed, so a rotation needs no restart.
 */
export class SigningKeyring {
  #keys: readonly LoadedSigningKey[];

  private constructor(
    keys: readonly LoadedSigningKey[],
    private readonly dataDir: DataDir,
    private readonly config: ServiceConfig,
  ) {
    this.#keys = keys;
  }

  static async load(db: Kysely<ServiceDatabase>, dataDir: DataDir, config: ServiceConfig): Promise<SigningKeyring> {
    return new SigningKeyring(await loadSigningKeys(db, dataDir, config), dataDir, config);
  }

  get current(): readonly LoadedSigningKey[] {
    return this.#keys;
  }

  /**
   * Reloads when the database's active kids differ from the ones held. Returns whether the set
   * changed. A key whose private half this node cannot read (not copied here yet) throws, and the
   * node goes on with the keys it holds: it neither announces nor signs with a key it lacks.
   */
  async refresh(db: Kysely<ServiceDatabase>): Promise<boolean> {
    const rows = await db.selectFrom('signing_keys').select('kid').where('status', '=', KeyStatus.active).orderBy('created_at', 'desc').execute();
    const held = this.#keys.map((key) => key.kid);
    if (rows.length === held.length && rows.every((row, index) => row.kid === held[index])) return false;
    this.#keys = await loadSigningKeys(db, this.dataDir, this.config);
    return true;
  }
}
